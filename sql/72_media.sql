-- Media: one row per uploaded object, what references it, who may read it, and its removal.
-- Objects: tables public.media (written by a trigger on storage.objects), public.post_media (kept by
-- triggers on posts from their image/video blocks), public.message_media (attachments of direct
-- messages), public.comment_media (images and videos under a comment) and public.institution_media
-- (the pictures and videos of an institution page); triggers on storage.objects (bucket limits, media rows), on posts (references checked
-- and indexed) and on messages (a deleted message lets go of its media); predicates
-- private.can_read_media_object (the storage.objects select policy, policies/80_storage_and_realtime.sql)
-- and private.media_is_referenced; RPC claim_media_for_removal (service_role: the cleanup job).
-- Caveats:
-- * Who may read a private object is who may see what references it: private.can_see_post,
--   private.can_see_comment and private.can_see_group (an institution page) for post-media, the participants (never across a block) for message-media; the owner always. So an
--   unfollow, a block, a profile or group going private, a removal or a deletion ends access at once.
-- * Nobody lists another user's folder: the select policy answers false for others' objects when
--   Storage runs a list operation (it sets storage.operation per request).
-- * Removal goes through the Storage API (storage.protect_delete refuses direct deletes). The job
--   claims due media with claim_media_for_removal (a mark, under the row lock), then deletes the
--   objects through the API; the object's row deletion deletes the media row. Attaching takes the
--   same row lock and refuses a claimed media, and claiming skips any media referenced meanwhile, so
--   a race between attach and cleanup loses nothing.
-- * ref_count on the media row (not a subquery) is what claiming re-checks under the lock.

-- Media -------------------------------------------------------------------------------------------

create table public.media (
  id uuid not null default gen_random_uuid(),
  object_id uuid not null,
  owner_id uuid not null,
  bucket_id text not null,
  object_path text not null,
  mime_type text not null,
  bytes bigint,
  width integer,
  height integer,
  duration_seconds numeric,
  alt text,
  created_at timestamptz not null default now(),
  ref_count integer not null default 0,
  attached_at timestamptz,
  detached_at timestamptz,
  removing_at timestamptz,
  constraint media_pkey primary key (id),
  constraint media_object_id_key unique (object_id),
  constraint media_object_id_fkey foreign key (object_id) references storage.objects (id) on delete cascade,
  constraint media_bucket_id_object_path_key unique (bucket_id, object_path),
  constraint media_ref_count_not_negative check (ref_count >= 0),
  constraint media_dimensions check (
    (width is null or width between 1 and 100000) and (height is null or height between 1 and 100000)
  ),
  constraint media_duration check (duration_seconds is null or duration_seconds > 0),
  constraint media_alt_length check (alt is null or char_length(alt) <= 500)
);
alter table public.media enable row level security;

create index media_owner_id_created_idx on public.media (owner_id, created_at desc);
-- The cleanup job's candidates: unreferenced media, oldest first.
create index media_unreferenced_idx on public.media (created_at) where ref_count = 0;

comment on table public.media is 'One row per object uploaded to avatars, post-media or message-media, written by the database when Storage inserts the object and deleted with it. Owners read their own rows.';
comment on column public.media.id is 'Media id.';
comment on column public.media.object_id is 'The storage.objects row (deleting the object deletes this row).';
comment on column public.media.owner_id is 'The uploader (storage.objects.owner_id). No foreign key: the media of a deleted account stays until the cleanup job removes it through the Storage API.';
comment on column public.media.bucket_id is 'The bucket: avatars, post-media or message-media.';
comment on column public.media.object_path is 'The object name, <owner id>/<file>; content references it as storage://<bucket>/<object path>.';
comment on column public.media.mime_type is 'MIME type as Storage recorded it (metadata.mimetype).';
comment on column public.media.bytes is 'Size in bytes as Storage recorded it (metadata.size, else metadata.contentLength).';
comment on column public.media.width is 'Width in pixels, from the upload''s user metadata (width), if given.';
comment on column public.media.height is 'Height in pixels, from the upload''s user metadata (height), if given.';
comment on column public.media.duration_seconds is 'Duration of a video in seconds, from the upload''s user metadata (duration), if given.';
comment on column public.media.alt is 'Alt text from the upload''s user metadata (alt), at most 500 characters; owners may change it.';
comment on column public.media.created_at is 'When it was uploaded.';
comment on column public.media.ref_count is 'How many posts, comments, institution pages and messages reference it (kept by the database).';
comment on column public.media.attached_at is 'When something first referenced it; null if never.';
comment on column public.media.detached_at is 'When the last reference went away (a deleted or edited post, a deleted message); null while referenced or never attached.';
comment on column public.media.removing_at is 'When the cleanup job claimed it for removal through the Storage API; it can no longer be attached.';

