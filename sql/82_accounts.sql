-- Accounts: deletion with a grace period, and data export (docs/accounts.md).
-- Objects: private.account_settings (one row), private.account_deletions, private.account_exports;
-- private functions the edge function `account` calls as service_role (schedule, cancel, due
-- deletions, the archive, exports); triggers on auth.users (a sign-in cancels a pending deletion; a
-- deleted Auth user is erased from every domain) and guards that keep new writes off deleted accounts;
-- the storage.objects policy of the private bucket `exports`; the pg_cron job (sql/98_jobs.sql).
-- Caveats:
-- * Deleting goes through Supabase Auth (DELETE /auth/v1/admin/users/<id>) and Storage (the Storage
--   API removes the objects): the edge function does both. Whoever deletes the auth.users row — the
--   function, an operator in the dashboard — the trigger private.erase_account runs first and leaves
--   the database exact: per-table rules in docs/accounts.md.
-- * The profile stays as a tombstone ("Deleted account", deleted_at set, nothing else): the other
--   side of a conversation keeps it with the deleted person's messages tombstoned, and reply threads
--   keep their shape. The username is retired for good (private.reserved_usernames).
-- * GoTrue sets auth.users.last_sign_in_at whenever it issues a new session (any sign-in, not a token
--   refresh): a sign-in after the request cancels the deletion.

create table private.account_settings (
  id boolean not null default true,
  deletion_grace interval not null default '14 days',
  reauthentication_window interval not null default '10 minutes',
  export_ttl interval not null default '7 days',
  constraint account_settings_pkey primary key (id),
  constraint account_settings_one_row check (id),
  constraint account_settings_positive check (
    deletion_grace >= interval '0' and reauthentication_window > interval '0' and export_ttl > interval '0'
  )
);
insert into private.account_settings default values;
comment on table private.account_settings is 'One row: deletion_grace (time between a deletion request and the erasure; a sign-in meanwhile cancels it), reauthentication_window (how recent a sign-in must be to delete without the password), export_ttl (how long an export archive is kept). Change as postgres.';

create table private.account_deletions (
  user_id uuid not null,
  requested_at timestamptz not null default now(),
  deletes_at timestamptz not null,
  constraint account_deletions_pkey primary key (user_id),
  constraint account_deletions_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade
);
create index account_deletions_deletes_at_idx on private.account_deletions (deletes_at);
comment on table private.account_deletions is 'Pending account deletions: the Auth user is deleted once deletes_at has passed (private.due_account_deletions), unless the user signs in or cancels first.';

create table private.account_exports (
  id uuid not null default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  object_path text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  constraint account_exports_pkey primary key (id),
  constraint account_exports_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint account_exports_object_path_key unique (object_path)
);
create index account_exports_user_id_idx on private.account_exports (user_id, created_at desc);
create index account_exports_expires_at_idx on private.account_exports (expires_at);
comment on table private.account_exports is 'Export archives written to the exports bucket (exports/<user id>/<file>.json); removed through the Storage API once expires_at has passed.';

-- Storage: the exports bucket, private. The account function writes exports/<user id>/<file>.json
-- through the Storage API; only the owner reads them (policies/80_storage_and_realtime.sql).
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('exports', 'exports', false, 104857600, array['application/json'])
on conflict (id) do nothing;

-- One export a day: a throttle like any other (sql/79_throttles.sql), counted as the requesting user.
insert into public.rate_limits (action, burst, sustained, period, new_account_burst, new_account_sustained, description)
values ('export', 1, 1, '1 day', 1, 1, 'data exports (account function, export)');

create trigger account_exports_throttle after insert on private.account_exports
  for each row execute function private.throttle_row('export');

-- Deletion requests -------------------------------------------------------------------------------

create function private.schedule_account_deletion(target_user uuid, authenticated_at timestamptz)
returns json
language plpgsql
security definer
set search_path = ''
as $$
declare
  d private.account_deletions;
  s private.account_settings;
