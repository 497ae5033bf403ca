-- Comments: threaded replies under posts (parent_id, depth 1–8).
-- Objects: table public.comments; private.can_see_comment(); write rules, tombstones, comment_count,
-- notifications (comment, reply) and their cleanup; grants.
-- Caveats: a comment is visible exactly when its post is (private.can_see_post_id), and never across a
-- block with its author. Deleting a comment that has replies leaves a tombstone (body '', deleted_at
-- set) and the DELETE answers with no row; a tombstone goes once its last reply goes. comment_count
-- counts the comments that are neither deleted nor removed (removal: sql/75_moderation.sql).

create table public.comments (
  id uuid not null default gen_random_uuid(),
  post_id uuid not null,
  author_id uuid not null default auth.uid(),
  parent_id uuid,
  depth smallint not null default 1,
  body text not null,
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  deleted_at timestamptz,
  updated_at timestamptz not null default now(),
  reaction_count integer not null default 0,
  reaction_counts jsonb not null default '{}'::jsonb,
  removed_at timestamptz,
  removed_reason text,
  constraint comments_pkey primary key (id),
  constraint comments_post_id_fkey foreign key (post_id) references public.posts (id) on delete cascade,
  constraint comments_author_id_fkey foreign key (author_id) references public.profiles (id) on delete cascade,
  constraint comments_parent_id_fkey foreign key (parent_id) references public.comments (id) on delete cascade,
  constraint comments_body_length check (
    (deleted_at is null and char_length(body) between 1 and 10000) or (deleted_at is not null and body = '')
  ),
  constraint comments_depth_range check (depth between 1 and 8),
  constraint comments_parent_depth check ((parent_id is null) = (depth = 1)),
  constraint comments_reaction_count_not_negative check (reaction_count >= 0),
  constraint comments_removed_reason_with_removed_at check (
    (removed_at is null) = (removed_reason is null) and (removed_reason is null or char_length(removed_reason) between 1 and 1000)
  )
);
alter table public.comments enable row level security;

-- A post's thread in order; replies of a comment; a user's comments (block filter, account deletion).
create index comments_post_created_idx on public.comments (post_id, created_at, id);
create index comments_parent_id_idx on public.comments (parent_id) where parent_id is not null;
create index comments_author_id_idx on public.comments (author_id);

create trigger comments_set_updated_at
  before update on public.comments
  for each row execute function private.set_updated_at();

comment on table public.comments is 'Comments on posts, threaded by parent_id up to 8 levels. Visible exactly when the post is, never across a block with the comment''s author. Authors edit and delete their own; the post''s author and its group''s owners and admins delete any under it.';
comment on column public.comments.id is 'Comment id.';
comment on column public.comments.post_id is 'The post commented on.';
comment on column public.comments.author_id is 'The author; set to the caller.';
comment on column public.comments.parent_id is 'The comment replied to (same post), or null for a top-level comment.';
comment on column public.comments.depth is 'Nesting level set by the database: 1 for top-level comments, at most 8.';
comment on column public.comments.body is 'The text, 1–10,000 characters; empty once deleted (a tombstone).';
comment on column public.comments.created_at is 'When it was written.';
comment on column public.comments.edited_at is 'When its author last edited the body; null if never.';
comment on column public.comments.deleted_at is 'When it was deleted while it had replies (a tombstone keeps the thread); null otherwise.';
comment on column public.comments.updated_at is 'When the row last changed (edits and counters).';
comment on column public.comments.reaction_count is 'Number of reactions of every kind (kept by the database).';
comment on column public.comments.reaction_counts is 'Reactions by kind, e.g. {"like": 3} (kept by the database).';
comment on column public.comments.removed_at is 'When a moderator removed it or auto-hide hid it pending review (sql/75_moderation.sql); a removed comment is readable by its author only and not counted.';
comment on column public.comments.removed_reason is 'Why it was removed, shown to its author (`under review` while auto-hidden); set exactly when removed_at is.';