-- References --------------------------------------------------------------------------------------

create table public.post_media (
  post_id uuid not null,
  media_id uuid not null,
  created_at timestamptz not null default now(),
  constraint post_media_pkey primary key (post_id, media_id),
  constraint post_media_post_id_fkey foreign key (post_id) references public.posts (id) on delete cascade,
  constraint post_media_media_id_fkey foreign key (media_id) references public.media (id) on delete cascade
);
alter table public.post_media enable row level security;
create index post_media_media_id_idx on public.post_media (media_id);

comment on table public.post_media is 'Which media the image and video blocks of a post reference; kept by the database from posts.content. Readable with the post.';
comment on column public.post_media.post_id is 'The post.';
comment on column public.post_media.media_id is 'The media its content references.';
comment on column public.post_media.created_at is 'When the post first referenced it.';

create table public.message_media (
  message_id uuid not null,
  media_id uuid not null,
  position smallint not null default 0,
  created_at timestamptz not null default now(),
  constraint message_media_pkey primary key (message_id, media_id),
  constraint message_media_message_id_fkey foreign key (message_id) references public.messages (id) on delete cascade,
  constraint message_media_media_id_fkey foreign key (media_id) references public.media (id) on delete cascade,
  constraint message_media_position_range check (position between 0 and 9)
);
alter table public.message_media enable row level security;
create index message_media_media_id_idx on public.message_media (media_id);

comment on table public.message_media is 'Images and videos attached to direct messages (message-media bucket). The sender attaches their own uploads to their own message; the two participants read them, never across a block.';
comment on column public.message_media.message_id is 'The message.';
comment on column public.message_media.media_id is 'The attached media: an image or video the sender uploaded to message-media.';
comment on column public.message_media.position is 'Order of the attachment in the message, 0–9.';
comment on column public.message_media.created_at is 'When it was attached.';

create table public.comment_media (
  comment_id uuid not null,
  media_id uuid not null,
  position smallint not null default 0,
  created_at timestamptz not null default now(),
  constraint comment_media_pkey primary key (comment_id, media_id),
  constraint comment_media_comment_id_fkey foreign key (comment_id) references public.comments (id) on delete cascade,
  constraint comment_media_media_id_fkey foreign key (media_id) references public.media (id) on delete cascade,
  constraint comment_media_position_range check (position between 0 and 3)
);
alter table public.comment_media enable row level security;
create index comment_media_media_id_idx on public.comment_media (media_id);

comment on table public.comment_media is 'Images and videos under a comment (post-media bucket). The comment''s author attaches their own uploads to their own live comment; readable with the comment (private.can_see_comment).';
comment on column public.comment_media.comment_id is 'The comment.';
comment on column public.comment_media.media_id is 'The attached media: an image or video the comment''s author uploaded to post-media.';
comment on column public.comment_media.position is 'Order of the attachment under the comment, 0–3.';
comment on column public.comment_media.created_at is 'When it was attached.';

create table public.institution_media (
  group_id uuid not null,
  media_id uuid not null,
  position smallint not null default 0,
  created_at timestamptz not null default now(),
  constraint institution_media_pkey primary key (group_id, media_id),
  constraint institution_media_group_id_fkey foreign key (group_id) references public.institution_profiles (group_id) on delete cascade,
  constraint institution_media_media_id_fkey foreign key (media_id) references public.media (id) on delete cascade,
  constraint institution_media_position_range check (position between 0 and 19)
);
alter table public.institution_media enable row level security;
create index institution_media_media_id_idx on public.institution_media (media_id);

