-- Trust and safety: reports, the moderation log, sanctions (removal, locks, warnings, suspensions,
-- group bans, group suspensions), the moderation queue and appeals (docs/moderation.md).
-- Objects: tables private.moderation_settings, public.reports, public.moderation_log, public.suspensions,
-- public.group_bans, public.appeals; predicates private.can_handle_content(), can_handle_group(),
-- is_group_banned(), refuse_if_suspended(); the log writer and the triggers that call it on every
-- moderated table; RPCs report, moderate, moderation_queue, appeal, decide_appeal;
-- private.moderation_notice and the email outbox private.moderation_emails (claim_moderation_emails,
-- finish_moderation_email) for the moderation edge function's email.
-- Caveats:
--  * The log is written by triggers on the moderated tables (posts, comments, messages, suspensions,
--    group_bans, groups), so every path writes it: the RPCs, the edge function, service_role, and an
--    operator editing rows in Studio with no JWT (actor_role operator:<database role>). moderate()
--    passes its reason and report ids to those triggers through the transaction-local setting
--    moderation.context and reads the row they wrote back from moderation.last_log_id.
--  * Nobody updates or deletes the log, service_role and the table owner included (triggers raise;
--    no write grants at all).
--  * Reports of one target are serialized by a transaction advisory lock on the target, so the
--    distinct-reporter count behind auto-hide is exact under concurrent reports.
--  * The reported person never learns who reported: reports are readable by their reporter and by
--    platform moderators and admins (never about themselves); group admins and everyone else see
--    reports only as counts in moderation_queue; the log and notifications carry no reporter.
--  * Reports are throttled like every other write a spammer would use: the generic 'report' limit
--    (public.rate_limits, sql/79_throttles.sql) counts each new report row; a repeat that updates the
--    open report inserts nothing, so it is never counted and never refused.

-- Kinds, categories and statuses are text with check constraints (their lists are in the constraints
-- and comments below), so that a bad value is 23514 naming the rule and forward migrations stay
-- plain.

-- Settings ------------------------------------------------------------------------------------------

create table private.moderation_settings (
  id boolean not null default true,
  auto_hide_threshold integer not null default 5,
  severe_categories text[] not null default '{self_harm,illegal}',
  updated_at timestamptz not null default now(),
  constraint moderation_settings_pkey primary key (id),
  constraint moderation_settings_one_row check (id),
  constraint moderation_settings_auto_hide_threshold_positive check (auto_hide_threshold >= 1),
  constraint moderation_settings_severe_categories_known check (severe_categories <@ array[
    'spam', 'harassment', 'hate', 'violence', 'sexual_content', 'self_harm', 'impersonation', 'illegal', 'other'
  ])
);
insert into private.moderation_settings default values;
comment on table private.moderation_settings is 'One row, edited by operators: auto_hide_threshold (distinct reporters of a post, comment or message that hide it pending review) and severe_categories (a new item in one of them notifies moderators). The report throttle is the generic one: public.rate_limits, action report.';

create trigger moderation_settings_set_updated_at
  before update on private.moderation_settings
  for each row execute function private.set_updated_at();

-- Reports -------------------------------------------------------------------------------------------

create table public.reports (
  id uuid not null default gen_random_uuid(),
  reporter_id uuid not null,
  target_kind text not null,
  target_id uuid not null,
  target_user_id uuid,
  group_id uuid,
  category text not null,
  details text,
  evidence jsonb,
  status text not null default 'open',
  outcome text,
  log_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  resolved_at timestamptz,
  constraint reports_pkey primary key (id),
  constraint reports_reporter_id_fkey foreign key (reporter_id) references public.profiles (id) on delete cascade,
  constraint reports_target_user_id_fkey foreign key (target_user_id) references public.profiles (id) on delete set null,
  constraint reports_group_id_fkey foreign key (group_id) references public.groups (id) on delete set null,
  constraint reports_target_kind_known check (target_kind in ('post', 'comment', 'message', 'profile', 'group')),
  constraint reports_category_known check (category in (
    'spam', 'harassment', 'hate', 'violence', 'sexual_content', 'self_harm', 'impersonation', 'illegal', 'other'
  )),
  constraint reports_status_known check (status in ('open', 'actioned', 'dismissed')),
  constraint reports_details_length check (details is null or char_length(details) between 1 and 1000),
  constraint reports_resolution check ((status = 'open') = (resolved_at is null) and (status = 'open') = (outcome is null)),
  constraint reports_outcome_length check (outcome is null or char_length(outcome) <= 200)
);
alter table public.reports enable row level security;

-- One open report per reporter and target; the queue groups open reports per target.
create unique index reports_one_open_per_reporter_key on public.reports (reporter_id, target_kind, target_id) where status = 'open';
create index reports_open_target_idx on public.reports (target_kind, target_id, created_at) where status = 'open';
create index reports_open_group_idx on public.reports (group_id, target_kind, target_id) where status = 'open';
create index reports_target_idx on public.reports (target_kind, target_id);
create index reports_reporter_created_idx on public.reports (reporter_id, created_at desc);
create index reports_target_user_id_idx on public.reports (target_user_id);
create index reports_log_id_idx on public.reports (log_id);

create trigger reports_set_updated_at
  before update on public.reports
  for each row execute function private.set_updated_at();

comment on table public.reports is 'Reports of posts, comments, direct messages, profiles and groups. Clients insert one like any row (the reporter is the caller; a repeat while open updates it). The reporter reads their own; platform moderators and admins read the others (never reports about themselves); the reported person never sees who reported.';
comment on column public.reports.id is 'Report id.';
comment on column public.reports.reporter_id is 'Who reported; set to the caller by the database.';
comment on column public.reports.target_kind is 'post | comment | message | profile | group.';
comment on column public.reports.target_id is 'The id of the reported post, comment, message, user or group; it must be visible to the reporter.';
comment on column public.reports.target_user_id is 'Set by the database: the author (sender, user, group creator) of the target.';
comment on column public.reports.group_id is 'Set by the database: the group a reported post or comment lives in, whose owners and admins handle it too.';
comment on column public.reports.category is 'spam | harassment | hate | violence | sexual_content | self_harm | impersonation | illegal | other.';
comment on column public.reports.details is 'Optional words of the reporter, 1–1,000 characters.';
comment on column public.reports.evidence is 'Set by the database for a reported direct message: that message and up to 4 before it in the conversation, frozen at report time ([{id, sender_id, seq, body, created_at}], oldest first).';
comment on column public.reports.status is 'open | actioned | dismissed.';
comment on column public.reports.outcome is 'Once resolved: dismissed, or the actions taken, comma-separated (remove, remove,suspend, …).';
comment on column public.reports.log_id is 'The moderation_log row that resolved it.';
comment on column public.reports.created_at is 'When it was first made.';
comment on column public.reports.updated_at is 'When it last changed (a repeat report updates category and details).';
comment on column public.reports.resolved_at is 'When it was resolved; null while open.';

-- The moderation log --------------------------------------------------------------------------------

create table public.moderation_log (
  id uuid not null default gen_random_uuid(),
  actor_id uuid,
  actor_role text not null,
  action text not null,
  target_kind text not null,
  target_id uuid not null,
  target_user_id uuid,
  group_id uuid,
  reason text,
  until timestamptz,
  report_ids uuid[] not null default '{}',
  before jsonb,
  after jsonb,
  created_at timestamptz not null default now(),
  constraint moderation_log_pkey primary key (id),
  constraint moderation_log_action_check check (action in (
    'remove', 'restore', 'auto_hide', 'lock', 'unlock', 'warn', 'suspend', 'unsuspend', 'group_ban', 'group_unban',
    'suspend_group', 'unsuspend_group', 'dismiss', 'approve_institution', 'reject_institution', 'appeal_granted', 'appeal_denied'
  )),
  constraint moderation_log_target_kind_check check (target_kind in ('post', 'comment', 'message', 'profile', 'group'))
);
alter table public.moderation_log enable row level security;

create index moderation_log_target_idx on public.moderation_log (target_kind, target_id, created_at desc);
create index moderation_log_target_user_idx on public.moderation_log (target_user_id, created_at desc);
create index moderation_log_group_idx on public.moderation_log (group_id, created_at desc);
create index moderation_log_actor_idx on public.moderation_log (actor_id, created_at desc);

comment on table public.moderation_log is 'Append-only record of every moderation action, one row each, written by triggers on the moderated tables whatever the path (RPC, edge function, Studio). Nobody updates or deletes it. Platform moderators and admins read all; group owners and admins their groups''; a sanctioned user the rows about their own sanctions (no reporter is ever named).';
comment on column public.moderation_log.id is 'Log row id (what moderate() returns, what appeal() names).';
comment on column public.moderation_log.actor_id is 'The signed-in user who acted; null for the platform itself (auto-hide) and for operators.';
comment on column public.moderation_log.actor_role is 'user, system (auto-hide), service_role, or operator:<database role> for a session without a JWT (Studio, psql).';
comment on column public.moderation_log.action is 'remove | restore | auto_hide | lock | unlock | warn | suspend | unsuspend | group_ban | group_unban | suspend_group | unsuspend_group | dismiss | approve_institution | reject_institution | appeal_granted | appeal_denied.';
comment on column public.moderation_log.target_kind is 'post | comment | message | profile | group.';
comment on column public.moderation_log.target_id is 'The post, comment, message, user or group acted on.';
comment on column public.moderation_log.target_user_id is 'The user the action is about (author, sender, sanctioned user, group creator).';
comment on column public.moderation_log.group_id is 'The group involved (the group of group content, the group of a ban).';
comment on column public.moderation_log.reason is 'Why, as given by the actor.';
comment on column public.moderation_log.until is 'When a suspension or group ban ends; null when permanent or not applicable.';
comment on column public.moderation_log.report_ids is 'The reports this action resolved.';
comment on column public.moderation_log.before is 'The moderated state before the action, where it matters.';
comment on column public.moderation_log.after is 'The moderated state after the action.';
comment on column public.moderation_log.created_at is 'When it happened.';

