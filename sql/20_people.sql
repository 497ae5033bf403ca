-- People: follows and follow requests, blocks, mutes, follower counts and the relationship RPC.
-- Objects: type follow_status; tables public.follows, public.blocks, public.mutes; predicates
-- private.is_blocked_between(), private.users_blocking_me(), private.blocked_by_or_blocking_me(),
-- private.is_muting(), private.users_i_mute(), private.users_i_follow(),
-- private.can_see_profile_content(); locks private.lock_user_pair(), private.lock_profiles();
-- triggers that decide a follow's status, keep the profile counts exact, accept pending requests
-- when a profile goes public and end follows when a block starts; RPC relationship(other).
-- Caveats:
-- * Writes about one pair of users (follow, block, mute) take a transaction-level advisory lock on
--   the unordered pair, so a follow racing a block, or two identical follows, are serialized and
--   the loser gets the same clear error it would get one second later.
-- * Counts change by `update … set n = n ± 1` under the profile row lock; profile rows are always
--   locked in id order, so concurrent follows between different users cannot deadlock.
-- * A repeated follow, block or mute is an error (23505 with a message naming it), not a no-op:
--   clients learn that their view was stale. Change a mute's expiry with an update.
-- * The blocked user cannot see the blocker's profile; the blocker still sees the blocked user's
--   profile (to find it and unblock, and to list blocks with names). Both sides lose each other's
--   content (private.can_see_profile_content), as posts, comments and DMs will.

create type public.follow_status as enum ('pending', 'accepted');
comment on type public.follow_status is 'pending: a request to follow a private profile, waiting for its owner; accepted: a follow.';

-- Follows -----------------------------------------------------------------------------------------

create table public.follows (
  follower_id uuid not null default auth.uid(),
  followee_id uuid not null,
  status public.follow_status not null default 'pending',
  created_at timestamptz not null default now(),
  accepted_at timestamptz,
  constraint follows_pkey primary key (follower_id, followee_id),
  constraint follows_follower_id_fkey foreign key (follower_id) references public.profiles (id) on delete cascade,
  constraint follows_followee_id_fkey foreign key (followee_id) references public.profiles (id) on delete cascade,
  constraint follows_followee_id_not_follower check (followee_id <> follower_id),
  constraint follows_accepted_at_with_status check ((status = 'accepted') = (accepted_at is not null))
);
alter table public.follows enable row level security;

-- A profile's followers and incoming requests, newest first. The primary key serves the follower side.
create index follows_followee_id_status_idx on public.follows (followee_id, status, created_at desc);

comment on table public.follows is 'Who follows whom. The follower inserts (the database decides the status), the followee accepts a request by setting status = accepted, either side deletes (unfollow, cancel, decline, remove a follower).';
comment on column public.follows.follower_id is 'The user who follows; defaults to the caller.';
comment on column public.follows.followee_id is 'The user followed.';
comment on column public.follows.status is 'accepted at once for a public profile; pending (a request) for a private one until its owner accepts. Only the followee may change it, only to accepted.';
comment on column public.follows.created_at is 'When the follow or request was made.';
comment on column public.follows.accepted_at is 'When the follow became accepted; null while pending.';

-- Blocks ------------------------------------------------------------------------------------------

create table public.blocks (
  blocker_id uuid not null default auth.uid(),
  blocked_id uuid not null,
  created_at timestamptz not null default now(),
  constraint blocks_pkey primary key (blocker_id, blocked_id),
  constraint blocks_blocker_id_fkey foreign key (blocker_id) references public.profiles (id) on delete cascade,
  constraint blocks_blocked_id_fkey foreign key (blocked_id) references public.profiles (id) on delete cascade,
  constraint blocks_blocked_id_not_blocker check (blocked_id <> blocker_id)
);
alter table public.blocks enable row level security;

-- Who blocks a given user (the reverse direction of the primary key).
create index blocks_blocked_id_idx on public.blocks (blocked_id, blocker_id);

comment on table public.blocks is 'Blocks, visible to the blocker only. A block ends follows and requests both ways and, while it stands, stops follows between the two and hides the blocker''s profile from the blocked user.';
comment on column public.blocks.blocker_id is 'The user who blocks; defaults to the caller.';
comment on column public.blocks.blocked_id is 'The user blocked.';
comment on column public.blocks.created_at is 'When the block started.';