comment on table public.institution_media is 'The pictures and videos of an institution page (post-media bucket): its owners and admins add their own uploads; readable with the group (private.can_see_group). Position 0 is the cover.';
comment on column public.institution_media.group_id is 'The institution (its institution_profiles row).';
comment on column public.institution_media.media_id is 'An image or video uploaded to post-media by the owner or admin who added it.';
comment on column public.institution_media.position is 'Order on the page, 0–19; 0 is the cover.';
comment on column public.institution_media.created_at is 'When it was added.';

-- Storage: bucket limits and media rows -----------------------------------------------------------

-- The bucket's size and MIME allowlist, enforced by the database as the Storage API enforces them.
create function private.storage_objects_check_limits()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  b record;
  mime text := new.metadata ->> 'mimetype';
  size_text text := coalesce(new.metadata ->> 'size', new.metadata ->> 'contentLength');
begin
  select bu.file_size_limit, bu.allowed_mime_types into b from storage.buckets bu where bu.id = new.bucket_id;
  if not found then
    return new;
  end if;
  if b.allowed_mime_types is not null and cardinality(b.allowed_mime_types) > 0 and (
    mime is null or not exists (
      select from unnest(b.allowed_mime_types) a (allowed)
      where lower(a.allowed) = lower(mime)
        or (a.allowed like '%/*' and lower(split_part(mime, '/', 1)) = lower(split_part(a.allowed, '/', 1)))
    )
  ) then
    raise exception 'mime type % is not allowed in bucket %', coalesce(mime, '(none)'), new.bucket_id
      using errcode = '22023', hint = 'rule media.mime_type; allowed: ' || array_to_string(b.allowed_mime_types, ', ');
  end if;
  if b.file_size_limit is not null and size_text ~ '^[0-9]{1,18}$' and size_text::bigint > b.file_size_limit then
    raise exception 'object of % bytes exceeds the % byte limit of bucket %', size_text, b.file_size_limit, new.bucket_id
      using errcode = '22023', hint = 'rule media.size';
  end if;
  return new;
end
$$;
comment on function private.storage_objects_check_limits() is 'Trigger on storage.objects: metadata.mimetype must be in the bucket''s allowed_mime_types and metadata.size (or contentLength) within its file_size_limit; raises 22023 naming the rule.';

create trigger media_check_limits
  before insert or update of metadata, bucket_id on storage.objects
  for each row execute function private.storage_objects_check_limits();

create function private.media_user_number(user_metadata jsonb, key text, max_value numeric)
returns numeric
language plpgsql
immutable
set search_path = ''
as $$
declare
  v jsonb := media_user_number.user_metadata -> media_user_number.key;