-- Sanctions on people -------------------------------------------------------------------------------

create table public.suspensions (
  user_id uuid not null,
  until timestamptz,
  reason text not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint suspensions_pkey primary key (user_id),
  constraint suspensions_user_id_fkey foreign key (user_id) references public.profiles (id) on delete cascade,
  constraint suspensions_created_by_fkey foreign key (created_by) references auth.users (id) on delete set null,
  constraint suspensions_reason_length check (char_length(reason) between 1 and 1000)
);
alter table public.suspensions enable row level security;
create index suspensions_created_by_idx on public.suspensions (created_by);

create trigger suspensions_set_updated_at
  before update on public.suspensions
  for each row execute function private.set_updated_at();

comment on table public.suspensions is 'Suspended users: they sign in and read, every write is refused (PT403) until `until` (null: permanently). Written by moderate(suspend/unsuspend) or an operator; every change is logged. The user reads their own; platform moderators and admins all.';
comment on column public.suspensions.user_id is 'The suspended user.';
comment on column public.suspensions.until is 'When the suspension ends; null for a permanent one. A row past its until no longer counts.';
comment on column public.suspensions.reason is 'Why, told to the user.';
comment on column public.suspensions.created_by is 'The moderator who suspended; null for an operator.';
comment on column public.suspensions.created_at is 'When the suspension began.';
comment on column public.suspensions.updated_at is 'When it last changed.';

create table public.group_bans (
  group_id uuid not null,
  user_id uuid not null,
  until timestamptz,
  reason text not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  constraint group_bans_pkey primary key (group_id, user_id),
  constraint group_bans_group_id_fkey foreign key (group_id) references public.groups (id) on delete cascade,
  constraint group_bans_user_id_fkey foreign key (user_id) references public.profiles (id) on delete cascade,
  constraint group_bans_created_by_fkey foreign key (created_by) references auth.users (id) on delete set null,
  constraint group_bans_reason_length check (char_length(reason) between 1 and 1000)
);
alter table public.group_bans enable row level security;
create index group_bans_user_id_idx on public.group_bans (user_id);
create index group_bans_created_by_idx on public.group_bans (created_by);

comment on table public.group_bans is 'Users banned from a group: their membership is removed and they cannot rejoin, follow or be invited until `until` (null: permanently). Written by moderate(group_ban/group_unban) or an operator; logged. The banned user reads their own; the group''s owners and admins and platform moderators read the group''s.';
comment on column public.group_bans.group_id is 'The group.';
comment on column public.group_bans.user_id is 'The banned user.';
comment on column public.group_bans.until is 'When the ban ends; null for a permanent one.';
comment on column public.group_bans.reason is 'Why, told to the user.';
comment on column public.group_bans.created_by is 'Who banned; null for an operator.';
comment on column public.group_bans.created_at is 'When the ban began.';

-- Appeals -------------------------------------------------------------------------------------------

create table public.appeals (
  id uuid not null default gen_random_uuid(),
  log_id uuid not null,
  user_id uuid not null,
  statement text not null,
  status text not null default 'pending',
  decided_by uuid,
  decision_reason text,
  decision_log_id uuid,
  created_at timestamptz not null default now(),
  decided_at timestamptz,
  constraint appeals_pkey primary key (id),
  constraint appeals_log_id_key unique (log_id),
  constraint appeals_log_id_fkey foreign key (log_id) references public.moderation_log (id),
  constraint appeals_decision_log_id_fkey foreign key (decision_log_id) references public.moderation_log (id),
  constraint appeals_user_id_fkey foreign key (user_id) references public.profiles (id) on delete cascade,
  constraint appeals_decided_by_fkey foreign key (decided_by) references auth.users (id) on delete set null,
  constraint appeals_status_known check (status in ('pending', 'granted', 'denied')),
  constraint appeals_statement_length check (char_length(statement) between 1 and 2000),
  constraint appeals_decision check ((status = 'pending') = (decided_at is null))
);
alter table public.appeals enable row level security;
create index appeals_user_id_idx on public.appeals (user_id, created_at desc);
create index appeals_pending_idx on public.appeals (created_at) where status = 'pending';
create index appeals_decided_by_idx on public.appeals (decided_by);
create index appeals_decision_log_id_idx on public.appeals (decision_log_id);

comment on table public.appeals is 'A sanctioned user''s appeal of one sanction (once per log row), decided by a moderator other than the one who acted. The user reads their own; platform moderators and admins all.';
comment on column public.appeals.id is 'Appeal id.';
comment on column public.appeals.log_id is 'The moderation_log row of the sanction appealed.';
comment on column public.appeals.user_id is 'The sanctioned user who appeals.';
comment on column public.appeals.statement is 'The user''s words, 1–2,000 characters.';
comment on column public.appeals.status is 'pending | granted (the sanction was lifted) | denied.';
comment on column public.appeals.decided_by is 'The moderator who decided.';
comment on column public.appeals.decision_reason is 'Why, told to the user.';
comment on column public.appeals.decision_log_id is 'The log row of the decision.';
comment on column public.appeals.created_at is 'When the user appealed.';
comment on column public.appeals.decided_at is 'When it was decided; null while pending.';

-- Predicates ----------------------------------------------------------------------------------------