-- Mutes -------------------------------------------------------------------------------------------

create table public.mutes (
  muter_id uuid not null default auth.uid(),
  muted_id uuid not null,
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  constraint mutes_pkey primary key (muter_id, muted_id),
  constraint mutes_muter_id_fkey foreign key (muter_id) references public.profiles (id) on delete cascade,
  constraint mutes_muted_id_fkey foreign key (muted_id) references public.profiles (id) on delete cascade,
  constraint mutes_muted_id_not_muter check (muted_id <> muter_id)
);
alter table public.mutes enable row level security;

create index mutes_muted_id_idx on public.mutes (muted_id);

comment on table public.mutes is 'Mutes, private to the muter: the muted user''s posts leave the muter''s feeds and their activity the muter''s notifications. The muted user cannot tell.';
comment on column public.mutes.muter_id is 'The user who mutes; defaults to the caller.';
comment on column public.mutes.muted_id is 'The user muted.';
comment on column public.mutes.expires_at is 'When the mute ends by itself; null mutes until deleted. Must be in the future when written.';
comment on column public.mutes.created_at is 'When the mute started.';

-- Predicates for policies and later domains (posts, comments, reactions, feeds, DMs) ----------------
-- Security definer: they read blocks, mutes and follows the caller cannot see. Set-returning ones
-- are meant for `x not in (select private.f())` in policies, evaluated once per query.

create function private.is_blocked_between(a uuid, b uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select from public.blocks bl
    where (bl.blocker_id = is_blocked_between.a and bl.blocked_id = is_blocked_between.b)
       or (bl.blocker_id = is_blocked_between.b and bl.blocked_id = is_blocked_between.a)
  )
$$;
comment on function private.is_blocked_between(uuid, uuid) is 'True when a block stands between the two users, in either direction. False when either is null.';

create function private.users_blocking_me()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select bl.blocker_id from public.blocks bl where bl.blocked_id = (select auth.uid())
$$;
comment on function private.users_blocking_me() is 'The users who block the caller (whose profile the caller may not see). Empty for anon.';

create function private.blocked_by_or_blocking_me()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select bl.blocker_id from public.blocks bl where bl.blocked_id = (select auth.uid())
  union
  select bl.blocked_id from public.blocks bl where bl.blocker_id = (select auth.uid())
$$;
comment on function private.blocked_by_or_blocking_me() is 'The users a block separates from the caller, in either direction: their content and the caller''s are hidden from each other. Empty for anon.';

create function private.is_muting(muter uuid, muted uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select from public.mutes m
    where m.muter_id = is_muting.muter and m.muted_id = is_muting.muted
      and (m.expires_at is null or m.expires_at > now())
  )
$$;
comment on function private.is_muting(uuid, uuid) is 'True when muter mutes muted now (a mute past its expires_at no longer counts).';

create function private.users_i_mute()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.muted_id from public.mutes m
  where m.muter_id = (select auth.uid()) and (m.expires_at is null or m.expires_at > now())
$$;
comment on function private.users_i_mute() is 'The users the caller mutes now (for feeds). Empty for anon.';

create function private.users_i_follow()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select f.followee_id from public.follows f
  where f.follower_id = (select auth.uid()) and f.status = 'accepted'
$$;
comment on function private.users_i_follow() is 'The users the caller follows (accepted follows only). Empty for anon.';