begin
  if v is null or v = 'null'::jsonb then
    return null;
  end if;
  -- Storage passes user metadata through as the client sent it: numbers or numeric strings.
  if not ((jsonb_typeof(v) = 'number' and (v #>> '{}')::numeric > 0 and (v #>> '{}')::numeric <= media_user_number.max_value)
    or (jsonb_typeof(v) = 'string' and (v #>> '{}') ~ '^[0-9]{1,6}(\.[0-9]{1,3})?$'
      and (v #>> '{}')::numeric > 0 and (v #>> '{}')::numeric <= media_user_number.max_value)) then
    raise exception 'metadata.% must be a number in (0, %]', media_user_number.key, media_user_number.max_value
      using errcode = '22023', hint = 'rule media.metadata';
  end if;
  return (v #>> '{}')::numeric;
end
$$;
comment on function private.media_user_number(jsonb, text, numeric) is 'A positive number (or numeric string) of an upload''s user metadata, at most max_value; null when absent; raises 22023 (rule media.metadata) otherwise.';

create function private.storage_objects_sync_media()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  owner uuid;
  w numeric;
  h numeric;
  d numeric;
  alt_text text;
begin
  if new.bucket_id not in ('avatars', 'post-media', 'message-media')
    or new.owner_id is null
    or new.owner_id !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return null;
  end if;
  owner := new.owner_id::uuid;
  w := private.media_user_number(new.user_metadata, 'width', 100000);
  h := private.media_user_number(new.user_metadata, 'height', 100000);
  d := private.media_user_number(new.user_metadata, 'duration', 86400);
  if (w is not null and w <> trunc(w)) or (h is not null and h <> trunc(h)) then
    raise exception 'metadata.width and metadata.height must be whole pixels' using errcode = '22023', hint = 'rule media.metadata';
  end if;
  alt_text := new.user_metadata ->> 'alt';
  if alt_text is not null and char_length(alt_text) > 500 then
    raise exception 'metadata.alt must be at most 500 characters' using errcode = '22023', hint = 'rule media.metadata';
  end if;
  if tg_op = 'UPDATE' then
    -- An overwrite (upsert) of a referenced object must keep its kind: a post's image stays an image.
    if exists (
      select from public.media m
      where m.object_id = new.id and m.ref_count > 0
        and split_part(m.mime_type, '/', 1) <> split_part(coalesce(new.metadata ->> 'mimetype', m.mime_type), '/', 1)
    ) then
      raise exception 'a referenced object keeps its kind (image or video)' using errcode = '22023', hint = 'rule media.type';
    end if;
  end if;
  insert into public.media as m (object_id, owner_id, bucket_id, object_path, mime_type, bytes, width, height, duration_seconds, alt)
  values (
    new.id, owner, new.bucket_id, new.name,
    coalesce(new.metadata ->> 'mimetype', 'application/octet-stream'),
    case when coalesce(new.metadata ->> 'size', new.metadata ->> 'contentLength') ~ '^[0-9]{1,18}$'
      then coalesce(new.metadata ->> 'size', new.metadata ->> 'contentLength')::bigint end,
    w::integer, h::integer, d, alt_text
  )
  on conflict (object_id) do update
    set mime_type = excluded.mime_type, bytes = excluded.bytes,
      width = coalesce(excluded.width, m.width), height = coalesce(excluded.height, m.height),
      duration_seconds = coalesce(excluded.duration_seconds, m.duration_seconds), alt = coalesce(excluded.alt, m.alt);
  return null;
end
$$;
comment on function private.storage_objects_sync_media() is 'Trigger on storage.objects: writes the public.media row of an object in avatars, post-media or message-media from what Storage recorded (owner_id, name, metadata.mimetype/size) and the upload''s user metadata (width, height, duration, alt); an overwrite updates it.';

create trigger media_sync
  after insert or update of metadata, user_metadata on storage.objects
  for each row execute function private.storage_objects_sync_media();

-- Who reads an object ------------------------------------------------------------------------------

create function private.can_read_media_object(bucket text, object_name text, object_owner text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  found_media uuid;
begin
  if me is not null and can_read_media_object.object_owner = me::text then
    return true;
  end if;
  -- Listing shows only one's own folder, whoever asks.
  if coalesce(current_setting('storage.operation', true), '') in ('storage.object.list', 'storage.object.list_v2', 'storage.s3.object.list') then
    return false;
  end if;
  select m.id into found_media
  from public.media m
  where m.bucket_id = can_read_media_object.bucket and m.object_path = can_read_media_object.object_name;
  if not found then
    return false;
  end if;
  if can_read_media_object.bucket = 'post-media' then
    return exists (
        select from public.post_media pm
        where pm.media_id = found_media and private.can_see_post_id(pm.post_id)
      )
      or exists (
        select from public.comment_media cm
        where cm.media_id = found_media and private.can_see_comment(cm.comment_id)
      )
      or exists (
        select from public.institution_media im
        where im.media_id = found_media and private.can_see_group(im.group_id)
      );
  end if;
  if can_read_media_object.bucket = 'message-media' then
    return me is not null and exists (
      select from public.message_media mm
      join public.messages msg on msg.id = mm.message_id
      where mm.media_id = found_media
        and msg.deleted_at is null
        and msg.conversation_id in (select private.my_conversation_ids())
    );
  end if;
  return false;
end
$$;
comment on function private.can_read_media_object(text, text, text) is 'The storage.objects select rule of post-media and message-media: the owner; else (never while listing) whoever can see a post, comment or institution page that references it (private.can_see_post_id, can_see_comment, can_see_group), or a participant of a conversation whose live message attaches it, never across a block.';

create function private.media_is_referenced(bucket text, object_name text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.media m
    where m.bucket_id = media_is_referenced.bucket and m.object_path = media_is_referenced.object_name and m.ref_count > 0
  );
end
$$;
comment on function private.media_is_referenced(text, text) is 'True while a post, comment, institution page or message references this object: its owner may then neither delete nor overwrite it.';

-- Posts: references checked and indexed -------------------------------------------------------------

-- The storage references of a content document: (block index, block type, object path in post-media).
create function private.content_media_refs(content jsonb)
returns table (block_index bigint, block_type text, object_path text)
language plpgsql
immutable
set search_path = ''
as $$
begin
  if jsonb_typeof(content_media_refs.content -> 'blocks') is distinct from 'array' then
    return;
  end if;
  return query
  select e.n - 1, e.item ->> 'type', regexp_replace(e.item ->> 'value', '^(storage://)?post-media/', '')
  from jsonb_array_elements(content_media_refs.content -> 'blocks') with ordinality as e (item, n)
  where jsonb_typeof(e.item) = 'object'
    and e.item ->> 'type' in ('image', 'video')
    and jsonb_typeof(e.item -> 'value') = 'string'
    and (e.item ->> 'value') ~ '^(storage://)?post-media/';
end
$$;
comment on function private.content_media_refs(jsonb) is 'The image and video blocks of a content document that reference post-media (storage://post-media/<path> or post-media/<path>): block index, type and object path.';

create function private.posts_check_media()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  r record;
  m public.media;
begin
  for r in select * from private.content_media_refs(new.content) loop
    select md.* into m from public.media md where md.bucket_id = 'post-media' and md.object_path = r.object_path;
    if not found or m.owner_id <> new.author_id then
      raise exception 'content.blocks[%] (%): no uploaded media post-media/% of the author', r.block_index, r.block_type, r.object_path
        using errcode = '22023', hint = 'rule media.not_found; upload to post-media/<your user id>/ first';
    end if;
    if split_part(m.mime_type, '/', 1) <> r.block_type then
      raise exception 'content.blocks[%] (%): media post-media/% is %, not an %', r.block_index, r.block_type, r.object_path, m.mime_type, r.block_type
        using errcode = '22023', hint = 'rule media.type';
    end if;
    if m.removing_at is not null then
      raise exception 'content.blocks[%] (%): media post-media/% is being removed', r.block_index, r.block_type, r.object_path
        using errcode = '22023', hint = 'rule media.not_found; upload it again';
    end if;
  end loop;
  return new;
end
$$;
comment on function private.posts_check_media() is 'Trigger: every image or video block referencing post-media names media the author uploaded, of the block''s kind (image/*, video/*), not being removed; raises 22023 naming the block.';

-- Only content with an image or video block can reference media: the jsonb containment tests in
-- WHEN skip the trigger call for every other post (issue 16: the cost of an ordinary post).
create trigger posts_media_check
  before insert or update of content on public.posts
  for each row
  when (new.content @> '{"blocks": [{"type": "image"}]}' or new.content @> '{"blocks": [{"type": "video"}]}')
  execute function private.posts_check_media();

create function private.posts_sync_media()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.post_media pm
  where pm.post_id = new.id
    and pm.media_id not in (
      select m.id from private.content_media_refs(new.content) r
      join public.media m on m.bucket_id = 'post-media' and m.object_path = r.object_path
    );
  insert into public.post_media (post_id, media_id)
  select distinct new.id, m.id
  from private.content_media_refs(new.content) r
  join public.media m on m.bucket_id = 'post-media' and m.object_path = r.object_path
  on conflict do nothing;
  return null;
end
$$;
comment on function private.posts_sync_media() is 'Trigger: public.post_media lists exactly the media the post''s content references.';

create trigger posts_media_sync_on_insert
  after insert on public.posts
  for each row
  when (new.content @> '{"blocks": [{"type": "image"}]}' or new.content @> '{"blocks": [{"type": "video"}]}')
  execute function private.posts_sync_media();

create trigger posts_media_sync
  after update of content on public.posts
  for each row
  when (
    old.content @> '{"blocks": [{"type": "image"}]}' or old.content @> '{"blocks": [{"type": "video"}]}'
    or new.content @> '{"blocks": [{"type": "image"}]}' or new.content @> '{"blocks": [{"type": "video"}]}'
  )
  execute function private.posts_sync_media();

-- Messages: attachments ----------------------------------------------------------------------------

create function private.message_media_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  msg public.messages;
  m public.media;
begin
  select ms.* into msg from public.messages ms where ms.id = new.message_id;
  if not found or (me is not null and (msg.sender_id <> me or msg.conversation_id not in (select private.my_conversation_ids()))) then
    raise exception 'message not found' using errcode = 'PT404';
  end if;
  if msg.deleted_at is not null then
    raise exception 'this message is deleted' using errcode = 'PT409';
  end if;
  select md.* into m from public.media md where md.id = new.media_id;
  if not found or m.owner_id <> msg.sender_id or m.bucket_id <> 'message-media' then
    raise exception 'no uploaded media % of the sender in message-media', new.media_id
      using errcode = '22023', hint = 'rule media.not_found; upload to message-media/<your user id>/ first';
  end if;
  if split_part(m.mime_type, '/', 1) not in ('image', 'video') then
    raise exception 'only images and videos can be attached' using errcode = '22023', hint = 'rule media.type';
  end if;
  if (select count(*) from public.message_media mm where mm.message_id = new.message_id) >= 10 then
    raise exception 'a message has at most 10 attachments' using errcode = '22023', hint = 'rule media.count';
  end if;
  new.created_at := now();
  return new;
end
$$;
comment on function private.message_media_before_insert() is 'Trigger: the sender attaches an image or video they uploaded to message-media to their own live message, at most 10; raises PT404, PT409 or 22023.';

create trigger message_media_before_insert
  before insert on public.message_media
  for each row execute function private.message_media_before_insert();

create function private.messages_release_media()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.message_media mm where mm.message_id = new.id;
  return null;
end
$$;
comment on function private.messages_release_media() is 'Trigger: a deleted message (tombstone) lets go of its attachments.';

create trigger messages_release_media
  after update of deleted_at on public.messages
  for each row when (new.deleted_at is not null and old.deleted_at is null)
  execute function private.messages_release_media();

-- Comments and institution pages: attachments ------------------------------------------------------

create function private.comment_media_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  c public.comments;
  m public.media;
begin
  select co.* into c from public.comments co where co.id = new.comment_id;
  if not found or (me is not null and c.author_id <> me) then
    raise exception 'comment not found' using errcode = 'PT404';
  end if;
  if c.deleted_at is not null then
    raise exception 'this comment is deleted' using errcode = 'PT409';
  end if;
  if c.removed_at is not null then
    raise exception 'a removed comment cannot change' using errcode = 'PT409',
      hint = 'A moderator removed it; appeal the removal instead.';
  end if;
  select md.* into m from public.media md where md.id = new.media_id;
  if not found or m.owner_id <> c.author_id or m.bucket_id <> 'post-media' then
    raise exception 'no uploaded media % of the author in post-media', new.media_id
      using errcode = '22023', hint = 'rule media.not_found; upload to post-media/<your user id>/ first';
  end if;
  if split_part(m.mime_type, '/', 1) not in ('image', 'video') then
    raise exception 'only images and videos can be attached' using errcode = '22023', hint = 'rule media.type';
  end if;
  if (select count(*) from public.comment_media cm where cm.comment_id = new.comment_id) >= 4 then
    raise exception 'a comment has at most 4 attachments' using errcode = '22023', hint = 'rule media.count';
  end if;
  new.created_at := now();
  return new;
end
$$;
comment on function private.comment_media_before_insert() is 'Trigger: the author attaches an image or video they uploaded to post-media to their own live comment, at most 4; raises PT404, PT409 or 22023.';

create trigger comment_media_before_insert
  before insert on public.comment_media
  for each row execute function private.comment_media_before_insert();

create function private.comments_release_media()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.comment_media cm where cm.comment_id = new.id;
  return null;
end
$$;
comment on function private.comments_release_media() is 'Trigger: a deleted comment (tombstone) lets go of its attachments.';

create trigger comments_release_media
  after update of deleted_at on public.comments
  for each row when (new.deleted_at is not null and old.deleted_at is null)
  execute function private.comments_release_media();

create function private.institution_media_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  m public.media;
begin
  if not exists (select from public.institution_profiles ip where ip.group_id = new.group_id)
     or (me is not null and new.group_id not in (select private.managed_group_ids())) then
    raise exception 'institution not found' using errcode = 'PT404';
  end if;
  select md.* into m from public.media md where md.id = new.media_id;
  -- A user adds their own uploads; an operator or service_role those of the group's owners and admins.
  if not found or m.bucket_id <> 'post-media'
     or (me is not null and m.owner_id <> me)
     or (me is null and not exists (
       select from public.group_members gm
       where gm.group_id = new.group_id and gm.user_id = m.owner_id and gm.status = 'active' and gm.role in ('owner', 'admin')
     )) then
    raise exception 'no uploaded media % of yours in post-media', new.media_id
      using errcode = '22023', hint = 'rule media.not_found; upload to post-media/<your user id>/ first';
  end if;
  if split_part(m.mime_type, '/', 1) not in ('image', 'video') then
    raise exception 'only images and videos can be added' using errcode = '22023', hint = 'rule media.type';
  end if;
  if (select count(*) from public.institution_media im where im.group_id = new.group_id) >= 20 then
    raise exception 'an institution page has at most 20 pictures and videos' using errcode = '22023', hint = 'rule media.count';
  end if;
  new.created_at := now();
  return new;
end
$$;
comment on function private.institution_media_before_insert() is 'Trigger: an owner or admin of the institution adds an image or video they uploaded to post-media to its page, at most 20; raises PT404 or 22023.';

create trigger institution_media_before_insert
  before insert on public.institution_media
  for each row execute function private.institution_media_before_insert();

-- Attachment-only messages: a live message has text or at least one attachment, checked at commit so
-- that send_message (or any transaction) can insert the message, then attach to it.
create function private.check_message_has_content()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  target uuid;
begin
  -- Each branch names only its own table's columns (plpgsql resolves a record field when it runs).
  if tg_table_name = 'messages' then
    target := new.id;
  else
    target := old.message_id;
  end if;
  if exists (
    select from public.messages m
    where m.id = target and m.deleted_at is null and m.body is null
      and not exists (select from public.message_media mm where mm.message_id = m.id)
  ) then
    raise exception 'message body must be 1–4,000 characters' using errcode = '22023',
      hint = 'Surrounding whitespace does not count. A message may have no text only with an image or video attached (send_message with media_ids).';
  end if;
  return null;
end
$$;
comment on function private.check_message_has_content() is 'Deferred constraint trigger on messages and message_media: at commit, a live message without text keeps at least one attachment; raises 22023 `message body must be 1–4,000 characters` otherwise.';

create constraint trigger messages_have_content
  after insert or update of body on public.messages
  deferrable initially deferred
  for each row when (new.body is null and new.deleted_at is null)
  execute function private.check_message_has_content();

create constraint trigger message_media_leave_content
  after delete on public.message_media
  deferrable initially deferred
  for each row execute function private.check_message_has_content();

create function public.send_message(conversation_id uuid, body text default null, media_ids uuid[] default null)
returns public.messages
language plpgsql
security invoker
set search_path = ''
as $$
declare
  sent public.messages;
begin
  if cardinality(send_message.media_ids) > 10 then
    raise exception 'a message has at most 10 attachments' using errcode = '22023', hint = 'rule media.count';
  end if;
  insert into public.messages (conversation_id, body)
  values (send_message.conversation_id, send_message.body)
  returning * into sent;
  insert into public.message_media (message_id, media_id, position)
  select sent.id, x.media_id, (x.n - 1)::integer
  from unnest(send_message.media_ids) with ordinality as x (media_id, n);
  return sent;
end
$$;
comment on function public.send_message(uuid, text, uuid[]) is 'Sends a direct message with optional attachments in one request: body (may be omitted when media_ids is given: an attachment-only message) and media_ids, the caller''s own message-media images or videos (at most 10, in order). Same rules as inserting into messages and message_media. Errors: 22023 `message body must be 1–4,000 characters` (no text and no attachment, or too long), 22023 media rules (rule media.not_found, media.type, media.count), PT404 conversation not found, 42501 blocked or not allowed, PT409 a pending request.';

-- Reference counts: the mark the cleanup job re-checks under the row lock ---------------------------

create function private.media_referenced()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.media m
  set ref_count = m.ref_count + 1, attached_at = coalesce(m.attached_at, now()), detached_at = null
  where m.id = new.media_id and m.removing_at is null;
  if not found then
    raise exception 'media % is being removed', new.media_id using errcode = '22023',
      hint = 'rule media.not_found; upload it again';
  end if;
  return null;
end
$$;
comment on function private.media_referenced() is 'Trigger: counts a new reference under the media row lock; refuses a media the cleanup job has claimed.';

create function private.media_unreferenced()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.media m
  set ref_count = greatest(m.ref_count - 1, 0),
    detached_at = case when m.ref_count <= 1 then now() else m.detached_at end
  where m.id = old.media_id;
  return null;
end
$$;
comment on function private.media_unreferenced() is 'Trigger: uncounts a reference; the last one going stamps detached_at (the media becomes due for removal).';

create trigger post_media_referenced after insert on public.post_media
  for each row execute function private.media_referenced();
create trigger post_media_unreferenced after delete on public.post_media
  for each row execute function private.media_unreferenced();
create trigger message_media_referenced after insert on public.message_media
  for each row execute function private.media_referenced();
create trigger message_media_unreferenced after delete on public.message_media
  for each row execute function private.media_unreferenced();
create trigger comment_media_referenced after insert on public.comment_media
  for each row execute function private.media_referenced();
create trigger comment_media_unreferenced after delete on public.comment_media
  for each row execute function private.media_unreferenced();
create trigger institution_media_referenced after insert on public.institution_media
  for each row execute function private.media_referenced();
create trigger institution_media_unreferenced after delete on public.institution_media
  for each row execute function private.media_unreferenced();

-- Cleanup ------------------------------------------------------------------------------------------

create function private.claim_media_for_removal(batch_size integer)
returns table (bucket_id text, object_path text)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if batch_size is null or batch_size not between 1 and 1000 then
    raise exception 'batch_size must be 1–1000' using errcode = '22023';
  end if;
  return query
  update public.media m set removing_at = now()
  where m.id in (
      select c.id from public.media c
      where c.ref_count = 0
        and c.bucket_id in ('post-media', 'message-media')
        and (c.removing_at is null or c.removing_at < now() - interval '15 minutes')
        and (
          c.detached_at is not null
          or c.created_at < now() - interval '24 hours'
          or not exists (select from public.profiles p where p.id = c.owner_id and p.deleted_at is null)
        )
      order by c.created_at
      limit claim_media_for_removal.batch_size
      for update skip locked
    )
    and m.ref_count = 0
  returning m.bucket_id, m.object_path;
end
$$;
comment on function private.claim_media_for_removal(integer) is 'claim_media_for_removal: marks due media under the row lock (skipping rows an attach holds) and returns their objects.';

create function public.claim_media_for_removal(batch_size integer default 100)
returns table (bucket_id text, object_path text)
language sql
set search_path = ''
as $$
  select c.bucket_id, c.object_path from private.claim_media_for_removal(claim_media_for_removal.batch_size) c
$$;
comment on function public.claim_media_for_removal(integer) is 'service_role only (the media cleanup job): marks up to batch_size media due for removal and returns their objects, to delete through the Storage API. Due: referenced by nothing and either let go by a deleted post or message, never attached for 24 hours, or of a deleted account. Media referenced meanwhile is skipped; a claim not finished in 15 minutes is handed out again (idempotent).';

-- Grants ------------------------------------------------------------------------------------------

grant select on public.media to authenticated;
grant update (alt) on public.media to authenticated;
grant select, insert, update, delete on public.media to service_role;
grant select on public.post_media to anon, authenticated;
grant select, insert, update, delete on public.post_media to service_role;
grant select, insert, delete on public.message_media to authenticated;
grant select, insert, update, delete on public.message_media to service_role;
grant select on public.comment_media to anon, authenticated;
grant insert (comment_id, media_id, position), delete on public.comment_media to authenticated;
grant select, insert, update, delete on public.comment_media to service_role;
grant select on public.institution_media to anon, authenticated;
grant insert (group_id, media_id, position), delete on public.institution_media to authenticated;
grant select, insert, update, delete on public.institution_media to service_role;
grant execute on function private.can_read_media_object(text, text, text) to anon, authenticated, service_role;
grant execute on function private.media_is_referenced(text, text) to authenticated, service_role;
grant execute on function private.claim_media_for_removal(integer) to service_role;
grant execute on function public.claim_media_for_removal(integer) to service_role;
grant execute on function public.send_message(uuid, text, uuid[]) to authenticated;
