-- Throttles: per-user limits on every write a spammer would use, enforced by the database itself.
-- Objects: table public.rate_limits (the limits, readable by everyone), private.throttle_settings (one
-- row: the switch and the limits' generation), private.rate_limit_buckets (one GCRA state row per user
-- and action, with the limits it last used), private.throttle(action), the trigger function
-- private.throttle_row(), one trigger per throttled write, and private.throttle_limits_changed() on
-- rate_limits and profiles.created_at.
-- Caveats:
-- * Every throttled write is a row insert (or, for a renewed invitation, an update) on the table
--   itself, so an RPC and a direct insert count alike and nothing goes around the limit. The triggers
--   are AFTER ROW: they count only rows really written (not an `on conflict do nothing` that found
--   the row, nor the update path of an upsert such as react()), and their error still aborts the
--   statement, so a refused write leaves nothing behind.
-- * GCRA (the generic cell rate algorithm, a token bucket in one timestamp): each action allows
--   `burst` writes at once, then one every `period / sustained`. The state is one row per
--   (user, action), changed under its row lock: exact under concurrency, and unrelated users never
--   touch the same row.
-- * The allowed path is one plain update of the caller's bucket row (private.throttle_row), which
--   caches the caller's step and tolerance: no join to rate_limits, profiles or the settings row
--   beyond reading its generation. The cache is valid while throttle_settings.generation is unchanged
--   (a statement trigger bumps it on every change to rate_limits and to profiles.created_at, so an
--   operator's change applies to the very next write) and until a new account turns old
--   (limits_until). Otherwise private.throttle(action) reads the limits afresh and upserts the bucket.
-- * Exempt: callers without a user (service_role, postgres, pg_cron), platform admins and moderators,
--   and callers who may not write at all (unconfirmed, later suspended): the write's own rule refuses
--   them with 42501 whatever the limit says. These are checked only when a write is over the limit,
--   off the allowed path; an exempt user's bucket fills but never refuses.
-- * Past the limit: SQLSTATE PGRST with PostgREST's JSON message and detail, so PostgREST answers
--   HTTP 429 with a Retry-After header (docs/errors.md, "Throttles").
-- * Adding an action is one row in public.rate_limits and one trigger line (docs/accounts.md).

create table public.rate_limits (
  action text not null,
  burst integer not null,
  sustained integer not null,
  period interval not null,
  new_account_days integer not null default 7,
  new_account_burst integer not null,
  new_account_sustained integer not null,
  description text not null,
  constraint rate_limits_pkey primary key (action),
  constraint rate_limits_action_format check (action ~ '^[a-z][a-z_]{0,39}$'),
  constraint rate_limits_positive check (
    burst >= 1 and sustained >= 1 and period > interval '0' and new_account_days >= 0
    and new_account_burst >= 1 and new_account_sustained >= 1
  ),
  -- Timestamps count microseconds: one write per period / sustained must be at least one.
  constraint rate_limits_step_measurable check (
    period / sustained >= interval '1 microsecond' and period / new_account_sustained >= interval '1 microsecond'
  )
);
alter table public.rate_limits enable row level security;

comment on table public.rate_limits is 'Per-user write limits, one row per action: burst writes at once, then sustained per period; accounts younger than new_account_days get the new_account_* values. Everyone may read them; operators change them as postgres (docs/accounts.md).';
comment on column public.rate_limits.action is 'The throttled write: post, comment, reaction, follow, conversation, message, group, group_invitation, group_join_request, report.';
comment on column public.rate_limits.burst is 'Writes allowed at once (the bucket size).';
comment on column public.rate_limits.sustained is 'Writes allowed per period once the burst is spent.';
comment on column public.rate_limits.period is 'The period of the sustained rate.';
comment on column public.rate_limits.new_account_days is 'Accounts younger than this many days get the new_account_* limits.';
comment on column public.rate_limits.new_account_burst is 'The burst of a new account.';
comment on column public.rate_limits.new_account_sustained is 'The sustained rate (per period) of a new account.';
comment on column public.rate_limits.description is 'What the action covers, in words.';

-- Defaults modeled on Mastodon (statuses 300 per 3 h, follows and reports 400 per 24 h per account)
-- and Bluesky (5,000 write points per hour, a create costs 3: at most 1,666 records per hour).
insert into public.rate_limits
  (action, burst, sustained, period, new_account_burst, new_account_sustained, description)
values
  ('post', 30, 100, '1 hour', 10, 20, 'posts (create_post or an insert into posts)'),
  ('comment', 30, 200, '1 hour', 10, 50, 'comments and replies'),
  ('reaction', 120, 1000, '1 hour', 60, 300, 'new reactions (changing the kind of one is free)'),
  ('follow', 50, 400, '1 day', 20, 100, 'follows and follow requests of users, and follows of groups'),
  ('conversation', 10, 50, '1 day', 5, 20, 'new conversations (each carries at most one message request)'),
  ('message', 60, 600, '1 hour', 30, 200, 'direct messages'),
  ('group', 3, 10, '1 day', 1, 2, 'new groups and institutions'),
  ('group_invitation', 20, 100, '1 day', 10, 30, 'group invitations, new or renewed'),
  ('group_join_request', 20, 100, '1 day', 10, 30, 'requests to join private groups'),
  ('report', 20, 400, '1 day', 10, 100, 'reports of posts, comments, messages, profiles and groups');

grant select on public.rate_limits to anon, authenticated;
grant select, insert, update, delete on public.rate_limits to service_role;

create table private.throttle_settings (
  id boolean not null default true,
  enabled boolean not null default true,
  generation bigint not null default 0,
  constraint throttle_settings_pkey primary key (id),
  constraint throttle_settings_one_row check (id)
);
insert into private.throttle_settings default values;
comment on table private.throttle_settings is 'One row: enabled switches every throttle off when false (the benchmark measures the cost this way); generation counts changes to public.rate_limits and to accounts'' created_at, so that the limits cached in rate_limit_buckets are refreshed at the next write. Only postgres (operators) can change it.';

-- fillfactor: the hot path rewrites one small row per write; room on its page keeps the update HOT.
create table private.rate_limit_buckets (
  user_id uuid not null,
  action text not null,
  tat timestamptz not null,
  tolerance interval not null,
  step interval not null default interval '0',
  limits_until timestamptz not null default '-infinity',
  generation bigint not null default 0,
  constraint rate_limit_buckets_pkey primary key (user_id, action)
)
with (fillfactor = 80);
comment on table private.rate_limit_buckets is 'GCRA state per user and action: tat (theoretical arrival time) is when the bucket is full again. A write is allowed while tat - now <= tolerance ((burst - 1) * period / sustained) and moves tat on by step (period / sustained). step and tolerance are the caller''s limits cached at the last write: valid while now < limits_until (when a new account turns old; infinity otherwise) and generation equals throttle_settings.generation (the defaults mark a row stale).';

create function private.throttle(action text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  t timestamptz := now();
  lim public.rate_limits;
  enabled boolean;
  joined timestamptz;
  burst integer;
  sustained integer;
  bucket private.rate_limit_buckets;
  wait_seconds integer;
begin
  if me is null then
    return;
  end if;
  -- The slow path (private.throttle_row tried the cached limits first): the caller's limit (by the
  -- account's age) read afresh and joined to the switch, upserted into the caller's bucket under its
  -- row lock, with the limits cached for the next writes.
  insert into private.rate_limit_buckets as b (user_id, action, tat, tolerance, step, limits_until, generation)
  select me, r.action,
         t + a.step,
         a.step * (case when y.young_until > t then r.new_account_burst else r.burst end - 1),
         a.step, a.limits_until, s.generation
  from public.rate_limits r
  cross join private.throttle_settings s
  cross join lateral (
    select coalesce((select p.created_at from public.profiles p where p.id = me) + make_interval(days => r.new_account_days),
                    'infinity') as young_until
  ) y
  cross join lateral (
    select case when y.young_until > t then y.young_until else 'infinity' end as limits_until,
           r.period / case when y.young_until > t then r.new_account_sustained else r.sustained end as step
  ) a
  where r.action = throttle.action and s.enabled
  on conflict on constraint rate_limit_buckets_pkey do update
    set tat = greatest(b.tat, t) + excluded.step, tolerance = excluded.tolerance, step = excluded.step,
        limits_until = excluded.limits_until, generation = excluded.generation
    where greatest(b.tat, t) - t <= excluded.tolerance
  returning b.* into bucket;
  if found then
    return;
  end if;

  -- Not counted: throttles are off, the action has no limit, or the write is over the limit.
  select r.*, s.enabled, (select p.created_at from public.profiles p where p.id = me)
  into lim.action, lim.burst, lim.sustained, lim.period, lim.new_account_days, lim.new_account_burst,
       lim.new_account_sustained, lim.description, enabled, joined
  from public.rate_limits r cross join private.throttle_settings s
  where r.action = throttle.action;
  if not found or not enabled then
    return;
  end if;
  -- Over the limit. Exemptions are checked only now, off the hot path: a caller who may not write at
  -- all gets the write's own refusal (42501), and platform admins and moderators are never refused.
  if not private.current_user_can_act()
     or exists (select from public.user_roles ur where ur.user_id = me and ur.role in ('admin', 'moderator')) then
    return;
  end if;
  if joined + make_interval(days => lim.new_account_days) > t then
    burst := lim.new_account_burst;
    sustained := lim.new_account_sustained;
  else
    burst := lim.burst;
    sustained := lim.sustained;
  end if;
  -- The upsert locked the row without changing it; the next write fits once tat - now is back within
  -- the tolerance.
  select * into bucket from private.rate_limit_buckets b where b.user_id = me and b.action = throttle.action;
  wait_seconds := greatest(1, ceil(extract(epoch from (bucket.tat - t - lim.period / sustained * (burst - 1))))::integer);
  raise sqlstate 'PGRST' using
    message = json_build_object(
      'code', 'PT429',
      'message', format('too many %s: try again in %s seconds', replace(throttle.action, '_', ' ') || 's', wait_seconds),
      'details', json_build_object(
        'action', throttle.action, 'retry_after', wait_seconds, 'burst', burst, 'sustained', sustained, 'period', lim.period::text
      )::text,
      'hint', format('Wait %s seconds (Retry-After) before you try again; the limits are in rate_limits.', wait_seconds)
    )::text,
    detail = json_build_object('status', 429, 'headers', json_build_object('Retry-After', wait_seconds::text))::text;
end
$$;
comment on function private.throttle(text) is 'Counts one write of the action for the caller with the limits read afresh (caching them in the bucket) and raises PGRST (HTTP 429 with Retry-After through PostgREST) when it is over the caller''s limit. No-op without a user, when throttles are off, for an action without a rate_limits row, for callers who may not write, and for platform admins and moderators. private.throttle_row calls it when its cached limits do not apply or the write does not fit.';

create function private.throttle_row()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- The hot path, one statement: the caller's bucket moves on by its cached step if the cached limits
  -- still apply (same generation, throttles on, the account has not turned old) and the write fits.
  -- A plain update (HOT: only tat changes), under the row lock; a concurrent write re-checks the
  -- condition against the row it waited for.
  update private.rate_limit_buckets b
     set tat = greatest(b.tat, now()) + b.step
   where b.user_id = (select auth.uid())
     and b.action = tg_argv[0]
     and b.generation = (select s.generation from private.throttle_settings s where s.enabled)
     and now() < b.limits_until
     and greatest(b.tat, now()) - now() <= b.tolerance;
  if not found then
    -- a first write, stale limits, throttles off, no user, or over the limit
    perform private.throttle(tg_argv[0]);
  end if;
  return null;
end
$$;
comment on function private.throttle_row() is 'Trigger (after insert or update, for each row): counts one write of the action named by the trigger''s argument against the limits cached in the caller''s bucket; otherwise (first write, limits changed, throttles off, over the limit) private.throttle(<action>).';

create function private.throttle_limits_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update private.throttle_settings set generation = generation + 1;
  return null;
end
$$;
comment on function private.throttle_limits_changed() is 'Trigger (after each statement that changes public.rate_limits or accounts'' created_at): bumps throttle_settings.generation, so every bucket reads its limits afresh at its next write.';

create trigger rate_limits_changed after insert or update or delete or truncate on public.rate_limits
  for each statement execute function private.throttle_limits_changed();
-- An account's age picks its limits; created_at is not a client column, but an operator may set it.
create trigger profiles_created_at_changed_throttle after update of created_at on public.profiles
  for each statement execute function private.throttle_limits_changed();

-- One line per throttled write. The triggers fire after the row is written, so they count rows
-- really inserted; their error aborts the statement.
create trigger posts_throttle after insert on public.posts
  for each row execute function private.throttle_row('post');
create trigger comments_throttle after insert on public.comments
  for each row execute function private.throttle_row('comment');
create trigger reactions_throttle after insert on public.reactions
  for each row execute function private.throttle_row('reaction');
create trigger follows_throttle after insert on public.follows
  for each row execute function private.throttle_row('follow');
create trigger group_follows_throttle after insert on public.group_follows
  for each row execute function private.throttle_row('follow');
create trigger conversations_throttle after insert on public.conversations
  for each row execute function private.throttle_row('conversation');
create trigger messages_throttle after insert on public.messages
  for each row execute function private.throttle_row('message');
create trigger groups_throttle after insert on public.groups
  for each row execute function private.throttle_row('group');
create trigger group_members_throttle_invitation after insert on public.group_members
  for each row when (new.status = 'invited') execute function private.throttle_row('group_invitation');
create trigger group_members_throttle_renewed_invitation after update of invite_expires_at on public.group_members
  for each row when (new.status = 'invited' and new.invite_expires_at is not null
                     and new.invite_expires_at is distinct from old.invite_expires_at)
  execute function private.throttle_row('group_invitation');
create trigger group_members_throttle_join_request after insert on public.group_members
  for each row when (new.status = 'pending') execute function private.throttle_row('group_join_request');
-- A repeat of an open report updates it in the before-insert trigger and inserts nothing: not counted.
create trigger reports_throttle after insert on public.reports
  for each row execute function private.throttle_row('report');
