-- Notifications: written only by the database (triggers call private.notify), read and marked read
-- by their recipient, broadcast on the recipient's private Realtime topic `user:<id>` (who may join it:
-- sql/80_storage_and_realtime.sql).
-- Objects: type notification_kind; table public.notifications; private.notify(),
-- private.notification_suppressed(); RPCs
-- mark_notifications_read, unread_notification_count; private.prune_notifications(); the
-- social-graph triggers (follow, follow_request, follow_accepted; cleanup on unfollow and block).
-- Caveats: floods are grouped: an unread notification of a grouped kind about the same subject
-- absorbs new ones (actor_count grows, actor_id is the latest actor). Retention is 90 days; the
-- prune job is scheduled by sql/98_jobs.sql (see docs/operations.md). Nothing is written
-- across a block (either way) or from a user the recipient mutes; the muted user cannot tell; nor
-- about a subject the recipient cannot see at that moment (private.notification_subject_visible).

create type public.notification_kind as enum (
  'follow', 'follow_request', 'follow_accepted',
  'comment', 'reply', 'reaction',
  'group_join_request', 'group_invite', 'group_join_approved',
  'institution_approved', 'institution_rejected',
  'message_request', 'report_resolved', 'export_ready',
  'moderation_action', 'appeal_decided', 'moderation_queue',
  -- issue 17 (sql/90_discovery.sql): a person mentioned in a post
  'mention'
);
comment on type public.notification_kind is 'What a notification is about.';

create table public.notifications (
  id uuid not null default gen_random_uuid(),
  recipient_id uuid not null,
  actor_id uuid,
  kind public.notification_kind not null,
  subject_id uuid,
  data jsonb not null default '{}'::jsonb,
  actor_count integer not null default 1,
  read_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint notifications_pkey primary key (id),
  constraint notifications_recipient_id_fkey foreign key (recipient_id) references auth.users (id) on delete cascade,
  constraint notifications_actor_id_fkey foreign key (actor_id) references auth.users (id) on delete cascade,
  constraint notifications_data_is_object check (jsonb_typeof(data) = 'object'),
  constraint notifications_actor_count_positive check (actor_count >= 1)
);
alter table public.notifications enable row level security;

-- The recipient's list, newest first (keyset on updated_at, id), and unread counts.
create index notifications_recipient_updated_idx on public.notifications (recipient_id, updated_at desc, id desc);
create index notifications_recipient_unread_idx on public.notifications (recipient_id) where read_at is null;
create index notifications_actor_id_idx on public.notifications (actor_id);
create index notifications_created_at_idx on public.notifications (created_at);
-- One unread notification per recipient, grouped kind and subject.
create unique index notifications_unread_group_key on public.notifications (recipient_id, kind, subject_id)
  where read_at is null and kind in ('reaction', 'comment', 'group_join_request');

create trigger notifications_set_updated_at
  before update on public.notifications
  for each row execute function private.set_updated_at();

comment on table public.notifications is 'What happened to a user: written by the database, readable and markable by the recipient only.';
comment on column public.notifications.id is 'Notification id.';
comment on column public.notifications.recipient_id is 'The user notified.';
comment on column public.notifications.actor_id is 'Who caused it (the latest actor for grouped notifications); null for the platform itself.';
comment on column public.notifications.kind is 'What happened.';
comment on column public.notifications.subject_id is 'The post, comment, group or conversation it is about, when any.';
comment on column public.notifications.data is 'Small rendering hints (e.g. a group name or a reason); never private data of another user.';
comment on column public.notifications.actor_count is 'How many events this notification groups (reactions on one post, …).';
comment on column public.notifications.read_at is 'When the recipient marked it read; null while unread.';
comment on column public.notifications.created_at is 'When it was first written.';
comment on column public.notifications.updated_at is 'When it last changed (a grouped event arrived, or it was read).';

