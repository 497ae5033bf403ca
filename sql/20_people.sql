-- People: follows and follow requests, blocks, mutes, follower counts and the relationship RPC.
-- Objects: type follow_status; tables public.follows, public.blocks, public.mutes (their predicates,
-- private.blocked_by_or_blocking_me() and the rest, and the lock private.lock_profiles() are in
-- sql/05_security.sql); triggers that decide a follow's status, keep the profile counts exact, accept pending requests
-- when a profile goes public and end follows when a block starts; RPC relationship(other).
-- Caveats:
-- * A follow or a block locks both users' profile rows (in id order) before it checks anything, so
--   a follow racing a block, or two identical follows, are serialized and the loser gets the same
--   clear error it would get one second later. Row locks live in the rows, not in the lock table,
--   so bulk loads of follows do not run out of lock memory (advisory locks per pair did).
-- * Counts change by `update … set n = n + delta` under those row locks, once per statement and
--   profile (statement triggers over transition tables). Rows are locked in id order, so concurrent
--   follows between different users cannot deadlock. A few rare races about one pair (a block
--   meeting an acceptance of a request made a moment before, a profile going public while its owner
--   blocks a requester) can still deadlock: PostgreSQL aborts one side with 40P01, nothing of it is
--   kept, and the client retries.
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

-- A profile's followers and incoming requests, and a user's follows and outgoing requests, newest first.
-- Each carries the other side, so the fan-out (an author's accepted followers) and the pull query and
-- inbox rebuild (a reader's accepted followees) read the index alone, not a heap page per follow.
create index follows_followee_id_status_idx on public.follows (followee_id, status, created_at desc) include (follower_id);
create index follows_follower_id_status_idx on public.follows (follower_id, status, created_at desc) include (followee_id);

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

-- The predicates over blocks, mutes and follows that policies and later domains use
-- (private.blocked_by_or_blocking_me, users_i_follow, can_see_profile_content, lock_profiles, …) are
-- in sql/05_security.sql.

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

  -- Locking the followee's row also orders this follow after a concurrent change of is_private.
  perform private.lock_profiles(new.follower_id, new.followee_id);
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

-- Counts move once per statement and profile (transition tables), not once per row: a statement
-- that changes many follows of one profile (a bulk load, going public, a deleted account) writes
-- that profile's row once instead of stacking a row version per follow.
create function private.adjust_follow_counts(followers uuid[], followees uuid[], delta integer)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if coalesce(cardinality(adjust_follow_counts.followers), 0) = 0 then
    return;
  end if;
  perform private.lock_profile_rows(adjust_follow_counts.followers || adjust_follow_counts.followees);
  update public.profiles p set following_count = p.following_count + adjust_follow_counts.delta * c.n
  from (select u.id, count(*)::integer as n from unnest(adjust_follow_counts.followers) as u(id) group by u.id) c
  where p.id = c.id;
  update public.profiles p set followers_count = p.followers_count + adjust_follow_counts.delta * c.n
  from (select u.id, count(*)::integer as n from unnest(adjust_follow_counts.followees) as u(id) group by u.id) c
  where p.id = c.id;
end
$$;
comment on function private.adjust_follow_counts(uuid[], uuid[], integer) is 'For follows followers[i] → followees[i], adds delta to each follower''s following_count and each followee''s followers_count, under row locks taken in id order.';

create function private.follows_count_inserted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  followers uuid[];
  followees uuid[];
begin
  select array_agg(n.follower_id), array_agg(n.followee_id) into followers, followees
  from new_rows n where n.status = 'accepted';
  perform private.adjust_follow_counts(followers, followees, 1);
  return null;
end
$$;
comment on function private.follows_count_inserted() is 'Statement trigger: counts the accepted follows just inserted.';

create trigger follows_count_inserted
  after insert on public.follows
  referencing new table as new_rows
  for each statement execute function private.follows_count_inserted();

create function private.follows_count_accepted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  followers uuid[];
  followees uuid[];
begin
  select array_agg(n.follower_id), array_agg(n.followee_id) into followers, followees
  from new_rows n
  join old_rows o on o.follower_id = n.follower_id and o.followee_id = n.followee_id
  where o.status = 'pending' and n.status = 'accepted';
  perform private.adjust_follow_counts(followers, followees, 1);
  return null;
end
$$;
comment on function private.follows_count_accepted() is 'Statement trigger: counts the requests just accepted (a follow never goes back to pending).';

create trigger follows_count_accepted
  after update on public.follows
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.follows_count_accepted();

create function private.follows_count_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  followers uuid[];
  followees uuid[];
begin
  select array_agg(o.follower_id), array_agg(o.followee_id) into followers, followees
  from old_rows o where o.status = 'accepted';
  perform private.adjust_follow_counts(followers, followees, -1);
  return null;
end
$$;
comment on function private.follows_count_deleted() is 'Statement trigger: uncounts the accepted follows just deleted (unfollow, removal, block, deleted account).';

create trigger follows_count_deleted
  after delete on public.follows
  referencing old table as old_rows
  for each statement execute function private.follows_count_deleted();

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
  -- Follow rows first, then profiles: an unfollow or acceptance holds its follow row and then wants
  -- the profiles for the counts, so taking them in the other order here could deadlock with it.
  perform from public.follows f
  where (f.follower_id = new.blocker_id and f.followee_id = new.blocked_id)
     or (f.follower_id = new.blocked_id and f.followee_id = new.blocker_id)
  for update;
  perform private.lock_profiles(new.blocker_id, new.blocked_id);
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
  -- Mutes change no counts: the muter's own row serializes the muter's mutes.
  perform from public.profiles p where p.id = new.muter_id for no key update;
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


grant execute on function public.relationship(uuid) to authenticated;