create function private.can_see_comment(comment uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  c record;
  me uuid := (select auth.uid());
begin
  select co.post_id, co.author_id, co.removed_at into c from public.comments co where co.id = can_see_comment.comment;
  if not found then
    return false;
  end if;
  if c.removed_at is not null and c.author_id is distinct from me then
    return false;
  end if;
  if me is not null and c.author_id <> me and private.is_blocked_between(me, c.author_id)
     and not private.can_moderate_post(c.post_id) then
    return false;
  end if;
  return private.can_see_post_id(c.post_id);
end
$$;
comment on function private.can_see_comment(uuid) is 'True when the comment exists, the caller can see its post, and no block stands between the caller and its author unless the caller moderates the post (private.can_moderate_post); a removed comment only for its author.';

-- Write rules ---------------------------------------------------------------------------------------

create function private.comments_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  parent record;
begin
  if me is not null then
    perform private.require_can_act();
    if new.author_id is distinct from me then
      raise exception 'you can only comment as yourself' using errcode = '42501';
    end if;
    if not private.can_see_post_id(new.post_id) then
      raise exception 'post not found' using errcode = 'PT404';
    end if;
  elsif not exists (select from public.posts p where p.id = new.post_id) then
    raise exception 'post not found' using errcode = 'PT404';
  end if;
  if exists (select from public.posts p where p.id = new.post_id and p.locked_at is not null) then
    raise exception 'this post is locked' using errcode = 'PT409',
      hint = 'A moderator locked it: no new comments or reactions.';
  end if;
  new.deleted_at := null;
  new.edited_at := null;
  if new.parent_id is null then
    new.depth := 1;
    return new;
  end if;
  select c.post_id, c.author_id, c.depth, c.deleted_at into parent
  from public.comments c where c.id = new.parent_id;
  if not found or parent.post_id <> new.post_id
     or (me is not null and private.is_blocked_between(me, parent.author_id)) then
    raise exception 'comment not found' using errcode = 'PT404', hint = 'parent_id must name a comment on the same post';
  end if;
  if parent.deleted_at is not null then
    raise exception 'a deleted comment cannot be replied to' using errcode = 'PT409';
  end if;
  if parent.depth >= 8 then
    raise exception 'replies nest at most 8 levels deep' using errcode = '22023';
  end if;
  new.depth := parent.depth + 1;
  return new;
end
$$;
comment on function private.comments_before_insert() is 'Trigger: a comment is written by its confirmed author on a post the author can see; a reply names a live comment of the same post whose author no block separates from the caller, at most 8 levels deep.';

create trigger comments_before_insert
  before insert on public.comments
  for each row execute function private.comments_before_insert();

create function private.comments_before_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.post_id is distinct from old.post_id or new.author_id is distinct from old.author_id
     or new.parent_id is distinct from old.parent_id or new.depth is distinct from old.depth then
    raise exception 'the post, author and parent of a comment cannot change' using errcode = '22023';
  end if;
  if old.deleted_at is not null and new.body is distinct from old.body then
    raise exception 'a deleted comment cannot be edited' using errcode = 'PT409';
  end if;
  if old.removed_at is not null and new.body is distinct from old.body then
    raise exception 'a removed comment cannot be edited' using errcode = 'PT409',
      hint = 'A moderator removed it; appeal the removal instead.';
  end if;
  if new.deleted_at is null and new.body is distinct from old.body then
    if (select auth.uid()) is not null then
      perform private.require_can_act();
      -- An edit is judged like a new comment: never under a post the author can no longer see,
      -- which includes a block with the post's author (issue 14, finding 4).
      if not private.can_see_post_id(new.post_id) then
        raise exception 'post not found' using errcode = 'PT404';
      end if;
    end if;
    new.edited_at := now();
  end if;
  return new;
end
$$;
comment on function private.comments_before_update() is 'Trigger: post, author and parent never change; an edit of the body sets edited_at and needs the post to be visible to the editor (never across a block); a tombstone cannot be edited.';

create trigger comments_before_update
  before update on public.comments
  for each row execute function private.comments_before_update();

-- A comment with replies becomes a tombstone instead of going (only for deletes made by a client;
-- deletes cascading from a deleted post, parent or account go through).
create function private.comments_before_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if pg_trigger_depth() = 1 and old.deleted_at is null
     and exists (select from public.comments c where c.parent_id = old.id) then
    update public.comments c set body = '', deleted_at = now() where c.id = old.id;
    return null;
  end if;
  return old;
end
$$;
comment on function private.comments_before_delete() is 'Trigger: deleting a comment that has replies erases its body and sets deleted_at (a tombstone) instead of removing it.';

create trigger comments_before_delete
  before delete on public.comments
  for each row execute function private.comments_before_delete();

create function private.comments_remove_empty_tombstone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.parent_id is not null then
    delete from public.comments c
    where c.id = old.parent_id and c.deleted_at is not null
      and not exists (select from public.comments r where r.parent_id = c.id);
  end if;
  return null;
end
$$;
comment on function private.comments_remove_empty_tombstone() is 'Trigger: when the last reply of a tombstone goes, the tombstone goes too.';

create trigger comments_remove_empty_tombstone
  after delete on public.comments
  for each row execute function private.comments_remove_empty_tombstone();

-- posts.comment_count: live (not deleted) comments, once per statement and post, posts locked in id order.


create function private.comments_count_inserted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.add_to_counter('public.posts', 'comment_count', (select array_agg(n.post_id) from new_rows n where n.deleted_at is null), 1);
  return null;
end
$$;
comment on function private.comments_count_inserted() is 'Statement trigger: counts the comments just written.';

create trigger comments_count_inserted
  after insert on public.comments
  referencing new table as new_rows
  for each statement execute function private.comments_count_inserted();

create function private.comments_count_tombstoned()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.add_to_counter('public.posts', 'comment_count',
    (select array_agg(n.post_id) from new_rows n join old_rows o on o.id = n.id
     where o.deleted_at is null and n.deleted_at is not null and o.removed_at is null),
    -1);
  return null;
end
$$;
comment on function private.comments_count_tombstoned() is 'Statement trigger: uncounts the comments just turned into tombstones.';

create trigger comments_count_tombstoned
  after update on public.comments
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.comments_count_tombstoned();

create function private.comments_count_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.add_to_counter('public.posts', 'comment_count',
    (select array_agg(o.post_id) from old_rows o where o.deleted_at is null and o.removed_at is null), -1);
  return null;
end
$$;
comment on function private.comments_count_deleted() is 'Statement trigger: uncounts the live comments just deleted.';

create trigger comments_count_deleted
  after delete on public.comments
  referencing old table as old_rows
  for each statement execute function private.comments_count_deleted();

-- Notifications: the post's author hears of comments (grouped per post), a comment's author of replies.
create function private.notify_comment()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  post_author uuid;
  parent_author uuid;
begin
  select p.author_id into post_author from public.posts p where p.id = new.post_id;
  if new.parent_id is not null then
    select c.author_id into parent_author from public.comments c where c.id = new.parent_id;
    perform private.notify(parent_author, new.author_id, 'reply', new.id,
      jsonb_build_object('post_id', new.post_id, 'parent_id', new.parent_id));
  end if;
  if post_author is distinct from parent_author then
    perform private.notify(post_author, new.author_id, 'comment', new.post_id,
      jsonb_build_object('post_id', new.post_id, 'comment_id', new.id));
  end if;
  return null;
end
$$;
comment on function private.notify_comment() is 'Trigger: notifies the post''s author of a comment (grouped per post) and the parent comment''s author of a reply (the post''s author once, as a reply, when both are the same).';

create trigger comments_notify
  after insert on public.comments
  for each row execute function private.notify_comment();

-- A comment that goes (or becomes a tombstone) takes its stale notifications with it: the reply
-- notification about it, and the unread comment notification it alone caused.
create function private.forget_comment_notifications()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and not (old.deleted_at is null and new.deleted_at is not null) then
    return null;
  end if;
  -- By actor (indexed): the comment's author caused both.
  delete from public.notifications n
  where n.actor_id = old.author_id
    and ((n.kind = 'reply' and n.subject_id = old.id)
      or (n.kind = 'comment' and n.read_at is null and n.actor_count = 1 and n.data ->> 'comment_id' = old.id::text));
  return null;
end
$$;
comment on function private.forget_comment_notifications() is 'Trigger: a deleted or tombstoned comment removes the reply notification about it and the unread comment notification it alone caused.';

create trigger comments_forget_notifications
  after update of deleted_at or delete on public.comments
  for each row execute function private.forget_comment_notifications();

grant select on public.comments to anon, authenticated;
grant insert (author_id, post_id, parent_id, body) on public.comments to authenticated;
grant update (body) on public.comments to authenticated;
grant delete on public.comments to authenticated;
grant select, insert, update, delete on public.comments to service_role;

grant execute on function private.can_see_comment(uuid) to anon, authenticated, service_role;