begin
  select * into s from private.account_settings;
  if not exists (select from auth.users u where u.id = schedule_account_deletion.target_user) then
    raise exception 'user not found' using errcode = 'PT404';
  end if;
  if schedule_account_deletion.authenticated_at is null
     or schedule_account_deletion.authenticated_at < now() - s.reauthentication_window then
    raise exception 'confirm your password to delete your account' using errcode = '42501',
      hint = format('Send your password, or sign in again: a sign-in within %s is enough.', s.reauthentication_window);
  end if;
  insert into private.account_deletions (user_id, deletes_at)
  values (schedule_account_deletion.target_user, now() + s.deletion_grace)
  on conflict on constraint account_deletions_pkey do nothing;
  select * into d from private.account_deletions ad where ad.user_id = schedule_account_deletion.target_user;
  return json_build_object('requested_at', d.requested_at, 'deletes_at', d.deletes_at);
end
$$;
comment on function private.schedule_account_deletion(uuid, timestamptz) is 'Schedules the deletion of the account after the grace period and returns {requested_at, deletes_at}; a pending request is kept as it is. authenticated_at is when the user last proved who they are (the password just checked, or the sign-in of the token): older than reauthentication_window is refused with 42501.';

create function private.cancel_account_deletion(target_user uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.account_deletions ad where ad.user_id = cancel_account_deletion.target_user;
  return found;
end
$$;
comment on function private.cancel_account_deletion(uuid) is 'Cancels a pending deletion; true when there was one.';

create function private.cancel_deletion_on_sign_in()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.account_deletions ad
  where ad.user_id = new.id and ad.requested_at < new.last_sign_in_at;
  return null;
end
$$;
comment on function private.cancel_deletion_on_sign_in() is 'Trigger: GoTrue stamps last_sign_in_at on every new session; a sign-in after a deletion request cancels it.';

create trigger on_auth_user_signed_in_cancel_deletion
  after update of last_sign_in_at on auth.users
  for each row when (new.last_sign_in_at is distinct from old.last_sign_in_at)
  execute function private.cancel_deletion_on_sign_in();

create function private.pending_account_deletion(target_user uuid)
returns json
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return (
    select json_build_object('requested_at', d.requested_at, 'deletes_at', d.deletes_at)
    from private.account_deletions d where d.user_id = pending_account_deletion.target_user
  );
end
$$;
comment on function private.pending_account_deletion(uuid) is 'The pending deletion of the account as {requested_at, deletes_at}, or null (my_account shows it).';

create function private.account_objects(target_user uuid)
returns table (bucket_id text, name text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select o.bucket_id, o.name from storage.objects o
  where o.owner_id = account_objects.target_user::text
     or (o.bucket_id in ('avatars', 'post-media', 'exports')
         and (storage.foldername(o.name))[1] = account_objects.target_user::text)
  order by o.bucket_id, o.name;
end
$$;
comment on function private.account_objects(uuid) is 'The storage objects of a user: owned by them, or in their folder of avatars, post-media and exports. The account function removes them through the Storage API before it deletes the Auth user.';

create function private.due_account_deletions(max_users integer default 20)
returns table (user_id uuid, objects json)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select d.user_id,
         coalesce((select json_agg(json_build_object('bucket_id', o.bucket_id, 'name', o.name))
                   from private.account_objects(d.user_id) o), '[]'::json)
  from private.account_deletions d
  where d.deletes_at <= now()
  order by d.deletes_at
  limit due_account_deletions.max_users;
end
$$;
comment on function private.due_account_deletions(integer) is 'Accounts whose grace period is over, oldest first, with the storage objects to remove before the Auth user is deleted.';

-- Erasure: what happens to everything an account owns --------------------------------------------

create function private.erase_account()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  gone uuid := old.id;
  owned record;
  successor uuid;
  fk record;
begin
  -- The username is retired for good.
  insert into private.reserved_usernames (username)
  select un.username from private.usernames un where un.user_id = gone
  on conflict do nothing;

  -- Groups they own pass to the longest-standing admin, else the longest-standing member; a group
  -- with nobody else is archived.
  for owned in
    select gm.group_id from public.group_members gm where gm.user_id = gone and gm.role = 'owner'
  loop
    select gm.user_id into successor
    from public.group_members gm
    where gm.group_id = owned.group_id and gm.user_id <> gone and gm.status = 'active'
    order by (gm.role = 'admin') desc, gm.joined_at, gm.created_at, gm.user_id
    limit 1;
    update public.group_members gm set role = 'member' where gm.group_id = owned.group_id and gm.user_id = gone;
    if successor is not null then
      update public.group_members gm set role = 'owner' where gm.group_id = owned.group_id and gm.user_id = successor;
    else
      update public.groups g set status = 'archived', verified = false where g.id = owned.group_id;
    end if;
  end loop;
  delete from public.group_members gm where gm.user_id = gone;

  -- Their comments go; one with replies of others stays as a tombstone (no body), as when they
  -- delete it themselves, so the replies keep their thread.
  update public.comments c set body = '', deleted_at = now()
  where c.author_id = gone and c.deleted_at is null
    and exists (select from public.comments r where r.parent_id = c.id);
  delete from public.comments c
  where c.author_id = gone and not exists (select from public.comments r where r.parent_id = c.id);

  -- Their messages stay as tombstones in the other participant's conversation; their own side of
  -- each conversation goes.
  update public.messages m set deleted_at = now() where m.sender_id = gone and m.deleted_at is null;
  delete from public.conversation_participants cp where cp.user_id = gone;

  -- Every other row that references the profile and cascades with it goes: posts (with their
  -- comments, reactions, bookmarks, events and RSVPs), reactions, follows both ways, blocks and mutes
  -- both ways, bookmarks, RSVPs, and any later table built the same way.
  for fk in
    select c.conrelid::regclass as tab, a.attname as col
    from pg_catalog.pg_constraint c
    join pg_catalog.pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.confrelid = 'public.profiles'::regclass and c.confdeltype = 'c'
      and c.conrelid not in ('public.conversations'::regclass, 'public.conversation_participants'::regclass,
                             'public.messages'::regclass, 'public.comments'::regclass)
    order by c.conrelid::regclass::text, a.attname
  loop
    execute format('delete from %s where %I = $1', fk.tab, fk.col) using gone;
  end loop;

  delete from private.feed_inbox i where i.user_id = gone;
  delete from private.feed_inbox_state s where s.user_id = gone;
  -- after the loop: its deletes of blocks and mutes rewrote this context again (sql/60_feeds.sql)
  delete from private.feed_reader_context c where c.user_id = gone;
  delete from private.rate_limit_buckets b where b.user_id = gone;
  -- Mentions of them still waiting for delivery (sql/90_discovery.sql; their own posts' go with the posts).
  delete from private.mention_queue q where q.recipient_id = gone;

  -- The profile becomes a tombstone.
  update public.profiles p
  set display_name = 'Deleted account', bio = '', avatar_path = null, is_private = false,
      dm_policy = 'nobody', deleted_at = now()
  where p.id = gone;
  -- What references auth.users goes with it by its foreign keys: the username, roles, notifications
  -- to and from them, memberships, group follows, deletion and export records.
  return old;
end
$$;
comment on function private.erase_account() is 'Trigger before an Auth user is deleted: retires the username, hands owned groups on (or archives them), tombstones comments with replies and every message, deletes everything else of theirs and leaves the profile as a tombstone. Per-table rules: docs/accounts.md.';

create trigger on_auth_user_deleted_erase_account
  before delete on auth.users
  for each row execute function private.erase_account();

-- Deleted accounts take no new follows, invitations or messages --------------------------------

create function private.refuse_deleted_account()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (
    select from public.profiles p
    where p.id = (to_jsonb(new) ->> tg_argv[0])::uuid and p.deleted_at is not null
  ) then
    raise exception 'user not found' using errcode = 'PT404', hint = 'This account was deleted.';
  end if;
  return new;
end
$$;
comment on function private.refuse_deleted_account() is 'Trigger before insert: refuses a row whose user column (the trigger''s argument) is a deleted account, as for a user who does not exist.';

create trigger follows_refuse_deleted_account before insert on public.follows
  for each row execute function private.refuse_deleted_account('followee_id');
create trigger group_members_refuse_deleted_account before insert on public.group_members
  for each row execute function private.refuse_deleted_account('user_id');

create function private.messages_refuse_deleted_account()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (
    select from public.conversation_participants cp
    join public.profiles p on p.id = cp.other_user_id
    where cp.conversation_id = new.conversation_id and cp.user_id = new.sender_id and p.deleted_at is not null
  ) then
    raise exception 'this account was deleted' using errcode = 'PT409',
      hint = 'The conversation stays readable; nobody can write to a deleted account.';
  end if;
  return new;
end
$$;
comment on function private.messages_refuse_deleted_account() is 'Trigger before insert on messages: nobody writes to a deleted account (PT409).';

create trigger messages_refuse_deleted_account before insert on public.messages
  for each row execute function private.messages_refuse_deleted_account();

-- Data export ---------------------------------------------------------------------------------------

create function private.account_archive(target_user uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  u uuid := account_archive.target_user;
begin
  return jsonb_build_object(
    'format', 'threads-account-export/1',
    'exported_at', now(),
    'account', (
      select jsonb_build_object('id', au.id, 'email', au.email, 'username', un.username, 'created_at', au.created_at,
        'roles', coalesce((select jsonb_agg(r.role order by r.role) from public.user_roles r where r.user_id = au.id), '[]'::jsonb))
      from auth.users au left join private.usernames un on un.user_id = au.id where au.id = u),
    'profile', (select to_jsonb(p) from public.profiles p where p.id = u),
    'posts', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', p.id, 'group_id', p.group_id, 'title', p.title, 'content', p.content, 'created_at', p.created_at,
          'edited_at', p.edited_at,
          'media', coalesce((
            select jsonb_agg(b ->> 'value') from jsonb_array_elements(p.content -> 'blocks') b
            where b ->> 'type' in ('image', 'video')), '[]'::jsonb))
        order by p.created_at, p.id)
      from public.posts p where p.author_id = u), '[]'::jsonb),
    'comments', coalesce((
      select jsonb_agg(jsonb_build_object('id', c.id, 'post_id', c.post_id, 'parent_id', c.parent_id, 'body', c.body,
          'created_at', c.created_at, 'edited_at', c.edited_at, 'deleted_at', c.deleted_at) order by c.created_at, c.id)
      from public.comments c where c.author_id = u), '[]'::jsonb),
    'reactions', coalesce((
      select jsonb_agg(jsonb_build_object('post_id', r.post_id, 'comment_id', r.comment_id, 'kind', r.kind,
          'created_at', r.created_at) order by r.created_at, r.id)
      from public.reactions r where r.user_id = u), '[]'::jsonb),
    'following', coalesce((
      select jsonb_agg(jsonb_build_object('user_id', f.followee_id, 'status', f.status, 'created_at', f.created_at)
        order by f.created_at, f.followee_id)
      from public.follows f where f.follower_id = u), '[]'::jsonb),
    'followers', coalesce((
      select jsonb_agg(jsonb_build_object('user_id', f.follower_id, 'status', f.status, 'created_at', f.created_at)
        order by f.created_at, f.follower_id)
      from public.follows f where f.followee_id = u), '[]'::jsonb),
    'groups', coalesce((
      select jsonb_agg(jsonb_build_object('group_id', gm.group_id, 'name', g.name, 'role', gm.role, 'status', gm.status,
          'joined_at', gm.joined_at) order by gm.created_at, gm.group_id)
      from public.group_members gm join public.groups g on g.id = gm.group_id where gm.user_id = u), '[]'::jsonb),
    'group_follows', coalesce((
      select jsonb_agg(jsonb_build_object('group_id', gf.group_id, 'created_at', gf.created_at) order by gf.created_at, gf.group_id)
      from public.group_follows gf where gf.user_id = u), '[]'::jsonb),
    'messages', coalesce((
      select jsonb_agg(jsonb_build_object('id', m.id, 'conversation_id', m.conversation_id, 'body', m.body,
          'created_at', m.created_at, 'edited_at', m.edited_at, 'deleted_at', m.deleted_at) order by m.created_at, m.id)
      from public.messages m where m.sender_id = u), '[]'::jsonb),
    'events', coalesce((
      select jsonb_agg(jsonb_build_object('event_id', e.id, 'post_id', e.post_id, 'title', e.title, 'starts_at', e.starts_at,
          'ends_at', e.ends_at, 'organizer', e.author_id = u,
          'rsvp', (select rs.status from public.event_rsvps rs where rs.event_id = e.id and rs.user_id = u))
        order by e.starts_at, e.id)
      from public.events e
      where e.author_id = u or e.id in (select rs.event_id from public.event_rsvps rs where rs.user_id = u)), '[]'::jsonb),
    'bookmarks', coalesce((
      select jsonb_agg(jsonb_build_object('post_id', b.post_id, 'created_at', b.created_at) order by b.created_at, b.post_id)
      from public.bookmarks b where b.user_id = u), '[]'::jsonb),
    'blocks', coalesce((
      select jsonb_agg(jsonb_build_object('user_id', bl.blocked_id, 'created_at', bl.created_at) order by bl.created_at, bl.blocked_id)
      from public.blocks bl where bl.blocker_id = u), '[]'::jsonb),
    'mutes', coalesce((
      select jsonb_agg(jsonb_build_object('user_id', mu.muted_id, 'expires_at', mu.expires_at, 'created_at', mu.created_at)
        order by mu.created_at, mu.muted_id)
      from public.mutes mu where mu.muter_id = u), '[]'::jsonb)
  );
