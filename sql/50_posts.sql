-- Posts: user posts and group posts made of content blocks (sql/31_content.sql validates them).
-- Objects: tables public.posts, public.post_revisions; private.can_see_post(), can_see_post_id(),
-- can_moderate_post(); the write rules (triggers); profiles.posts_count; the post-media bucket;
-- RPC create_post (idempotent); grants.
-- Caveats: who sees a post is one predicate, private.can_see_post, used by the select policy and by
-- every later domain (comments, reactions, events, bookmarks, feeds). Counters on a post are kept by
-- the database. Platform admins see posts like anyone else (moderation is not this domain's).

create table public.posts (
  id uuid not null default gen_random_uuid(),
  author_id uuid not null default auth.uid(),
  group_id uuid,
  title text,
  content jsonb not null,
  idempotency_key text,
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  updated_at timestamptz not null default now(),
  comment_count integer not null default 0,
  reaction_count integer not null default 0,
  reaction_counts jsonb not null default '{}'::jsonb,
  removed_at timestamptz,
  removed_reason text,
  locked_at timestamptz,
  -- the default is never stored (posts_before_insert sets the card); it tells clients' generated
  -- types that an insert does not give it
  author_card jsonb not null default '{}'::jsonb,
  constraint posts_pkey primary key (id),
  constraint posts_author_id_fkey foreign key (author_id) references public.profiles (id) on delete cascade,
  constraint posts_group_id_fkey foreign key (group_id) references public.groups (id) on delete cascade,
  constraint posts_title_length check (title is null or (title = btrim(title) and char_length(title) between 1 and 300)),
  constraint posts_title_plain check (private.is_plain_text(title)),
  constraint posts_group_posts_have_a_title check (group_id is null or title is not null),
  constraint posts_content_valid check (private.assert_valid_content(content)),
  constraint posts_idempotency_key_length check (idempotency_key is null or char_length(idempotency_key) between 1 and 100),
  constraint posts_counts_not_negative check (comment_count >= 0 and reaction_count >= 0),
  constraint posts_removed_reason_with_removed_at check (
    (removed_at is null) = (removed_reason is null) and (removed_reason is null or char_length(removed_reason) between 1 and 1000)
  )
)
-- Room for the comment and reaction counters to update in place (HOT), as on profiles.
with (fillfactor = 90);
alter table public.posts enable row level security;

-- Profile pages and group pages read newest first by (created_at, id); the home feed reads by id.
create index posts_author_created_idx on public.posts (author_id, created_at desc, id desc);
-- One post per author and idempotency key (create_post). Partial: most posts have no key, and an
-- entry per keyless post was index work on every post written (issue 16). NULL keys never collide,
-- so the rule is the same as a unique constraint's.
create unique index posts_author_id_idempotency_key_key on public.posts (author_id, idempotency_key)
  where idempotency_key is not null;
create index posts_group_created_idx on public.posts (group_id, created_at desc, id desc) where group_id is not null;
create index posts_created_idx on public.posts (created_at desc, id desc);

create trigger posts_set_updated_at
  before update on public.posts
  for each row execute function private.set_updated_at();

comment on table public.posts is 'Posts of users (group_id null) and of groups. Visible per private.can_see_post: the author; anyone for public profiles and active public groups; accepted followers of private profiles; active members of private groups; never across a block.';
comment on column public.posts.id is 'Post id.';
comment on column public.posts.author_id is 'The author; set to the caller.';
comment on column public.posts.group_id is 'The group it was posted in, or null for a profile post.';
comment on column public.posts.title is 'Optional title of a profile post, required for a group post; 1–300 characters without surrounding spaces.';
comment on column public.posts.content is 'The content: {"blocks": [...], "schema_version"?: 1}, validated on every write (docs/content-blocks.md).';
comment on column public.posts.idempotency_key is 'A client-chosen key unique per author: a retried create returns the first post instead of posting twice.';
comment on column public.posts.created_at is 'When it was posted.';
comment on column public.posts.edited_at is 'When the author last edited title or content; null if never.';
comment on column public.posts.updated_at is 'When the row last changed (edits and counters).';
comment on column public.posts.comment_count is 'Number of comments (kept by the database).';
comment on column public.posts.reaction_count is 'Number of reactions of every kind (kept by the database).';
comment on column public.posts.reaction_counts is 'Reactions by kind, e.g. {"like": 3, "love": 1} (kept by the database).';
comment on column public.posts.removed_at is 'When a moderator removed it, or auto-hide hid it pending review (sql/75_moderation.sql); null while it is up. A removed post is gone from every feed, count and read except its author''s.';
comment on column public.posts.removed_reason is 'Why it was removed, shown to its author (`under review` while auto-hidden); set exactly when removed_at is.';
comment on column public.posts.locked_at is 'When a moderator locked it: no new comments or reactions; null while open.';
comment on column public.posts.author_card is 'The author''s card, {id, display_name, avatar_path}: a copy of profiles.card kept by the database (set on insert; when the author''s name or avatar changes, rewritten at once on their newest posts and within minutes on older ones by the author-cards job), so that a feed row needs no profile read.';

-- Who sees a post ----------------------------------------------------------------------------------

-- Moderation: who acts on content others wrote. A block between the moderator and the author never
-- narrows these (issue 14): the moderator still reads and removes it. Issue 12 extends both with
-- platform moderators. Documented in docs/conventions.md ("Moderation predicates").
create function private.can_moderate_group_content(target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return private.can_manage_group(can_moderate_group_content.target_group);
end
$$;
comment on function private.can_moderate_group_content(uuid) is 'True when the caller moderates what is posted in the group (posts, comments under them, its member list): its owners and admins. No block narrows it.';

create function private.can_see_post(author uuid, target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  g record;
begin
  if can_see_post.author = me then
    return true;
  end if;
  -- A block hides the author's posts, except from those who moderate the group they are in: a block
  -- never puts content beyond moderation (private.can_moderate_group_content).
  if me is not null and private.is_blocked_between(me, can_see_post.author)
     and not (can_see_post.target_group is not null and private.can_moderate_group_content(can_see_post.target_group)) then
    return false;
  end if;
  if can_see_post.target_group is null then
    return exists (select from public.profiles p where p.id = can_see_post.author and not p.is_private)
      or exists (
        select from public.follows f
        where f.follower_id = me and f.followee_id = can_see_post.author and f.status = 'accepted'
      );
  end if;
  select gr.status, gr.visibility into g from public.groups gr where gr.id = can_see_post.target_group;
  if not found or g.status not in ('active', 'suspended') then
    return false;
  end if;
  -- A suspended group (sql/75_moderation.sql) stays readable by its active members only.
  return (g.visibility = 'public' and g.status = 'active')
    or exists (
      select from public.group_members m
      where m.group_id = can_see_post.target_group and m.user_id = me and m.status = 'active'
    );
end
$$;
comment on function private.can_see_post(uuid, uuid) is 'Who sees a post of this author in this group (null: a profile post): the author; nobody across a block, except the group''s moderators (private.can_moderate_group_content); anyone for public profiles and active public groups; accepted followers of private profiles; active members of active private groups and of suspended groups. Removed posts are the callers'' business (removed_at): see can_see_post_id and the posts policies.';

-- Write rules that span rows (column rules are constraints) ------------------------------------------

create function private.posts_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  g record;
  my_role public.group_role;
begin
  if me is not null then
    perform private.require_can_act();
    if new.author_id is distinct from me then
      raise exception 'you can only post as yourself' using errcode = '42501';
    end if;
  end if;
  -- The author's card, copied (issue 16: a feed row then reads no profile). A rename committed before
  -- this insert's transaction ends is caught by private.posts_count_and_fan_out, which reads the card
  -- again under the author's row lock. No card: no such author (the foreign key's error, said first).
  select pr.card into new.author_card from public.profiles pr where pr.id = new.author_id;
  if new.author_card is null then
    raise exception 'insert or update on table "posts" violates foreign key constraint "posts_author_id_fkey"'
      using errcode = '23503', detail = 'the author is not a profile';
  end if;
  -- Only image and video blocks name storage paths (jsonb containment: no call for other posts).
  if new.content @> '{"blocks": [{"type": "image"}]}' or new.content @> '{"blocks": [{"type": "video"}]}' then
    perform private.assert_own_post_media(new.content, new.author_id);
  end if;
  if new.group_id is null then
    return new;
  end if;
  select gr.kind, gr.status into g from public.groups gr where gr.id = new.group_id;
  if not found then
    raise exception 'group not found' using errcode = 'PT404';
  end if;
  if g.status <> 'active' then
    raise exception 'nobody can post in a group that is not active' using errcode = 'PT409';
  end if;
  select m.role into my_role from public.group_members m
  where m.group_id = new.group_id and m.user_id = new.author_id and m.status = 'active';
  if my_role is null then
    raise exception 'only active members can post in this group' using errcode = '42501';
  end if;
  if g.kind = 'institution' and my_role = 'member' then
    raise exception 'only owners and admins post in an institution' using errcode = '42501';
  end if;
  return new;
end
$$;
comment on function private.posts_before_insert() is 'Trigger: a post is written by its confirmed author and carries the author''s card (author_card, whatever the insert said); media storage paths lie in the author''s folder; group posts need an active group and an active membership (institutions: owners and admins).';

create trigger posts_before_insert
  before insert on public.posts
  for each row execute function private.posts_before_insert();

create function private.can_see_post_id(post uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  p record;
begin
  select po.author_id, po.group_id, po.removed_at into p from public.posts po where po.id = can_see_post_id.post;
  if not found then
    return false;
  end if;
  if p.removed_at is not null then
    return p.author_id = (select auth.uid());
  end if;
  return private.can_see_post(p.author_id, p.group_id);
end
$$;
comment on function private.can_see_post_id(uuid) is 'private.can_see_post for a post named by id (false when it does not exist; a removed post only for its author): for rows that hang off a post (revisions, comments, reactions, bookmarks, events).';

create function private.can_moderate_post(post uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  p record;
begin
  select po.author_id, po.group_id into p from public.posts po where po.id = can_moderate_post.post;
  if not found then
    return false;
  end if;
  return p.author_id = (select auth.uid())
    or (p.group_id is not null and private.can_moderate_group_content(p.group_id));
end
$$;
comment on function private.can_moderate_post(uuid) is 'True when the caller may read and remove what others wrote under the post (comments), whatever block stands between them: its author, or a moderator of its group (private.can_moderate_group_content).';

-- Media of a post: storage paths (post-media/<user id>/<file>) must lie in the author's own folder.
create function private.post_media_problem(content jsonb, author uuid)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  block jsonb;
  i bigint;
begin
  -- Malformed content is the content rules' to report (the check constraint runs after this trigger).
  if jsonb_typeof(post_media_problem.content -> 'blocks') is distinct from 'array' then
    return null;
  end if;
  for block, i in
    select e.item, e.n - 1 from jsonb_array_elements(post_media_problem.content -> 'blocks') with ordinality as e (item, n)
  loop
    if block ->> 'type' in ('image', 'video')
      and jsonb_typeof(block -> 'value') = 'string'
      and (block ->> 'value') ~ '^(storage://)?post-media/'
      and regexp_replace(block ->> 'value', '^storage://', '') not like 'post-media/' || post_media_problem.author::text || '/%' then
      return 'content.blocks[' || i::text || '] (' || (block ->> 'type') || '): a storage path must lie in the author''s own folder post-media/<author id>/';
    end if;
  end loop;
  return null;
end
$$;
comment on function private.post_media_problem(jsonb, uuid) is 'Null when every image and video storage path of the content lies in the author''s own folder (post-media/<author id>/…), else the message naming the first block that does not.';

create function private.assert_own_post_media(content jsonb, author uuid)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  problem text := private.post_media_problem(assert_own_post_media.content, assert_own_post_media.author);
begin
  if problem is not null then
    raise exception using errcode = '22023', message = problem, hint = 'rule media.own_folder; upload to post-media/<your user id>/ first';
  end if;
end
$$;
comment on function private.assert_own_post_media(jsonb, uuid) is 'Raises 22023 (rule media.own_folder) when an image or video storage path is outside the author''s folder.';

-- Edits: title and content only (column grants); each edit keeps the replaced version.

create table public.post_revisions (
  id uuid not null default gen_random_uuid(),
  post_id uuid not null,
  title text,
  content jsonb not null,
  created_at timestamptz not null default now(),
  constraint post_revisions_pkey primary key (id),
  constraint post_revisions_post_id_fkey foreign key (post_id) references public.posts (id) on delete cascade
);
alter table public.post_revisions enable row level security;

create index post_revisions_post_created_idx on public.post_revisions (post_id, created_at desc, id desc);

comment on table public.post_revisions is 'Earlier versions of edited posts, written by the database on every edit of title or content; readable by whoever can read the post.';
comment on column public.post_revisions.id is 'Revision id.';
comment on column public.post_revisions.post_id is 'The edited post.';
comment on column public.post_revisions.title is 'The title before the edit.';
comment on column public.post_revisions.content is 'The content before the edit.';
comment on column public.post_revisions.created_at is 'When this version was replaced (the time of the edit).';

create function private.posts_before_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.author_id is distinct from old.author_id or new.group_id is distinct from old.group_id then
    raise exception 'the author and the group of a post cannot change' using errcode = '22023';
  end if;
  if new.idempotency_key is distinct from old.idempotency_key or new.created_at is distinct from old.created_at then
    raise exception 'the idempotency key and creation time of a post cannot change' using errcode = '22023';
  end if;
  -- author_card changes only to the author's card as it is now (private.posts_take_author_card and
  -- private.rewrite_author_cards, sql/60_feeds.sql)
  if new.author_card is distinct from old.author_card
    and new.author_card is distinct from (select pr.card from public.profiles pr where pr.id = new.author_id) then
    raise exception 'a post''s author card is the author''s profile card' using errcode = '22023';
  end if;
  if new.title is not distinct from old.title and new.content is not distinct from old.content then
    return new;
  end if;
  if (select auth.uid()) is not null then
    perform private.require_can_act();
  end if;
  if old.removed_at is not null then
    raise exception 'a removed post cannot be edited' using errcode = 'PT409',
      hint = 'A moderator removed it; appeal the removal instead.';
  end if;
  perform private.assert_own_post_media(new.content, new.author_id);
  insert into public.post_revisions (post_id, title, content) values (old.id, old.title, old.content);
  new.edited_at := now();
  return new;
end
$$;
comment on function private.posts_before_update() is 'Trigger: author, group, key and creation time never change, and the author card only to the author''s current card; an edit of title or content keeps the replaced version in post_revisions and sets edited_at.';

create trigger posts_before_update
  before update on public.posts
  for each row execute function private.posts_before_update();

-- profiles.posts_count: once per statement and profile, under row locks taken in id order. Inserts
-- are counted by private.posts_count_and_fan_out (sql/60_feeds.sql), the one statement trigger after
-- insert on posts, which starts the posts' fan-out under the same row lock (issue 16).

create function private.posts_count_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.add_to_counter('public.profiles', 'posts_count', (select array_agg(o.author_id) from old_rows o where o.removed_at is null), -1);
  return null;
end
$$;
comment on function private.posts_count_deleted() is 'Statement trigger: uncounts the posts just deleted (removed ones were uncounted when removed).';

create trigger posts_count_deleted
  after delete on public.posts
  referencing old table as old_rows
  for each statement execute function private.posts_count_deleted();

-- RPC ---------------------------------------------------------------------------------------------

create function public.create_post(
  content jsonb,
  title text default null,
  group_id uuid default null,
  idempotency_key text default null
)
returns public.posts
language plpgsql
security invoker
set search_path = ''
as $$
#variable_conflict use_column
declare
  me uuid := private.require_can_act();
  created public.posts;
begin
  -- A racing retry waits on the first insert's key and then does nothing; the first post is returned.
  insert into public.posts as p (author_id, group_id, title, content, idempotency_key)
  values (me, create_post.group_id, create_post.title, create_post.content, create_post.idempotency_key)
  -- the partial unique index posts_author_id_idempotency_key_key (use_column: these name columns)
  on conflict (author_id, idempotency_key) where p.idempotency_key is not null do nothing
  returning * into created;
  if created.id is null then
    select * into created from public.posts p
    where p.author_id = me and p.idempotency_key = create_post.idempotency_key;
    if not found then
      raise exception 'post not found' using errcode = 'PT404',
        hint = 'the post first created with this idempotency key was deleted';
    end if;
  end if;
  return created;
end
$$;
comment on function public.create_post(jsonb, text, uuid, text) is 'Creates a post as the caller (group_id null: a profile post) and returns it. With an idempotency_key, a retry (even a concurrent one) returns the post first created with that key instead of posting twice.';

grant select on public.posts to anon, authenticated;
grant insert (author_id, group_id, title, content, idempotency_key) on public.posts to authenticated;
grant update (title, content) on public.posts to authenticated;
grant delete on public.posts to authenticated;
grant select, insert, update, delete on public.posts to service_role;

grant execute on function private.can_see_post(uuid, uuid) to anon, authenticated, service_role;

grant select on public.post_revisions to anon, authenticated;
grant select, insert, update, delete on public.post_revisions to service_role;

grant execute on function private.can_see_post_id(uuid) to anon, authenticated, service_role;
grant execute on function private.can_moderate_post(uuid) to authenticated, service_role;
grant execute on function private.post_media_problem(jsonb, uuid) to authenticated, service_role;
grant execute on function private.assert_own_post_media(jsonb, uuid) to authenticated, service_role;
grant execute on function public.create_post(jsonb, text, uuid, text) to authenticated;