create function private.refuse_if_suspended()
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  s record;
begin
  select su.until, su.reason into s from public.suspensions su
  where su.user_id = (select auth.uid()) and (su.until is null or su.until > now());
  if found then
    raise exception 'your account is suspended %',
        case when s.until is null then 'permanently'
          else 'until ' || to_char(s.until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') end
      using errcode = 'PT403',
        detail = json_build_object('suspended_until', s.until, 'reason', s.reason)::text,
        hint = 'A suspended account can sign in and read but not write; appeal with appeal(log_id, statement).';
  end if;
end
$$;
comment on function private.refuse_if_suspended() is 'Raises PT403 `your account is suspended until <UTC time>` (or `permanently`), detail {suspended_until, reason}, when the caller is suspended now. Called by private.current_user_can_act(), so by every write path.';

create function private.is_group_banned(target_group uuid, target_user uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.group_bans b
    where b.group_id = is_group_banned.target_group and b.user_id = is_group_banned.target_user
      and (b.until is null or b.until > now())
  );
end
$$;
comment on function private.is_group_banned(uuid, uuid) is 'True when the user is banned from the group now (a ban past its until no longer counts).';

-- Who handles what: content in a group by its owners and admins and platform moderators and admins;
-- everything else by platform moderators and admins. (Issue 14's private.can_moderate_post is the
-- post author's and group managers' power over comments; this adds the platform's.)
create function private.can_handle_content(target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return private.is_platform_moderator()
    or (can_handle_content.target_group is not null and private.can_manage_group(can_handle_content.target_group));
end
$$;
comment on function private.can_handle_content(uuid) is 'May the caller handle reports and act on content of this group (null: content outside groups): platform moderators and admins always, the group''s owners and admins for its content.';

create function private.handled_group_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query select private.managed_group_ids();
end
$$;
comment on function private.handled_group_ids() is 'The groups whose content the caller handles as an owner or admin (for policies and the queue).';

-- The log writer and the triggers that call it ------------------------------------------------------

create function private.log_moderation(
  action text, target_kind text, target_id uuid, target_user_id uuid, group_id uuid,
  reason text, until timestamptz, before jsonb, after jsonb
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  ctx jsonb := coalesce(nullif(current_setting('moderation.context', true), ''), '{}')::jsonb;
  auto boolean := coalesce((ctx ->> 'auto')::boolean, false);
  logged uuid;
  lifted boolean := log_moderation.action in ('restore', 'unlock', 'unsuspend', 'group_unban', 'unsuspend_group');
begin
  insert into public.moderation_log (
    actor_id, actor_role, action, target_kind, target_id, target_user_id, group_id, reason, until, report_ids, before, after
  )
  values (
    case when auto then null else (select auth.uid()) end,
    case when auto then 'system' else private.actor_label() end,
    log_moderation.action, log_moderation.target_kind, log_moderation.target_id, log_moderation.target_user_id,
    log_moderation.group_id, coalesce(ctx ->> 'reason', log_moderation.reason), log_moderation.until,
    coalesce((select array_agg(r::uuid) from jsonb_array_elements_text(ctx -> 'report_ids') r), '{}'),
    log_moderation.before, log_moderation.after
  )
  returning id into logged;
  perform set_config('moderation.last_log_id', logged::text, true);
  -- The user concerned hears of it (from the platform, never from a person: nothing to suppress).
  if log_moderation.target_user_id is not null and log_moderation.action not in ('dismiss', 'approve_institution', 'reject_institution') then
    perform private.notify(
      log_moderation.target_user_id, null, 'moderation_action', logged,
      jsonb_build_object(
        'log_id', logged, 'action', log_moderation.action, 'target_kind', log_moderation.target_kind,
        'target_id', log_moderation.target_id, 'group_id', log_moderation.group_id,
        'reason', case when lifted then null else coalesce(ctx ->> 'reason', log_moderation.reason) end,
        'until', log_moderation.until
      )
    );
  end if;
  return logged;
end
$$;
comment on function private.log_moderation(text, text, uuid, uuid, uuid, text, timestamptz, jsonb, jsonb) is 'Appends one moderation_log row (actor: the signed-in user, system for auto-hide, or the operator''s role; reason and report ids from moderate()''s moderation.context when set) and notifies the user concerned (moderation_action: action, reason, end). Called by the moderated tables'' triggers.';

-- Posts, comments and messages: removal, restoration, auto-hide, locks.
create function private.log_content_moderation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  kind text := case tg_table_name when 'posts' then 'post' when 'comments' then 'comment' else 'message' end;
  o jsonb := to_jsonb(old);
  n jsonb := to_jsonb(new);
  author uuid := coalesce(n ->> 'author_id', n ->> 'sender_id')::uuid;
  target_group uuid;
  ctx jsonb := coalesce(nullif(current_setting('moderation.context', true), ''), '{}')::jsonb;
begin
  if kind = 'post' then
    target_group := (n ->> 'group_id')::uuid;
  elsif kind = 'comment' then
    select p.group_id into target_group from public.posts p where p.id = (n ->> 'post_id')::uuid;
  end if;
  if (o ->> 'removed_at') is distinct from (n ->> 'removed_at') or (o ->> 'removed_reason') is distinct from (n ->> 'removed_reason') then
    perform private.log_moderation(
      case
        when n ->> 'removed_at' is null then 'restore'
        when coalesce((ctx ->> 'auto')::boolean, false) then 'auto_hide'
        else 'remove'
      end,
      kind, (n ->> 'id')::uuid, author, target_group, n ->> 'removed_reason', null,
      jsonb_build_object('removed_at', o -> 'removed_at', 'removed_reason', o -> 'removed_reason'),
      jsonb_build_object('removed_at', n -> 'removed_at', 'removed_reason', n -> 'removed_reason')
    );
  end if;
  if kind = 'post' and (o ->> 'locked_at') is distinct from (n ->> 'locked_at') then
    perform private.log_moderation(
      case when n ->> 'locked_at' is null then 'unlock' else 'lock' end,
      kind, (n ->> 'id')::uuid, author, target_group, null, null,
      jsonb_build_object('locked_at', o -> 'locked_at'), jsonb_build_object('locked_at', n -> 'locked_at')
    );
  end if;
  return null;
end
$$;
comment on function private.log_content_moderation() is 'Trigger after removed_at, removed_reason or locked_at of a post, comment or message changes, by any path: logs remove, auto_hide, restore, lock or unlock.';

create trigger posts_log_moderation
  after update of removed_at, removed_reason, locked_at on public.posts
  for each row
  when (old.removed_at is distinct from new.removed_at or old.removed_reason is distinct from new.removed_reason
    or old.locked_at is distinct from new.locked_at)
  execute function private.log_content_moderation();

create trigger comments_log_moderation
  after update of removed_at, removed_reason on public.comments
  for each row
  when (old.removed_at is distinct from new.removed_at or old.removed_reason is distinct from new.removed_reason)
  execute function private.log_content_moderation();

create trigger messages_log_moderation
  after update of removed_at, removed_reason on public.messages
  for each row
  when (old.removed_at is distinct from new.removed_at or old.removed_reason is distinct from new.removed_reason)
  execute function private.log_content_moderation();

-- Counts: removed content is uncounted at once and counted again when restored.
create function private.count_removed_content()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  delta integer := case when new.removed_at is null then 1 else -1 end;
begin
  if tg_table_name = 'posts' then
    perform private.add_to_counter('public.profiles', 'posts_count', array[new.author_id], delta);
  elsif tg_table_name = 'comments' and new.deleted_at is null then
    perform private.add_to_counter('public.posts', 'comment_count', array[new.post_id], delta);
  end if;
  return null;
end
$$;
comment on function private.count_removed_content() is 'Trigger: a post removed or restored leaves or re-enters its author''s posts_count; a live comment its post''s comment_count.';

create trigger posts_count_removed
  after update of removed_at on public.posts
  for each row when ((old.removed_at is null) <> (new.removed_at is null))
  execute function private.count_removed_content();

create trigger comments_count_removed
  after update of removed_at on public.comments
  for each row when ((old.removed_at is null) <> (new.removed_at is null))
  execute function private.count_removed_content();

-- Realtime: a removed message leaves both participants' screens at once (no body, no reason).
create function private.broadcast_message_moderation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.removed_at is not null then
    perform realtime.send(
      jsonb_build_object('id', new.id, 'conversation_id', new.conversation_id, 'seq', new.seq, 'removed_at', new.removed_at),
      'message_removed', 'dm:' || new.conversation_id::text, true);
  else
    perform realtime.send(
      jsonb_build_object('id', new.id, 'conversation_id', new.conversation_id, 'sender_id', new.sender_id, 'seq', new.seq,
        'body', new.body, 'created_at', new.created_at, 'edited_at', new.edited_at, 'deleted_at', new.deleted_at),
      'message_restored', 'dm:' || new.conversation_id::text, true);
  end if;
  return null;
end
$$;
comment on function private.broadcast_message_moderation() is 'Trigger: broadcasts message_removed (id and seq only) or message_restored (the message) on dm:<conversation id>.';

create trigger messages_broadcast_moderation
  after update of removed_at on public.messages
  for each row when ((old.removed_at is null) <> (new.removed_at is null))
  execute function private.broadcast_message_moderation();

-- Suspensions and group bans.
create function private.log_sanction_row()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  r record;
  is_ban boolean := tg_table_name = 'group_bans';
begin
  if tg_op = 'DELETE' then
    r := old;
  else
    r := new;
  end if;
  perform private.log_moderation(
    case
      when tg_op = 'DELETE' then case when is_ban then 'group_unban' else 'unsuspend' end
      else case when is_ban then 'group_ban' else 'suspend' end
    end,
    'profile', r.user_id, r.user_id,
    case when is_ban then (to_jsonb(r) ->> 'group_id')::uuid end,
    case when tg_op = 'DELETE' then null else r.reason end,
    case when tg_op = 'DELETE' then null else r.until end,
    case when tg_op = 'INSERT' then null else jsonb_build_object('until', old.until, 'reason', old.reason) end,
    case when tg_op = 'DELETE' then null else jsonb_build_object('until', new.until, 'reason', new.reason) end
  );
  return null;
end
$$;
comment on function private.log_sanction_row() is 'Trigger after a suspension or group ban is written or deleted, by any path: logs suspend/unsuspend or group_ban/group_unban and notifies the user.';

create trigger suspensions_log
  after insert or update or delete on public.suspensions
  for each row execute function private.log_sanction_row();

create trigger group_bans_log
  after insert or update or delete on public.group_bans
  for each row execute function private.log_sanction_row();

create function private.group_bans_before_write()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (
    select from public.group_members m
    where m.group_id = new.group_id and m.user_id = new.user_id and m.role = 'owner'
  ) then
    raise exception 'the owner of a group cannot be banned from it' using errcode = 'PT409',
      hint = 'Suspend the group or the user instead.';
  end if;
  if new.until is not null and new.until <= now() then
    raise exception 'until must be in the future' using errcode = '22023';
  end if;
  return new;
end
$$;
comment on function private.group_bans_before_write() is 'Trigger: a group''s owner cannot be banned from it; until lies in the future.';

create trigger group_bans_before_write
  before insert or update on public.group_bans
  for each row execute function private.group_bans_before_write();

create function private.group_bans_apply()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.group_members m where m.group_id = new.group_id and m.user_id = new.user_id;
  delete from public.group_follows f where f.group_id = new.group_id and f.user_id = new.user_id;
  return null;
end
$$;
comment on function private.group_bans_apply() is 'Trigger after a ban: the user''s membership (active, pending or invited) and follow of the group go.';

create trigger group_bans_apply
  after insert or update on public.group_bans
  for each row execute function private.group_bans_apply();

create function private.refuse_banned_member()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if private.is_group_banned(new.group_id, new.user_id) then
    if tg_table_name = 'group_members' and to_jsonb(new) ->> 'status' = 'invited' then
      raise exception 'this user is banned from this group' using errcode = '42501';
    end if;
    raise exception 'you are banned from this group' using errcode = '42501',
      hint = 'A group''s owners and admins or a platform moderator can lift the ban.';
  end if;
  return new;
end
$$;
comment on function private.refuse_banned_member() is 'Trigger before a membership or group follow is written: a banned user cannot join, be invited or follow (42501).';

create trigger group_members_refuse_banned
  before insert or update of status, invite_expires_at on public.group_members
  for each row execute function private.refuse_banned_member();

create trigger group_follows_refuse_banned
  before insert on public.group_follows
  for each row execute function private.refuse_banned_member();

-- Groups: suspension (and the institution decisions, whose audit row is sql/42_institutions.sql's).
create function private.log_group_moderation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.log_moderation(
    case
      when old.status = 'pending' and new.status = 'active' then 'approve_institution'
      when old.status = 'pending' and new.status = 'rejected' then 'reject_institution'
      when new.status = 'suspended' then 'suspend_group'
      else 'unsuspend_group'
    end,
    'group', new.id, new.created_by, new.id, new.rejection_reason, null,
    jsonb_build_object('status', old.status, 'verified', old.verified),
    jsonb_build_object('status', new.status, 'verified', new.verified)
  );
  return null;
end
$$;
comment on function private.log_group_moderation() is 'Trigger after a group''s status changes by a moderation decision (suspended, lifted, an institution approved or rejected), by any path: logs it.';

create trigger groups_log_moderation
  after update on public.groups
  for each row
  when (
    (old.status = 'pending' and new.status in ('active', 'rejected'))
    or (old.status <> 'suspended' and new.status = 'suspended')
    or (old.status = 'suspended' and new.status <> 'suspended')
  )
  execute function private.log_group_moderation();

-- The log is append-only: for every role, the owner and service_role included.
create function private.refuse_log_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'the moderation log is append-only' using errcode = '42501',
    hint = 'Rows are never changed or deleted; a later action is a new row.';
end
$$;
comment on function private.refuse_log_change() is 'Trigger: refuses every update, delete and truncate of moderation_log.';

create trigger moderation_log_append_only
  before update or delete on public.moderation_log
  for each row execute function private.refuse_log_change();

create trigger moderation_log_no_truncate
  before truncate on public.moderation_log
  for each statement execute function private.refuse_log_change();

-- Resolving reports --------------------------------------------------------------------------------

create function private.resolve_reports(target_kind text, target_id uuid, outcome text, log_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.reports r
  set status = case when resolve_reports.outcome = 'dismissed' then 'dismissed' else 'actioned' end,
      outcome = resolve_reports.outcome, resolved_at = now(), log_id = resolve_reports.log_id
  where r.target_kind = resolve_reports.target_kind and r.target_id = resolve_reports.target_id and r.status = 'open';
end
$$;
comment on function private.resolve_reports(text, uuid, text, uuid) is 'Resolves every open report of a target together, with the outcome and the log row.';

create function private.notify_report_resolved()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- The outcome only: never the sanction details of another person, never the moderator.
  perform private.notify(new.reporter_id, null, 'report_resolved', new.id,
    jsonb_build_object('report_id', new.id, 'target_kind', new.target_kind, 'status', new.status,
      'outcome', case when new.status = 'dismissed' then 'dismissed' else 'actioned' end));
  return null;
end
$$;
comment on function private.notify_report_resolved() is 'Trigger: a resolved report tells its reporter the outcome (actioned or dismissed), nothing more.';

create trigger reports_notify_resolved
  after update of status on public.reports
  for each row when (old.status = 'open' and new.status <> 'open')
  execute function private.notify_report_resolved();

-- Reporting -----------------------------------------------------------------------------------------

create function private.reports_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  t record;
  existing uuid;
begin
  new.reporter_id := coalesce(new.reporter_id, me);
  if me is not null then
    perform private.require_can_act();
    if new.reporter_id is distinct from me then
      raise exception 'you can only report as yourself' using errcode = '42501';
    end if;
  end if;
  if new.target_kind is null or new.target_kind not in ('post', 'comment', 'message', 'profile', 'group') then
    raise exception 'target_kind must be one of post, comment, message, profile, group' using errcode = '22023';
  end if;
  if new.category is null or new.category not in (
      'spam', 'harassment', 'hate', 'violence', 'sexual_content', 'self_harm', 'impersonation', 'illegal', 'other') then
    raise exception 'category must be one of spam, harassment, hate, violence, sexual_content, self_harm, impersonation, illegal, other'
      using errcode = '22023';
  end if;
  if new.target_id is null then
    raise exception 'target_id is required' using errcode = '22023';
  end if;
  new.details := nullif(btrim(new.details), '');
  if char_length(new.details) > 1000 then
    raise exception 'details must be at most 1000 characters' using errcode = '22023';
  end if;
  -- Reports of one target one at a time: the distinct-reporter count (auto-hide) stays exact.
  perform pg_advisory_xact_lock(hashtextextended('report:' || new.target_id::text, 0));

  -- Only what the reporter can see can be reported; anything else reads as missing.
  if new.target_kind = 'post' then
    select p.author_id as user_id, p.group_id into t from public.posts p
    where p.id = new.target_id and p.removed_at is null and (me is null or private.can_see_post(p.author_id, p.group_id));
  elsif new.target_kind = 'comment' then
    select c.author_id as user_id, p.group_id into t from public.comments c join public.posts p on p.id = c.post_id
    where c.id = new.target_id and c.deleted_at is null and c.removed_at is null
      and (me is null or private.can_see_comment(c.id));
  elsif new.target_kind = 'message' then
    select m.sender_id as user_id, null::uuid as group_id into t from public.messages m
    where m.id = new.target_id and m.deleted_at is null and m.removed_at is null
      and (me is null or (m.sender_id <> me and m.conversation_id in (select private.my_conversation_ids())));
  elsif new.target_kind = 'profile' then
    select p.id as user_id, null::uuid as group_id into t from public.profiles p
    where p.id = new.target_id and (me is null or p.id not in (select private.users_blocking_me()));
  else
    select g.created_by as user_id, g.id as group_id into t from public.groups g
    where g.id = new.target_id and (me is null or private.can_see_group(g.id));
  end if;
  if not found then
    raise exception '% not found', case new.target_kind when 'profile' then 'user' else new.target_kind::text end
      using errcode = 'PT404';
  end if;
  if t.user_id = new.reporter_id and new.target_kind <> 'group' then
    raise exception 'you cannot report yourself' using errcode = '22023';
  end if;

  select r.id into existing from public.reports r
  where r.reporter_id = new.reporter_id and r.target_kind = new.target_kind and r.target_id = new.target_id
    and r.status = 'open';
  if found then
    -- A repeat while open updates the report (no error, no second row).
    update public.reports r set category = new.category, details = coalesce(new.details, r.details)
    where r.id = existing;
    perform set_config('moderation.report_id', existing::text, true);
    return null;
  end if;

  new.target_user_id := t.user_id;
  new.group_id := case when new.target_kind in ('post', 'comment') then t.group_id end;
  new.status := 'open';
  new.outcome := null;
  new.resolved_at := null;
  new.log_id := null;
  new.created_at := now();
  if new.target_kind = 'message' then
    -- The evidence: this message and up to four before it, frozen now, readable by handlers without
    -- opening the conversation.
    select jsonb_agg(jsonb_build_object('id', e.id, 'sender_id', e.sender_id, 'seq', e.seq, 'body', e.body,
        'created_at', e.created_at) order by e.seq)
    into new.evidence
    from (
      select m.id, m.sender_id, m.seq, m.body, m.created_at
      from public.messages m
      join public.messages target on target.id = new.target_id
      where m.conversation_id = target.conversation_id and m.seq <= target.seq and m.seq > target.seq - 5
    ) e;
  else
    new.evidence := null;
  end if;
  return new;
end
$$;
comment on function private.reports_before_insert() is 'Trigger: the reporter is the confirmed caller; the target exists and is visible to them (else PT404); one open report per reporter and target (a repeat updates it and inserts nothing, so the throttle, an after-insert trigger in sql/79_throttles.sql, never counts it); the database sets target_user_id, group_id and, for a message, the evidence.';

create trigger reports_before_insert
  before insert on public.reports
  for each row execute function private.reports_before_insert();

create function private.reports_after_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  settings private.moderation_settings;
  reporters integer;
  moderator uuid;
begin
  perform set_config('moderation.report_id', new.id::text, true);
  select * into settings from private.moderation_settings;
  -- Auto-hide: the count is exact, reports of this target being serialized by the advisory lock.
  if new.target_kind in ('post', 'comment', 'message') then
    select count(distinct r.reporter_id) into reporters from public.reports r
    where r.target_kind = new.target_kind and r.target_id = new.target_id and r.status = 'open';
    if reporters >= settings.auto_hide_threshold then
      perform set_config('moderation.context', jsonb_build_object('auto', true, 'reason', 'under review')::text, true);
      if new.target_kind = 'post' then
        update public.posts p set removed_at = now(), removed_reason = 'under review' where p.id = new.target_id and p.removed_at is null;
      elsif new.target_kind = 'comment' then
        update public.comments c set removed_at = now(), removed_reason = 'under review' where c.id = new.target_id and c.removed_at is null;
      else
        update public.messages m set removed_at = now(), removed_reason = 'under review' where m.id = new.target_id and m.removed_at is null;
      end if;
      perform set_config('moderation.context', '', true);
    end if;
  end if;
  -- A severe item entering the queue: platform moderators hear of it, one grouped notification each.
  if new.category = any (settings.severe_categories)
     and not exists (
       select from public.reports r
       where r.target_kind = new.target_kind and r.target_id = new.target_id and r.status = 'open'
         and r.id <> new.id and r.category = any (settings.severe_categories)
     ) then
    for moderator in
      select distinct ur.user_id from public.user_roles ur
      where ur.role in ('moderator', 'admin') and ur.user_id is distinct from new.target_user_id
    loop
      perform private.notify_moderator(moderator, new.category);
    end loop;
  end if;
  return null;
end
$$;
comment on function private.reports_after_insert() is 'Trigger after a new report: auto-hides a post, comment or message once its distinct open reporters reach moderation_settings.auto_hide_threshold (logged as auto_hide); notifies platform moderators when a target enters the queue in a severe category.';

create trigger reports_after_insert
  after insert on public.reports
  for each row execute function private.reports_after_insert();

create function private.notify_moderator(moderator uuid, category text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- One unread moderation_queue notification per moderator, counting the severe items since it was read.
  perform pg_advisory_xact_lock(hashtextextended('moderation_queue:' || notify_moderator.moderator::text, 0));
  update public.notifications n
  set actor_count = n.actor_count + 1,
      data = jsonb_build_object('items', n.actor_count + 1, 'latest_category', notify_moderator.category)
  where n.recipient_id = notify_moderator.moderator and n.kind = 'moderation_queue' and n.read_at is null;
  if not found then
    perform private.notify(notify_moderator.moderator, null, 'moderation_queue', null,
      jsonb_build_object('items', 1, 'latest_category', notify_moderator.category));
  end if;
end
$$;
comment on function private.notify_moderator(uuid, text) is 'Adds a severe item to the moderator''s one unread moderation_queue notification (data {items, latest_category}), or writes it. No reporter, no target.';

create function public.report(
  target_kind text,
  target_id uuid,
  category text,
  details text default null
)
returns uuid
language plpgsql
security invoker
set search_path = ''
as $$
begin
  perform set_config('moderation.report_id', '', true);
  insert into public.reports (target_kind, target_id, category, details)
  values (report.target_kind, report.target_id, report.category, report.details);
  return nullif(current_setting('moderation.report_id', true), '')::uuid;
end
$$;
comment on function public.report(text, uuid, text, text) is 'Reports a post, comment, message, profile or group the caller can see, and returns the report id (the same id when the caller repeats an open report: it is updated). Same rules as inserting into reports. Errors: PT404 not visible, 22023 oneself or details over 1,000 characters, PGRST/PT429 (HTTP 429) past the report rate limit.';

-- Acting ---------------------------------------------------------------------------------------------

create function private.moderate(
  action text, target_kind text, target_id uuid, reason text,
  until timestamptz default null, report_ids uuid[] default null, group_id uuid default null
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  operator boolean := private.is_operator();
  me uuid;
  clean_reason text := nullif(btrim(moderate.reason), '');
  act text := moderate.action;
  kind text := moderate.target_kind;
  t_user uuid;
  t_group uuid;
  t_removed text;
  t_locked timestamptz;
  rows integer;
  logged uuid;
  rep record;
begin
  if not operator then
    me := private.require_can_act();
  end if;
  if act is null or act not in ('remove', 'restore', 'lock', 'unlock', 'warn', 'suspend', 'unsuspend',
      'group_ban', 'group_unban', 'suspend_group', 'unsuspend_group', 'dismiss') then
    raise exception 'action must be one of remove, restore, lock, unlock, warn, suspend, unsuspend, group_ban, group_unban, suspend_group, unsuspend_group, dismiss'
      using errcode = '22023';
  end if;
  if kind is null or kind not in ('post', 'comment', 'message', 'profile', 'group') then
    raise exception 'target_kind must be one of post, comment, message, profile, group' using errcode = '22023';
  end if;
  if (act in ('remove', 'restore') and kind not in ('post', 'comment', 'message'))
     or (act in ('lock', 'unlock') and kind <> 'post')
     or (act in ('warn', 'suspend', 'unsuspend', 'group_ban', 'group_unban') and kind <> 'profile')
     or (act in ('suspend_group', 'unsuspend_group') and kind <> 'group') then
    raise exception '% does not apply to a %', act, kind using errcode = '22023',
      hint = 'remove/restore: post, comment, message; lock/unlock: post; warn, suspend, unsuspend, group_ban, group_unban: profile; suspend_group, unsuspend_group: group; dismiss: any.';
  end if;
  if clean_reason is null and act in ('remove', 'lock', 'warn', 'suspend', 'group_ban', 'suspend_group') then
    raise exception 'reason is required to %', act using errcode = '22023', hint = 'The user is told why.';
  end if;
  if char_length(clean_reason) > 1000 then
    raise exception 'reason must be at most 1000 characters' using errcode = '22023';
  end if;
  if moderate.until is not null and act not in ('suspend', 'group_ban') then
    raise exception 'until applies only to suspend and group_ban' using errcode = '22023';
  end if;
  if moderate.until is not null and moderate.until <= now() then
    raise exception 'until must be in the future' using errcode = '22023';
  end if;
  if act in ('group_ban', 'group_unban') and moderate.group_id is null then
    raise exception 'group_id is required to %', act using errcode = '22023';
  end if;

  -- The target, locked, and who it is about. Targets the caller cannot handle read as forbidden.
  if kind = 'post' then
    select p.author_id, p.group_id, p.removed_reason, p.locked_at into t_user, t_group, t_removed, t_locked
    from public.posts p where p.id = moderate.target_id for no key update;
  elsif kind = 'comment' then
    select c.author_id, p.group_id, c.removed_reason into t_user, t_group, t_removed
    from public.comments c join public.posts p on p.id = c.post_id where c.id = moderate.target_id for no key update of c;
  elsif kind = 'message' then
    select m.sender_id, null::uuid, m.removed_reason into t_user, t_group, t_removed
    from public.messages m where m.id = moderate.target_id for no key update;
  elsif kind = 'profile' then
    select p.id, moderate.group_id into t_user, t_group from public.profiles p where p.id = moderate.target_id;
  else
    select g.created_by, g.id into t_user, t_group from public.groups g where g.id = moderate.target_id for no key update;
  end if;
  if not found then
    raise exception '% not found', case kind when 'profile' then 'user' else kind end using errcode = 'PT404';
  end if;
  if act in ('group_ban', 'group_unban') and not exists (select from public.groups g where g.id = moderate.group_id) then
    raise exception 'group not found' using errcode = 'PT404';
  end if;

  if not operator then
    if t_group is not null and (kind in ('post', 'comment') or act in ('group_ban', 'group_unban')) then
      if not private.can_handle_content(t_group) then
        raise exception 'only the group''s owners and admins and platform moderators can % this', act using errcode = '42501';
      end if;
    elsif not private.is_platform_moderator() then
      raise exception 'only platform moderators and admins can % this', act using errcode = '42501';
    end if;
    if t_user = me then
      raise exception 'you cannot moderate yourself or your own content' using errcode = '42501',
        hint = 'Another moderator must do it.';
    end if;
    if act in ('suspend', 'unsuspend', 'warn')
       and exists (select from public.user_roles ur where ur.user_id = t_user and ur.role in ('moderator', 'admin'))
       and not private.has_role('admin') then
      raise exception 'only platform admins can % a moderator or admin', act using errcode = '42501';
    end if;
    if act in ('group_ban', 'group_unban') and not private.is_platform_moderator()
       and exists (select from public.group_members m where m.group_id = moderate.group_id and m.user_id = t_user and m.role = 'admin')
       and not exists (select from public.group_members m where m.group_id = moderate.group_id and m.user_id = me and m.role = 'owner') then
      raise exception 'only the group''s owner can % one of its admins', act using errcode = '42501';
    end if;
  end if;

  -- The linked reports must be open reports the caller may handle (or resolved earlier in this same
  -- transaction: the moderation edge function resolves reports with several actions at once).
  if moderate.report_ids is not null then
    for rep in
      select r.id, r.status, r.target_kind, r.group_id, r.target_user_id, r.resolved_at
      from public.reports r where r.id = any (moderate.report_ids)
    loop
      if not operator and (not private.can_handle_content(case when rep.target_kind in ('post', 'comment') then rep.group_id end)
          or rep.target_user_id = me) then
        raise exception 'report not found' using errcode = 'PT404';
      end if;
      if rep.status <> 'open' and rep.resolved_at <> now() then
        raise exception 'report % is already resolved', rep.id using errcode = 'PT409';
      end if;
    end loop;
    if (select count(*) from public.reports r where r.id = any (moderate.report_ids))
       <> cardinality(array(select distinct unnest(moderate.report_ids))) then
      raise exception 'report not found' using errcode = 'PT404';
    end if;
  end if;

  perform set_config('moderation.context',
    jsonb_build_object('reason', clean_reason, 'report_ids', coalesce(to_jsonb(moderate.report_ids), '[]'::jsonb))::text, true);
  perform set_config('moderation.last_log_id', '', true);

  if act = 'remove' then
    if t_removed is not null and t_removed <> 'under review' then
      raise exception 'this % is already removed', kind using errcode = 'PT409';
    end if;
    if kind = 'post' then
      update public.posts p set removed_at = coalesce(p.removed_at, now()), removed_reason = clean_reason where p.id = moderate.target_id;
    elsif kind = 'comment' then
      update public.comments c set removed_at = coalesce(c.removed_at, now()), removed_reason = clean_reason where c.id = moderate.target_id;
    else
      update public.messages m set removed_at = coalesce(m.removed_at, now()), removed_reason = clean_reason where m.id = moderate.target_id;
    end if;
  elsif act = 'restore' or (act = 'dismiss' and t_removed = 'under review') then
    if t_removed is null then
      raise exception 'this % is not removed', kind using errcode = 'PT409';
    end if;
    if kind = 'post' then
      update public.posts p set removed_at = null, removed_reason = null where p.id = moderate.target_id;
    elsif kind = 'comment' then
      update public.comments c set removed_at = null, removed_reason = null where c.id = moderate.target_id;
    else
      update public.messages m set removed_at = null, removed_reason = null where m.id = moderate.target_id;
    end if;
  elsif act = 'lock' then
    if t_locked is not null then
      raise exception 'this post is already locked' using errcode = 'PT409';
    end if;
    update public.posts p set locked_at = now() where p.id = moderate.target_id;
  elsif act = 'unlock' then
    if t_locked is null then
      raise exception 'this post is not locked' using errcode = 'PT409';
    end if;
    update public.posts p set locked_at = null where p.id = moderate.target_id;
  elsif act = 'warn' then
    perform private.log_moderation('warn', 'profile', t_user, t_user, null, clean_reason, null, null, null);
  elsif act = 'suspend' then
    insert into public.suspensions as s (user_id, until, reason, created_by)
    values (t_user, moderate.until, clean_reason, me)
    on conflict on constraint suspensions_pkey do update
      set until = excluded.until, reason = excluded.reason, created_by = excluded.created_by, created_at = now();
  elsif act = 'unsuspend' then
    delete from public.suspensions s where s.user_id = t_user and (s.until is null or s.until > now());
    get diagnostics rows = row_count;
    if rows = 0 then
      raise exception 'this user is not suspended' using errcode = 'PT409';
    end if;
  elsif act = 'group_ban' then
    insert into public.group_bans as b (group_id, user_id, until, reason, created_by)
    values (moderate.group_id, t_user, moderate.until, clean_reason, me)
    on conflict on constraint group_bans_pkey do update
      set until = excluded.until, reason = excluded.reason, created_by = excluded.created_by, created_at = now();
  elsif act = 'group_unban' then
    delete from public.group_bans b
    where b.group_id = moderate.group_id and b.user_id = t_user and (b.until is null or b.until > now());
    get diagnostics rows = row_count;
    if rows = 0 then
      raise exception 'this user is not banned from this group' using errcode = 'PT409';
    end if;
  elsif act = 'suspend_group' then
    update public.groups g set status = 'suspended' where g.id = moderate.target_id and g.status = 'active';
    get diagnostics rows = row_count;
    if rows = 0 then
      raise exception 'only an active group can be suspended' using errcode = 'PT409';
    end if;
  elsif act = 'unsuspend_group' then
    update public.groups g set status = 'active' where g.id = moderate.target_id and g.status = 'suspended';
    get diagnostics rows = row_count;
    if rows = 0 then
      raise exception 'this group is not suspended' using errcode = 'PT409';
    end if;
  end if;
  if act = 'dismiss' then
    if not exists (
      select from public.reports r
      where r.target_kind::text = kind and r.target_id = moderate.target_id and r.status = 'open'
    ) then
      raise exception 'there is no open report about this %', kind using errcode = 'PT409';
    end if;
    perform private.log_moderation('dismiss', kind, moderate.target_id, t_user, t_group, clean_reason, null, null, null);
  end if;

  logged := nullif(current_setting('moderation.last_log_id', true), '')::uuid;
  -- Resolve: every open report of this target, and of the targets of the linked reports.
  if act not in ('restore', 'unlock', 'unsuspend', 'group_unban', 'unsuspend_group') then
    perform private.resolve_reports(kind::text, moderate.target_id,
      case when act = 'dismiss' then 'dismissed' else act end, logged);
  end if;
  if moderate.report_ids is not null then
    for rep in
      select distinct r.target_kind, r.target_id from public.reports r
      where r.id = any (moderate.report_ids) and r.status = 'open'
    loop
      perform private.resolve_reports(rep.target_kind, rep.target_id, case when act = 'dismiss' then 'dismissed' else act end, logged);
    end loop;
    -- Reports resolved by an earlier action of this transaction record this one too.
    update public.reports r set outcome = r.outcome || ',' || act
    where r.id = any (moderate.report_ids) and r.status = 'actioned' and r.resolved_at = now()
      and r.log_id is distinct from logged and act <> 'dismiss'
      and not (act = any (string_to_array(r.outcome, ',')));
  end if;
  perform set_config('moderation.context', '', true);
  return logged;
end
$$;
comment on function private.moderate(text, text, uuid, text, timestamptz, uuid[], uuid) is 'One moderation action (see public.moderate): checks input, target and the caller''s power, changes the moderated row (whose trigger logs it), resolves the reports, returns the log row.';

create function public.moderate(
  action text, target_kind text, target_id uuid, reason text,
  until timestamptz default null, report_ids uuid[] default null, group_id uuid default null
)
returns uuid
language sql
set search_path = ''
as $$
  select private.moderate(moderate.action, moderate.target_kind, moderate.target_id, moderate.reason,
    moderate.until, moderate.report_ids, moderate.group_id)
$$;
comment on function public.moderate(text, text, uuid, text, timestamptz, uuid[], uuid) is 'Takes one moderation action and returns its moderation_log row id. Actions: remove/restore (post, comment, message), lock/unlock (post), warn, suspend (until: null = permanent), unsuspend, group_ban (with group_id; until optional), group_unban (profile), suspend_group/unsuspend_group (group), dismiss (any). Group content and group bans: the group''s owners and admins and platform moderators/admins; everything else: platform moderators/admins. Sanctions resolve every open report of the target (and of report_ids'' targets); reporters hear the outcome, the user the action, reason and end. Errors: 22023 bad input, 42501 not allowed, PT404 target or report not found, PT409 illegal in the current state.';

-- The queue -----------------------------------------------------------------------------------------

create type public.moderation_queue_item as (
  target_kind text,
  target_id uuid,
  group_id uuid,
  target_user_id uuid,
  reporter_count integer,
  report_count integer,
  first_reported_at timestamptz,
  last_reported_at timestamptz,
  category_counts jsonb,
  report_ids uuid[],
  target_state jsonb,
  target_preview jsonb,
  cursor text
);
comment on type public.moderation_queue_item is 'A row of moderation_queue: one reported target, its open reports (distinct reporters, reports, first and last, counts per category, ids), its current state (removed, locked, status, suspended…), a preview (post title and content, comment body, the frozen evidence of a message, profile card, group card), and the cursor of the next page. Never a reporter.';

create function private.encode_queue_cursor(reporters integer, at timestamptz, id uuid)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  return replace(replace(rtrim(replace(encode(convert_to(encode_queue_cursor.reporters::text || ':'
    || ((extract(epoch from encode_queue_cursor.at) * 1000000)::bigint)::text || ':' || encode_queue_cursor.id::text, 'UTF8'), 'base64'), E'\n', ''), '='),
    '+', '-'), '/', '_');
end
$$;
comment on function private.encode_queue_cursor(integer, timestamptz, uuid) is 'The queue''s opaque cursor: base64url of <reporters>:<microseconds of the first report>:<target id> (the queue sorts by three keys, not the house''s two).';

create function private.decode_queue_cursor(cursor text, out reporters integer, out at timestamptz, out id uuid)
language plpgsql
immutable
set search_path = ''
as $$
declare
  raw text;
  parts text[];
begin
  if decode_queue_cursor.cursor is null then
    reporters := 2147483647;
    at := '-infinity';
    id := '00000000-0000-0000-0000-000000000000';
    return;
  end if;
  begin
    raw := convert_from(decode(rpad(translate(decode_queue_cursor.cursor, '-_', '+/'),
      (ceil(char_length(decode_queue_cursor.cursor) / 4.0) * 4)::integer, '='), 'base64'), 'UTF8');
    parts := string_to_array(raw, ':');
    if cardinality(parts) <> 3 or parts[1] !~ '^[0-9]{1,9}$' or parts[2] !~ '^-?[0-9]{1,18}$' then
      raise exception 'bad';
    end if;
    reporters := parts[1]::integer;
    at := to_timestamp(parts[2]::numeric / 1000000);
    id := parts[3]::uuid;
  exception when others then
    raise exception 'cursor is not valid' using errcode = '22023',
      hint = 'Pass the cursor of the last row of the previous page, unchanged.';
  end;
end
$$;
comment on function private.decode_queue_cursor(text) is 'Reads a queue cursor back; null is the first page; anything else raises 22023 `cursor is not valid`.';

create function private.moderation_queue(
  cursor text, page_size integer, target_kind text, category text, group_id uuid
)
returns setof public.moderation_queue_item
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  platform boolean := private.is_platform_moderator();
  n integer := private.check_page_size(moderation_queue.page_size);
  c record;
begin
  if me is null and not private.is_operator() then
    raise exception 'sign in required' using errcode = '42501';
  end if;
  if me is not null then
    perform private.require_can_act();
  end if;
  platform := platform or private.is_operator();
  if not platform and not exists (select from private.handled_group_ids()) then
    raise exception 'only platform moderators and admins and group owners and admins have a moderation queue'
      using errcode = '42501';
  end if;
  select * into c from private.decode_queue_cursor(moderation_queue.cursor);
  return query
  with items as (
    select r.target_kind, r.target_id,
      (array_agg(r.group_id))[1] as group_id,
      (array_agg(r.target_user_id))[1] as target_user_id,
      count(distinct r.reporter_id)::integer as reporter_count,
      count(*)::integer as report_count,
      min(r.created_at) as first_at,
      max(r.created_at) as last_at,
      array_agg(r.id order by r.created_at) as ids
    from public.reports r
    where r.status = 'open'
      and (moderation_queue.target_kind is null or r.target_kind = moderation_queue.target_kind)
      and (moderation_queue.group_id is null or r.group_id = moderation_queue.group_id)
      and (platform or (r.target_kind in ('post', 'comment') and r.group_id in (select private.handled_group_ids())))
      and r.target_user_id is distinct from me
    group by r.target_kind, r.target_id
    having moderation_queue.category is null or bool_or(r.category = moderation_queue.category)
  ),
  page as (
    select i.* from items i
    where (i.reporter_count, c.at, i.target_id) is not null
      and (i.reporter_count < c.reporters
        or (i.reporter_count = c.reporters and (i.first_at, i.target_id) > (c.at, c.id)))
    order by i.reporter_count desc, i.first_at, i.target_id
    limit n
  )
  select p.target_kind, p.target_id, p.group_id, p.target_user_id, p.reporter_count, p.report_count, p.first_at, p.last_at,
    (select jsonb_object_agg(x.category, x.n) from (
      select r.category, count(*) as n from public.reports r
      where r.target_kind = p.target_kind and r.target_id = p.target_id and r.status = 'open' group by r.category
    ) x),
    p.ids,
    case p.target_kind
      when 'post' then (select jsonb_build_object('removed_at', po.removed_at, 'removed_reason', po.removed_reason,
        'locked_at', po.locked_at, 'exists', true) from public.posts po where po.id = p.target_id)
      when 'comment' then (select jsonb_build_object('removed_at', co.removed_at, 'removed_reason', co.removed_reason,
        'deleted_at', co.deleted_at, 'exists', true) from public.comments co where co.id = p.target_id)
      when 'message' then (select jsonb_build_object('removed_at', m.removed_at, 'removed_reason', m.removed_reason,
        'deleted_at', m.deleted_at, 'exists', true) from public.messages m where m.id = p.target_id)
      when 'profile' then (select jsonb_build_object('suspended_until', s.until, 'suspended', s.user_id is not null,
        'exists', true) from public.profiles pr
        left join public.suspensions s on s.user_id = pr.id and (s.until is null or s.until > now()) where pr.id = p.target_id)
      else (select jsonb_build_object('status', g.status, 'exists', true) from public.groups g where g.id = p.target_id)
    end,
    case p.target_kind
      when 'post' then (select jsonb_build_object('title', po.title, 'content', po.content, 'group_id', po.group_id)
        from public.posts po where po.id = p.target_id)
      when 'comment' then (select jsonb_build_object('body', co.body, 'post_id', co.post_id) from public.comments co where co.id = p.target_id)
      when 'message' then (select r.evidence from public.reports r where r.id = p.ids[1])
      when 'profile' then (select jsonb_build_object('display_name', pr.display_name, 'bio', pr.bio, 'avatar_path', pr.avatar_path)
        from public.profiles pr where pr.id = p.target_id)
      else (select jsonb_build_object('name', g.name, 'slug', g.slug, 'description', g.description) from public.groups g where g.id = p.target_id)
    end,
    private.encode_queue_cursor(p.reporter_count, p.first_at, p.target_id)
  from page p
  order by p.reporter_count desc, p.first_at, p.target_id;
end
$$;
comment on function private.moderation_queue(text, integer, text, text, uuid) is 'The open reports the caller handles, one row per target (see public.moderation_queue).';

create function public.moderation_queue(
  cursor text default null,
  page_size integer default 20,
  target_kind text default null,
  category text default null,
  group_id uuid default null
)
returns setof public.moderation_queue_item
language sql
stable
set search_path = ''
as $$
  select * from private.moderation_queue(moderation_queue.cursor, moderation_queue.page_size,
    moderation_queue.target_kind, moderation_queue.category, moderation_queue.group_id)
$$;
comment on function public.moderation_queue(text, integer, text, text, uuid) is 'Open reports grouped per target, most distinct reporters first, then oldest; with category counts, the target''s state and a preview (a message: its frozen evidence). Platform moderators and admins see all; group owners and admins their groups'' posts and comments; nobody sees reports about themselves. Filters: target_kind, category (targets with at least one open report of it), group_id. Keyset-paged: pass the last row''s cursor. Errors: 42501 not a handler, 22023 bad cursor or page_size.';

-- Appeals --------------------------------------------------------------------------------------------

create function private.appeal(log_id uuid, statement text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  clean text := nullif(btrim(appeal.statement), '');
  l public.moderation_log;
  created uuid;
begin
  -- A suspended user may appeal: this is the one write a suspension allows (email still confirmed).
  if me is null then
    raise exception 'sign in required' using errcode = '42501';
  end if;
  if not private.has_role('user') then
    raise exception 'confirm your email address before you do this' using errcode = '42501';
  end if;
  if clean is null or char_length(clean) > 2000 then
    raise exception 'statement must be 1–2,000 characters' using errcode = '22023';
  end if;
  select * into l from public.moderation_log ml where ml.id = appeal.log_id;
  if not found or l.target_user_id is distinct from me
     or l.action not in ('remove', 'auto_hide', 'lock', 'warn', 'suspend', 'group_ban', 'suspend_group') then
    raise exception 'sanction not found' using errcode = 'PT404',
      hint = 'Appeal a log row about a sanction of yours (remove, auto_hide, lock, warn, suspend, group_ban, suspend_group).';
  end if;
  insert into public.appeals (log_id, user_id, statement) values (l.id, me, clean)
  on conflict on constraint appeals_log_id_key do nothing
  returning id into created;
  if created is null then
    raise exception 'you already appealed this sanction' using errcode = '23505';
  end if;
  return created;
end
$$;
comment on function private.appeal(uuid, text) is 'The sanctioned user appeals one sanction, once (see public.appeal).';

create function public.appeal(log_id uuid, statement text)
returns uuid
language sql
set search_path = ''
as $$
  select private.appeal(appeal.log_id, appeal.statement)
$$;
comment on function public.appeal(uuid, text) is 'Appeals a sanction (the moderation_log row id of a remove, auto_hide, lock, warn, suspend, group_ban or suspend_group about the caller) once, with a statement of 1–2,000 characters; returns the appeal id. Allowed while suspended. Errors: PT404 not the caller''s sanction, 23505 already appealed, 22023 statement.';

create function private.decide_appeal(appeal_id uuid, granted boolean, reason text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  operator boolean := private.is_operator();
  me uuid;
  clean_reason text := nullif(btrim(decide_appeal.reason), '');
  a public.appeals;
  l public.moderation_log;
  decision uuid;
begin
  if not operator then
    me := private.require_can_act();
  end if;
  if decide_appeal.granted is null then
    raise exception 'granted is required' using errcode = '22023';
  end if;
  if clean_reason is null or char_length(clean_reason) > 1000 then
    raise exception 'reason must be 1–1,000 characters' using errcode = '22023', hint = 'The user is told why.';
  end if;
  select * into a from public.appeals ap where ap.id = decide_appeal.appeal_id for update;
  if not found then
    raise exception 'appeal not found' using errcode = 'PT404';
  end if;
  select * into l from public.moderation_log ml where ml.id = a.log_id;
  if not operator then
    if not (case when l.target_kind in ('post', 'comment') then private.can_handle_content(l.group_id)
                 else private.is_platform_moderator() end) or a.user_id = me then
      raise exception 'appeal not found' using errcode = 'PT404';
    end if;
    if l.actor_id = me then
      raise exception 'another moderator must decide an appeal of your own action' using errcode = '42501';
    end if;
  end if;
  if a.status <> 'pending' then
    raise exception 'this appeal is already decided' using errcode = 'PT409';
  end if;

  if decide_appeal.granted then
    -- Lift the sanction where it still stands (its own log row follows from the trigger).
    perform set_config('moderation.context', jsonb_build_object('reason', clean_reason)::text, true);
    if l.action in ('remove', 'auto_hide') then
      if l.target_kind = 'post' then
        update public.posts p set removed_at = null, removed_reason = null where p.id = l.target_id and p.removed_at is not null;
      elsif l.target_kind = 'comment' then
        update public.comments c set removed_at = null, removed_reason = null where c.id = l.target_id and c.removed_at is not null;
      else
        update public.messages m set removed_at = null, removed_reason = null where m.id = l.target_id and m.removed_at is not null;
      end if;
    elsif l.action = 'lock' then
      update public.posts p set locked_at = null where p.id = l.target_id and p.locked_at is not null;
    elsif l.action = 'suspend' then
      delete from public.suspensions s where s.user_id = l.target_user_id;
    elsif l.action = 'group_ban' then
      delete from public.group_bans b where b.group_id = l.group_id and b.user_id = l.target_user_id;
    elsif l.action = 'suspend_group' then
      update public.groups g set status = 'active' where g.id = l.target_id and g.status = 'suspended';
    end if;
    perform set_config('moderation.context', '', true);
  end if;

  insert into public.moderation_log (actor_id, actor_role, action, target_kind, target_id, target_user_id, group_id, reason, before, after)
  values (me, private.actor_label(), case when decide_appeal.granted then 'appeal_granted' else 'appeal_denied' end,
    l.target_kind, l.target_id, l.target_user_id, l.group_id, clean_reason,
    jsonb_build_object('appeal_id', a.id, 'log_id', l.id, 'status', a.status),
    jsonb_build_object('appeal_id', a.id, 'log_id', l.id, 'status', case when decide_appeal.granted then 'granted' else 'denied' end))
  returning id into decision;

  update public.appeals ap
  set status = case when decide_appeal.granted then 'granted' else 'denied' end,
      decided_by = me, decision_reason = clean_reason, decision_log_id = decision, decided_at = now()
  where ap.id = a.id;

  perform private.notify(a.user_id, null, 'appeal_decided', a.id,
    jsonb_build_object('appeal_id', a.id, 'log_id', l.id, 'action', l.action, 'granted', decide_appeal.granted, 'reason', clean_reason));
  return decision;
end
$$;
comment on function private.decide_appeal(uuid, boolean, text) is 'Decides an appeal (see public.decide_appeal).';

create function public.decide_appeal(appeal_id uuid, granted boolean, reason text)
returns uuid
language sql
set search_path = ''
as $$
  select private.decide_appeal(decide_appeal.appeal_id, decide_appeal.granted, decide_appeal.reason)
$$;
comment on function public.decide_appeal(uuid, boolean, text) is 'A moderator other than the one who acted grants (the sanction is lifted) or denies an appeal, with a reason; logged (appeal_granted/appeal_denied, returned) and the user notified (appeal_decided). Who: platform moderators and admins; for group content also the group''s owners and admins. Errors: PT404 appeal not found, 42501 own action, PT409 already decided, 22023 reason.';

-- Email (the moderation edge function, as service_role after commit) ---------------------------------

create function private.moderation_notice(log_id uuid)
returns json
language sql
stable
security definer
set search_path = ''
as $$
  select json_build_object(
    'email', u.email,
    'display_name', p.display_name,
    'action', l.action,
    'target_kind', l.target_kind,
    'target_id', l.target_id,
    'group_id', l.group_id,
    'reason', l.reason,
    'until', l.until
  )
  from public.moderation_log l
  join auth.users u on u.id = l.target_user_id
  left join public.profiles p on p.id = u.id
  where l.id = moderation_notice.log_id
$$;
comment on function private.moderation_notice(uuid) is 'What the email about a sanction or an appeal decision says and to whom (the user concerned); no reporter, no moderator. service_role only.';

-- The email outbox: every path that logs a sanction or an appeal decision (an RPC, the edge function,
-- service_role, an operator in Studio) queues its email here, in the same transaction as the log row.
-- The moderation edge function sends what its own request queued right after the commit, and its
-- service-key route POST /moderation/outbox (scheduled: docs/operations.md) sends the rest, so an
-- action taken in Studio is emailed too. Claims are leases (10 minutes) taken with skip locked, so two
-- senders never take the same row; a failed send is retried up to 5 times.
create table private.moderation_emails (
  log_id uuid not null,
  created_at timestamptz not null default now(),
  claimed_at timestamptz,
  attempts integer not null default 0,
  finished_at timestamptz,
  outcome text,
  last_error text,
  constraint moderation_emails_pkey primary key (log_id),
  constraint moderation_emails_log_id_fkey foreign key (log_id) references public.moderation_log (id) on delete cascade,
  constraint moderation_emails_outcome_known check (outcome is null or outcome in ('sent', 'no_address', 'failed')),
  constraint moderation_emails_finished_with_outcome check ((finished_at is null) = (outcome is null))
);
create index moderation_emails_pending_idx on private.moderation_emails (created_at) where outcome is null;
comment on table private.moderation_emails is 'The moderation email outbox: one row per log row that emails the user concerned (a sanction: remove, lock, warn, suspend, group_ban, suspend_group; an appeal decision), written by a trigger on moderation_log, so every path queues it. outcome: null while pending, then sent, no_address (the user has no email) or failed (after 5 attempts).';

create function private.queue_moderation_email()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.moderation_emails (log_id) values (new.id);
  return null;
end
$$;
comment on function private.queue_moderation_email() is 'Trigger after a moderation_log row that emails its user: queues it in private.moderation_emails.';

create trigger moderation_log_queue_email
  after insert on public.moderation_log
  for each row
  when (new.target_user_id is not null
        and new.action in ('remove', 'lock', 'warn', 'suspend', 'group_ban', 'suspend_group', 'appeal_granted', 'appeal_denied'))
  execute function private.queue_moderation_email();

create function private.claim_moderation_emails(log_ids uuid[] default null, batch_size integer default 50)
returns table (log_id uuid, notice json, group_name text)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if claim_moderation_emails.batch_size is null or claim_moderation_emails.batch_size not between 1 and 500 then
    raise exception 'batch_size must be 1–500' using errcode = '22023';
  end if;
  return query
  with claimed as (
    update private.moderation_emails e
    set claimed_at = now(), attempts = e.attempts + 1
    where e.log_id in (
      select q.log_id from private.moderation_emails q
      where q.outcome is null
        and (q.claimed_at is null or q.claimed_at < now() - interval '10 minutes')
        and (claim_moderation_emails.log_ids is null or q.log_id = any (claim_moderation_emails.log_ids))
      order by q.created_at
      limit claim_moderation_emails.batch_size
      for update skip locked
    )
    returning e.log_id
  )
  select c.log_id, private.moderation_notice(c.log_id), g.name
  from claimed c
  join public.moderation_log l on l.id = c.log_id
  left join public.groups g on g.id = l.group_id;
end
$$;
comment on function private.claim_moderation_emails(uuid[], integer) is 'service_role (the moderation edge function): leases up to batch_size pending moderation emails (only log_ids when given) for 10 minutes, skipping rows another sender holds, and returns what each says (moderation_notice) and the group''s name.';

create function private.finish_moderation_email(log_id uuid, outcome text, error text default null)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if finish_moderation_email.outcome is null or finish_moderation_email.outcome not in ('sent', 'no_address', 'failed') then
    raise exception 'outcome must be sent, no_address or failed' using errcode = '22023';
  end if;
  update private.moderation_emails e
  set outcome = case
        when finish_moderation_email.outcome <> 'failed' then finish_moderation_email.outcome
        when e.attempts >= 5 then 'failed'
      end,
      finished_at = case when finish_moderation_email.outcome <> 'failed' or e.attempts >= 5 then now() end,
      claimed_at = case when finish_moderation_email.outcome = 'failed' then null else e.claimed_at end,
      last_error = left(finish_moderation_email.error, 1000)
  where e.log_id = finish_moderation_email.log_id and e.outcome is null;
end
$$;
comment on function private.finish_moderation_email(uuid, text, text) is 'service_role (the moderation edge function): records a send: sent or no_address end it; failed releases the lease for a retry, and ends it as failed after the 5th attempt.';

-- Grants --------------------------------------------------------------------------------------------

grant select on public.reports to authenticated;
grant insert (target_kind, target_id, category, details, reporter_id) on public.reports to authenticated;
grant select, insert on public.reports to service_role;

grant select on public.moderation_log to authenticated, service_role;

grant select on public.suspensions to authenticated, service_role;
grant insert, update, delete on public.suspensions to service_role;
grant select on public.group_bans to authenticated, service_role;
grant insert, update, delete on public.group_bans to service_role;
grant select on public.appeals to authenticated, service_role;

grant execute on function private.refuse_if_suspended() to authenticated, service_role;
grant execute on function private.is_group_banned(uuid, uuid) to authenticated, service_role;
grant execute on function private.can_handle_content(uuid) to authenticated, service_role;
grant execute on function private.handled_group_ids() to authenticated, service_role;
grant execute on function private.moderate(text, text, uuid, text, timestamptz, uuid[], uuid) to authenticated, service_role;
grant execute on function private.moderation_queue(text, integer, text, text, uuid) to authenticated, service_role;
grant execute on function private.encode_queue_cursor(integer, timestamptz, uuid) to authenticated, service_role;
grant execute on function private.decode_queue_cursor(text) to authenticated, service_role;
grant execute on function private.appeal(uuid, text) to authenticated;
grant execute on function private.decide_appeal(uuid, boolean, text) to authenticated, service_role;
grant execute on function private.moderation_notice(uuid) to service_role;
grant execute on function private.claim_moderation_emails(uuid[], integer) to service_role;
grant execute on function private.finish_moderation_email(uuid, text, text) to service_role;

grant execute on function public.report(text, uuid, text, text) to authenticated;
grant execute on function public.moderate(text, text, uuid, text, timestamptz, uuid[], uuid) to authenticated, service_role;
grant execute on function public.moderation_queue(text, integer, text, text, uuid) to authenticated, service_role;
grant execute on function public.appeal(uuid, text) to authenticated;
grant execute on function public.decide_appeal(uuid, boolean, text) to authenticated, service_role;