end
$$;
comment on function private.account_archive(uuid) is 'The export archive of a user: their account, profile, posts (with the media they reference), comments, reactions, follows both ways (ids), groups and roles, group follows, their own messages, events they organize or answered, bookmarks, blocks and mutes. Nothing of anyone else but ids.';

create function private.start_account_export()
returns json
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  e private.account_exports;
begin
  if me is null then
    raise exception 'sign in required' using errcode = '42501';
  end if;
  insert into private.account_exports (user_id, object_path, expires_at)
  select me, me::text || '/' || to_char(now() at time zone 'utc', 'YYYYMMDD"T"HH24MISS"Z"') || '-'
             || left(gen_random_uuid()::text, 8) || '.json',
         now() + s.export_ttl
  from private.account_settings s
  returning * into e;
  perform private.notify(me, null, 'export_ready', e.id,
    jsonb_build_object('bucket', 'exports', 'path', e.object_path, 'expires_at', e.expires_at));
  return json_build_object('id', e.id, 'bucket', 'exports', 'path', e.object_path, 'expires_at', e.expires_at,
    'archive', private.account_archive(me));
end
$$;
comment on function private.start_account_export() is 'As the caller: records an export (one a day: the export throttle), notifies the caller (export_ready) and returns {id, bucket, path, expires_at, archive}. The account function uploads the archive in the same transaction, so a failed upload leaves nothing.';

create function private.expired_account_exports(max_exports integer default 100)
returns table (id uuid, user_id uuid, object_path text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select e.id, e.user_id, e.object_path from private.account_exports e
  where e.expires_at <= now()
  order by e.expires_at
  limit expired_account_exports.max_exports;
end
$$;
comment on function private.expired_account_exports(integer) is 'Export archives past their expiry, for the account function to remove through the Storage API.';

create function private.forget_account_export(export_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.account_exports e where e.id = forget_account_export.export_id;
end
$$;
comment on function private.forget_account_export(uuid) is 'Drops the record of an export whose archive the Storage API removed.';

revoke all on private.account_settings, private.account_deletions, private.account_exports from public;
grant execute on function private.schedule_account_deletion(uuid, timestamptz), private.cancel_account_deletion(uuid),
  private.due_account_deletions(integer), private.account_objects(uuid), private.expired_account_exports(integer),
  private.forget_account_export(uuid), private.pending_account_deletion(uuid) to service_role;
grant execute on function private.start_account_export() to authenticated;
grant usage on schema private to authenticated, service_role;