-- True when recipient must not hear from actor: oneself, a block either way, a mute by the recipient.
-- plpgsql, as every helper on a hot path: a SQL function with `set search_path` is never inlined and
-- is planned again at every call; plpgsql plans once per connection.
create function private.notification_suppressed(recipient uuid, actor uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  -- One statement (the rules of private.is_blocked_between and private.is_muting): it runs for every
  -- notification written.
  return notification_suppressed.recipient = notification_suppressed.actor
    or exists (
      select from public.blocks bl
      where (bl.blocker_id = notification_suppressed.recipient and bl.blocked_id = notification_suppressed.actor)
         or (bl.blocker_id = notification_suppressed.actor and bl.blocked_id = notification_suppressed.recipient)
    )
    or exists (
      select from public.mutes m
      where m.muter_id = notification_suppressed.recipient and m.muted_id = notification_suppressed.actor
        and (m.expires_at is null or m.expires_at > now())
    );
end
$$;
comment on function private.notification_suppressed(uuid, uuid) is 'True when a notification from actor to recipient must not be written: never to oneself, never across a block (either way), never from a user the recipient mutes.';

-- Can the recipient see what the notification is about, now? Notifications follow visibility: a
-- follower removed from a private profile, a member who left a private group, hears nothing more about
-- posts they can no longer read (issue 14, finding 2). The answer comes from the very predicates the
-- policies use, evaluated as the recipient: the JWT subject is switched to the recipient for the
-- duration of the check and restored (transaction-local settings), so there is one visibility rule.
-- Families whose subject belongs to a later domain call that domain's predicate; PL/pgSQL resolves it
-- at call time (as can_use_realtime_topic does). A new kind with a subject must be listed here.
create function private.notification_subject_visible(
  recipient uuid,
  kind public.notification_kind,
  subject_id uuid,
  data jsonb
)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  saved_sub text := current_setting('request.jwt.claim.sub', true);
  saved_claims text := current_setting('request.jwt.claims', true);
  visible boolean;
begin
  -- No exception block to restore the claims on an error: transaction-local settings made in a
  -- (sub)transaction that aborts are rolled back with it, and a subtransaction per notification costs.
  perform set_config('request.jwt.claim.sub', notification_subject_visible.recipient::text, true);
  perform set_config('request.jwt.claims',
    jsonb_build_object('sub', notification_subject_visible.recipient, 'role', 'authenticated')::text, true);
  visible := case
    -- About a post or something under it: the post (data.post_id) and, for replies and reactions
    -- to comments, that comment (which also honours blocks with its author).
    when notification_subject_visible.kind in ('comment', 'mention') then
      private.can_see_post_id(notification_subject_visible.subject_id)
    when notification_subject_visible.kind = 'reply' then
      private.can_see_comment(notification_subject_visible.subject_id)
    when notification_subject_visible.kind = 'reaction' then
      case when notification_subject_visible.data ->> 'comment_id' is not null
        then private.can_see_comment((notification_subject_visible.data ->> 'comment_id')::uuid)
        else private.can_see_post_id(notification_subject_visible.subject_id) end
    -- About a group: the recipient can see the group (invitees and managers of pending groups do).
    when notification_subject_visible.kind in ('group_join_request', 'group_invite', 'group_join_approved',
                                               'institution_approved', 'institution_rejected') then
      private.can_see_group(notification_subject_visible.subject_id)
    -- About the recipient's own follow or conversation, or written by the platform: nothing to hide.
    else true
  end;
  perform set_config('request.jwt.claim.sub', coalesce(saved_sub, ''), true);
  perform set_config('request.jwt.claims', coalesce(saved_claims, ''), true);
  return coalesce(visible, false);
end
$$;
comment on function private.notification_subject_visible(uuid, public.notification_kind, uuid, jsonb) is 'True when the recipient may see the notification''s subject now (the post, comment or group), judged by the same predicates as the policies, evaluated as the recipient. private.notify writes nothing otherwise.';

create function private.notify(
  recipient uuid,
  actor uuid,
  kind public.notification_kind,
  subject_id uuid default null,
  data jsonb default '{}'::jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  if notify.recipient is null
     or (notify.actor is not null and private.notification_suppressed(notify.recipient, notify.actor))
     or not private.notification_subject_visible(notify.recipient, notify.kind, notify.subject_id, notify.data) then
    return;
  end if;
  if notify.kind in ('reaction', 'comment', 'group_join_request') then
    insert into public.notifications as n (recipient_id, actor_id, kind, subject_id, data)
    values (notify.recipient, notify.actor, notify.kind, notify.subject_id, notify.data)
    on conflict (recipient_id, kind, subject_id)
      where read_at is null and kind in ('reaction', 'comment', 'group_join_request')
    do update set actor_count = n.actor_count + 1, actor_id = excluded.actor_id, data = excluded.data;
  else
    insert into public.notifications (recipient_id, actor_id, kind, subject_id, data)
    values (notify.recipient, notify.actor, notify.kind, notify.subject_id, notify.data);
  end if;
end
$$;
comment on function private.notify(uuid, uuid, public.notification_kind, uuid, jsonb) is 'Writes (or groups) a notification unless it is suppressed (oneself, a block, a mute) or the recipient cannot see its subject (private.notification_subject_visible). Called by triggers and workflows only.';

-- Realtime: every change to a notification is broadcast to its recipient's private topic.
create function private.broadcast_notification()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform realtime.send(
    jsonb_build_object(
      'id', new.id, 'kind', new.kind, 'actor_id', new.actor_id, 'subject_id', new.subject_id,
      'data', new.data, 'actor_count', new.actor_count, 'read_at', new.read_at, 'updated_at', new.updated_at
    ),
    case when tg_op = 'INSERT' then 'notification_created' else 'notification_updated' end,
    'user:' || new.recipient_id::text,
    true
  );
  return null;
end
$$;
comment on function private.broadcast_notification() is 'Trigger: broadcasts a notification to the private topic user:<recipient id>.';

create trigger notifications_broadcast
  after insert or update on public.notifications
  for each row execute function private.broadcast_notification();

-- The social graph: a new follower, a follow request, an accepted request. An unfollowed or
-- cancelled follow takes its stale notification with it; a block removes the blocked user's
-- single-actor notifications from the blocker's list.
create function private.notify_follows()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.notify(
      new.followee_id, new.follower_id,
      case when new.status = 'accepted' then 'follow' else 'follow_request' end::public.notification_kind
    );
  elsif tg_op = 'UPDATE' then
    if old.status = 'pending' and new.status = 'accepted' then
      perform private.notify(new.follower_id, new.followee_id, 'follow_accepted');
    end if;
  else
    delete from public.notifications n
    where n.recipient_id = old.followee_id and n.actor_id = old.follower_id
      and (n.kind = 'follow_request' or (n.kind = 'follow' and n.read_at is null));
  end if;
  return null;
end
$$;
comment on function private.notify_follows() is 'Trigger on follows: notifies the followee of a follow (public profile) or a request (private), the follower of an acceptance; an ended follow removes its follow request notification and its unread follow notification.';

create trigger follows_notify
  after insert or update of status or delete on public.follows
  for each row execute function private.notify_follows();

-- A block takes each side's face out of the other's notifications (issue 14, finding 4): a
-- notification one of them caused alone goes; a grouped one they share with others loses them as
-- its actor: the latest other actor of the same subject takes their place (one fewer counted), and
-- when none is left the notification goes.
create function private.forget_notifications_from_blocked()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  n record;
  replacement uuid;
begin
  delete from public.notifications x
  where ((x.recipient_id = new.blocker_id and x.actor_id = new.blocked_id)
      or (x.recipient_id = new.blocked_id and x.actor_id = new.blocker_id))
    and x.actor_count = 1;
  for n in
    select x.id, x.recipient_id, x.actor_id, x.kind, x.subject_id from public.notifications x
    where ((x.recipient_id = new.blocker_id and x.actor_id = new.blocked_id)
        or (x.recipient_id = new.blocked_id and x.actor_id = new.blocker_id))
    for update
  loop
    replacement := case n.kind
      when 'reaction' then (
        select r.user_id from public.reactions r
        where (r.post_id = n.subject_id or r.comment_id = n.subject_id)
          and r.user_id not in (n.actor_id, n.recipient_id)
          and not private.notification_suppressed(n.recipient_id, r.user_id)
        order by r.created_at desc, r.id desc limit 1)
      when 'comment' then (
        select c.author_id from public.comments c
        where c.post_id = n.subject_id and c.deleted_at is null
          and c.author_id not in (n.actor_id, n.recipient_id)
          and not private.notification_suppressed(n.recipient_id, c.author_id)
        order by c.created_at desc, c.id desc limit 1)
      when 'group_join_request' then (
        select m.user_id from public.group_members m
        where m.group_id = n.subject_id and m.status = 'pending'
          and m.user_id not in (n.actor_id, n.recipient_id)
          and not private.notification_suppressed(n.recipient_id, m.user_id)
        order by m.updated_at desc, m.user_id desc limit 1)
    end;
    if replacement is null then
      delete from public.notifications x where x.id = n.id;
    else
      update public.notifications x
      set actor_id = replacement, actor_count = greatest(x.actor_count - 1, 1)
      where x.id = n.id;
    end if;
  end loop;
  return null;
end
$$;
comment on function private.forget_notifications_from_blocked() is 'Trigger on blocks: removes either side as the actor of the other''s notifications: those one of them caused alone go; grouped ones get the latest other actor of the subject (one fewer counted), or go when there is none.';

create trigger blocks_forget_notifications
  after insert on public.blocks
  for each row execute function private.forget_notifications_from_blocked();

create function public.mark_notifications_read(ids uuid[] default null)
returns integer
language sql
set search_path = ''
as $$
  with marked as (
    update public.notifications n
    set read_at = now()
    where n.recipient_id = (select auth.uid())
      and n.read_at is null
      and (mark_notifications_read.ids is null or n.id = any (mark_notifications_read.ids))
    returning 1
  )
  select count(*)::integer from marked
$$;
comment on function public.mark_notifications_read(uuid[]) is 'Marks the caller''s notifications read: those ids, or all when ids is null. Returns how many changed.';

create function public.unread_notification_count()
returns integer
language sql
stable
set search_path = ''
as $$
  select count(*)::integer from public.notifications n
  where n.recipient_id = (select auth.uid()) and n.read_at is null
$$;
comment on function public.unread_notification_count() is 'How many of the caller''s notifications are unread.';

create function private.prune_notifications(older_than interval default interval '90 days')
returns integer
language sql
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.notifications n where n.created_at < now() - prune_notifications.older_than returning 1
  )
  select count(*)::integer from gone
$$;
comment on function private.prune_notifications(interval) is 'Retention: deletes notifications older than the interval (90 days by default). Run daily by pg_cron.';

grant select, delete on public.notifications to authenticated;
grant update (read_at) on public.notifications to authenticated;
grant select, insert, update, delete on public.notifications to service_role;

grant execute on function private.notification_suppressed(uuid, uuid) to service_role;
grant execute on function private.notify(uuid, uuid, public.notification_kind, uuid, jsonb) to service_role;
grant execute on function private.notification_subject_visible(uuid, public.notification_kind, uuid, jsonb) to service_role;
grant execute on function private.prune_notifications(interval) to service_role;
grant execute on function public.mark_notifications_read(uuid[]) to authenticated;
grant execute on function public.unread_notification_count() to authenticated;