create function private.can_see_profile_content(owner uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when can_see_profile_content.owner is null then false
    when can_see_profile_content.owner = (select auth.uid()) then true
    when private.is_blocked_between((select auth.uid()), can_see_profile_content.owner) then false
    else exists (
      select from public.profiles p
      where p.id = can_see_profile_content.owner
        and (
          not p.is_private
          or exists (
            select from public.follows f
            where f.follower_id = (select auth.uid()) and f.followee_id = can_see_profile_content.owner
              and f.status = 'accepted'
          )
        )
    )
  end
$$;
comment on function private.can_see_profile_content(uuid) is 'May the caller see what a profile shares (posts, follow lists): the owner always; otherwise never across a block, and for a private profile only its accepted followers. Anon sees public profiles.';

-- Locks -------------------------------------------------------------------------------------------

create function private.lock_user_pair(a uuid, b uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended('user_pair:' || least(lock_user_pair.a, lock_user_pair.b)::text
      || ':' || greatest(lock_user_pair.a, lock_user_pair.b)::text, 0)
  );
end
$$;
comment on function private.lock_user_pair(uuid, uuid) is 'Serializes, until the transaction ends, writes about one unordered pair of users (follows, blocks, mutes; later conversations), so that checks made after it see what a racing transaction committed.';

create function private.lock_profiles(a uuid, b uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform from public.profiles p
  where p.id in (lock_profiles.a, lock_profiles.b)
  order by p.id
  for no key update;
end
$$;
comment on function private.lock_profiles(uuid, uuid) is 'Locks two profile rows in id order before their counts change, so that concurrent follows never deadlock.';

-- Follows: the database decides, counts and cleans up ------------------------------------------------

create function private.follows_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  existing public.follow_status;
  followee_is_private boolean;
begin
  if me is not null then
    if not private.current_user_can_act() then
      raise exception 'confirm your email address before you do this'
        using errcode = '42501', hint = 'Users without a confirmed email can read but not write.';
    end if;
    if new.follower_id is distinct from me then
      raise exception 'you can only follow as yourself' using errcode = '42501',
        hint = 'Leave follower_id out; it defaults to the caller.';
    end if;
  end if;
  if new.followee_id is null then
    raise exception 'followee_id is required' using errcode = '22023';
  end if;
  if new.follower_id = new.followee_id then
    raise exception 'you cannot follow yourself' using errcode = '22023';
  end if;

  perform private.lock_user_pair(new.follower_id, new.followee_id);
  if exists (select from public.blocks bl where bl.blocker_id = new.follower_id and bl.blocked_id = new.followee_id) then
    raise exception 'you have blocked this user' using errcode = '42501',
      hint = 'Unblock them before you follow them.';
  end if;
  -- Being blocked reads exactly like a user who does not exist.
  if exists (select from public.blocks bl where bl.blocker_id = new.followee_id and bl.blocked_id = new.follower_id)
     or not exists (select from public.profiles p where p.id = new.followee_id) then
    raise exception 'user not found' using errcode = 'PT404';
  end if;
  select f.status into existing
  from public.follows f
  where f.follower_id = new.follower_id and f.followee_id = new.followee_id;
  if found then
    raise exception '%', case existing when 'accepted' then 'you already follow this user'
                                       else 'you already asked to follow this user' end
      using errcode = '23505', hint = 'Delete the follow to unfollow or to cancel the request.';
  end if;

  -- Locking the followee's row also orders this follow after a concurrent change of is_private.
  perform private.lock_profiles(new.follower_id, new.followee_id);
  select p.is_private into followee_is_private from public.profiles p where p.id = new.followee_id;
  new.status := case when followee_is_private then 'pending' else 'accepted' end;
  new.accepted_at := case when followee_is_private then null else now() end;
  return new;
end
$$;
comment on function private.follows_before_insert() is 'Trigger: checks a new follow (as the caller, confirmed email, not oneself, never across a block, not twice) and sets its status from the followee''s privacy.';

create trigger follows_before_insert
  before insert on public.follows
  for each row execute function private.follows_before_insert();

create function private.follows_before_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.follower_id is distinct from old.follower_id or new.followee_id is distinct from old.followee_id then
    raise exception 'the users of a follow cannot change' using errcode = '22023',
      hint = 'Delete the follow and create another.';
  end if;
  if old.status = 'accepted' and new.status = 'pending' then
    raise exception 'an accepted follow cannot go back to pending' using errcode = 'PT409',
      hint = 'Delete the follow to remove the follower.';
  end if;
  new.created_at := old.created_at;
  if old.status = 'pending' and new.status = 'accepted' then
    perform private.lock_profiles(new.follower_id, new.followee_id);
    new.accepted_at := now();
  else
    new.accepted_at := old.accepted_at;
  end if;
  return new;
end
$$;
comment on function private.follows_before_update() is 'Trigger: a follow only moves from pending to accepted (stamping accepted_at); its users and created_at never change.';

create trigger follows_before_update
  before update on public.follows
  for each row execute function private.follows_before_update();

create function private.adjust_follow_counts(follower uuid, followee uuid, delta integer)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.lock_profiles(adjust_follow_counts.follower, adjust_follow_counts.followee);
  update public.profiles p set following_count = p.following_count + adjust_follow_counts.delta
  where p.id = adjust_follow_counts.follower;
  update public.profiles p set followers_count = p.followers_count + adjust_follow_counts.delta
  where p.id = adjust_follow_counts.followee;
end
$$;
comment on function private.adjust_follow_counts(uuid, uuid, integer) is 'Adds delta to the follower''s following_count and the followee''s followers_count, under their row locks.';

create function private.follows_count()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' and new.status = 'accepted' then
    perform private.adjust_follow_counts(new.follower_id, new.followee_id, 1);
  elsif tg_op = 'UPDATE' and old.status = 'pending' and new.status = 'accepted' then
    perform private.adjust_follow_counts(new.follower_id, new.followee_id, 1);
  elsif tg_op = 'DELETE' and old.status = 'accepted' then
    perform private.adjust_follow_counts(old.follower_id, old.followee_id, -1);
  end if;
  return null;
end
$$;
comment on function private.follows_count() is 'Trigger: keeps followers_count and following_count equal to the accepted follows (insert, acceptance, delete).';

create trigger follows_count
  after insert or update of status or delete on public.follows
  for each row execute function private.follows_count();

-- Going public accepts every pending request (Instagram); going private keeps accepted followers.
create function private.accept_pending_follows()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.follows f set status = 'accepted'
  where f.followee_id = new.id and f.status = 'pending';
  return null;
end
$$;
comment on function private.accept_pending_follows() is 'Trigger on profiles: when a profile goes public, its pending follow requests become follows.';

create trigger profiles_accept_pending_follows
  after update of is_private on public.profiles
  for each row
  when (old.is_private and not new.is_private)
  execute function private.accept_pending_follows();

-- Blocks: checked, then the follows between the two end --------------------------------------------

create function private.blocks_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
begin
  if me is not null then
    if not private.current_user_can_act() then
      raise exception 'confirm your email address before you do this'
        using errcode = '42501', hint = 'Users without a confirmed email can read but not write.';
    end if;
    if new.blocker_id is distinct from me then
      raise exception 'you can only block as yourself' using errcode = '42501',
        hint = 'Leave blocker_id out; it defaults to the caller.';
    end if;
  end if;
  if new.blocked_id is null then
    raise exception 'blocked_id is required' using errcode = '22023';
  end if;
  if new.blocker_id = new.blocked_id then
    raise exception 'you cannot block yourself' using errcode = '22023';
  end if;
  perform private.lock_user_pair(new.blocker_id, new.blocked_id);
  if not exists (select from public.profiles p where p.id = new.blocked_id) then
    raise exception 'user not found' using errcode = 'PT404';
  end if;
  if exists (select from public.blocks bl where bl.blocker_id = new.blocker_id and bl.blocked_id = new.blocked_id) then
    raise exception 'you already block this user' using errcode = '23505',
      hint = 'Delete the block to unblock.';
  end if;
  return new;
end
$$;
comment on function private.blocks_before_insert() is 'Trigger: checks a new block (as the caller, confirmed email, not oneself, an existing user, not twice).';

create trigger blocks_before_insert
  before insert on public.blocks
  for each row execute function private.blocks_before_insert();

create function private.blocks_end_follows()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.follows f
  where (f.follower_id = new.blocker_id and f.followee_id = new.blocked_id)
     or (f.follower_id = new.blocked_id and f.followee_id = new.blocker_id);
  return null;
end
$$;
comment on function private.blocks_end_follows() is 'Trigger: a new block deletes the follows and follow requests between the two users, both ways.';

create trigger blocks_end_follows
  after insert on public.blocks
  for each row execute function private.blocks_end_follows();

-- Mutes: checked; an expired mute makes room for a new one -------------------------------------------

create function private.mutes_before_write()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
begin
  if tg_op = 'UPDATE' then
    if new.muter_id is distinct from old.muter_id or new.muted_id is distinct from old.muted_id then
      raise exception 'the users of a mute cannot change' using errcode = '22023',
        hint = 'Delete the mute and create another.';
    end if;
    new.created_at := old.created_at;
  end if;
  if new.expires_at is not null and new.expires_at <= now() then
    raise exception 'expires_at must be in the future' using errcode = '22023',
      hint = 'Leave expires_at null to mute until you unmute; delete the mute to unmute now.';
  end if;
  if tg_op = 'UPDATE' then
    return new;
  end if;

  if me is not null then
    if not private.current_user_can_act() then
      raise exception 'confirm your email address before you do this'
        using errcode = '42501', hint = 'Users without a confirmed email can read but not write.';
    end if;
    if new.muter_id is distinct from me then
      raise exception 'you can only mute as yourself' using errcode = '42501',
        hint = 'Leave muter_id out; it defaults to the caller.';
    end if;
  end if;
  if new.muted_id is null then
    raise exception 'muted_id is required' using errcode = '22023';
  end if;
  if new.muter_id = new.muted_id then
    raise exception 'you cannot mute yourself' using errcode = '22023';
  end if;
  perform private.lock_user_pair(new.muter_id, new.muted_id);
  if not exists (select from public.profiles p where p.id = new.muted_id) then
    raise exception 'user not found' using errcode = 'PT404';
  end if;
  delete from public.mutes m
  where m.muter_id = new.muter_id and m.muted_id = new.muted_id and m.expires_at <= now();
  if exists (select from public.mutes m where m.muter_id = new.muter_id and m.muted_id = new.muted_id) then
    raise exception 'you already mute this user' using errcode = '23505',
      hint = 'Update expires_at to change how long, or delete the mute to unmute.';
  end if;
  return new;
end
$$;
comment on function private.mutes_before_write() is 'Trigger: checks a new mute (as the caller, confirmed email, not oneself, an existing user, not twice; an expired mute is replaced) and keeps expires_at in the future.';

create trigger mutes_before_write
  before insert or update on public.mutes
  for each row execute function private.mutes_before_write();

-- RPC ---------------------------------------------------------------------------------------------

create function public.relationship(other uuid)
returns json
language sql
stable
set search_path = ''
as $$
  select json_build_object(
    'following', exists (
      select from public.follows f
      where f.follower_id = (select auth.uid()) and f.followee_id = relationship.other and f.status = 'accepted'),
    'followed_by', exists (
      select from public.follows f
      where f.follower_id = relationship.other and f.followee_id = (select auth.uid()) and f.status = 'accepted'),
    'requested', exists (
      select from public.follows f
      where f.follower_id = (select auth.uid()) and f.followee_id = relationship.other and f.status = 'pending'),
    'requested_by', exists (
      select from public.follows f
      where f.follower_id = relationship.other and f.followee_id = (select auth.uid()) and f.status = 'pending'),
    'blocking', exists (
      select from public.blocks bl
      where bl.blocker_id = (select auth.uid()) and bl.blocked_id = relationship.other),
    'muting', private.is_muting((select auth.uid()), relationship.other)
  )
$$;
comment on function public.relationship(uuid) is 'The caller''s relationship to another user, for rendering buttons: {following, followed_by, requested, requested_by, blocking, muting}. Never says whether the other user blocks the caller: a block ends all follows, so those read false. Unknown users read all false.';

-- Grants ------------------------------------------------------------------------------------------

grant select on public.follows to anon, authenticated;
grant insert (follower_id, followee_id) on public.follows to authenticated;
grant update (status) on public.follows to authenticated;
grant delete on public.follows to authenticated;
grant select, insert, update, delete on public.follows to service_role;

grant select, delete on public.blocks to authenticated;
grant insert (blocker_id, blocked_id) on public.blocks to authenticated;
grant select, insert, delete on public.blocks to service_role;

grant select, delete on public.mutes to authenticated;
grant insert (muter_id, muted_id, expires_at) on public.mutes to authenticated;
grant update (expires_at) on public.mutes to authenticated;
grant select, insert, update, delete on public.mutes to service_role;

grant execute on function private.is_blocked_between(uuid, uuid) to authenticated, service_role;
grant execute on function private.users_blocking_me() to authenticated;
grant execute on function private.blocked_by_or_blocking_me() to authenticated;
grant execute on function private.is_muting(uuid, uuid) to authenticated, service_role;
grant execute on function private.users_i_mute() to authenticated;
grant execute on function private.users_i_follow() to authenticated;
grant execute on function private.can_see_profile_content(uuid) to anon, authenticated, service_role;

grant execute on function public.relationship(uuid) to authenticated;
