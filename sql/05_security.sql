-- Security utilities: the visibility and membership predicates that every domain's policies, RPCs
-- and triggers share, in one place. Each is a security definer function in private (it reads blocks,
-- mutes, follows and memberships the caller cannot see) and takes the caller from auth.uid().
-- Objects: social graph (blocks, mutes, follows; tables in sql/20_people.sql):
-- private.is_blocked_between, users_blocking_me, blocked_by_or_blocking_me, is_muting, users_i_mute,
-- users_i_follow, can_see_profile_content, lock_profiles, lock_profile_rows. Groups (tables in
-- sql/40_groups.sql and sql/41_group_memberships.sql): private.is_group_member, can_manage_group,
-- managed_group_ids, member_group_ids, owned_group_ids, can_see_group.
-- Caveats:
--   * They come before the tables they read: all are plpgsql, which resolves names when it runs, so
--     nothing here may declare a variable of a table's row type or take a domain's enum (those stay in
--     their domain: private.has_role in identity, private.can_see_membership in groups).
--     `supabase db lint` (plpgsql_check) checks every body against the finished schema.
--   * Set-returning ones are meant for `x in (select private.f())` / `x not in (…)` in policies,
--     evaluated once per query and hashed; boolean ones taking a row's column run per row, so they are
--     plpgsql (PostgreSQL 15 caches their plans; a SQL function with `set search_path` is never
--     inlined and is parsed and planned again at every call).
--   * Grants are here too; nobody may execute a function until granted (sql/00_foundation.sql).

-- The social graph --------------------------------------------------------------------------------

create function private.is_blocked_between(a uuid, b uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.blocks bl
    where (bl.blocker_id = is_blocked_between.a and bl.blocked_id = is_blocked_between.b)
       or (bl.blocker_id = is_blocked_between.b and bl.blocked_id = is_blocked_between.a)
  );
end
$$;
comment on function private.is_blocked_between(uuid, uuid) is 'True when a block stands between the two users, in either direction. False when either is null.';

create function private.users_blocking_me()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select bl.blocker_id from public.blocks bl where bl.blocked_id = (select auth.uid());
end
$$;
comment on function private.users_blocking_me() is 'The users who block the caller (whose profile the caller may not see). Empty for anon.';

create function private.blocked_by_or_blocking_me()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select bl.blocker_id from public.blocks bl where bl.blocked_id = (select auth.uid())
  union
  select bl.blocked_id from public.blocks bl where bl.blocker_id = (select auth.uid());
end
$$;
comment on function private.blocked_by_or_blocking_me() is 'The users a block separates from the caller, in either direction: their content and the caller''s are hidden from each other. Empty for anon.';

create function private.is_muting(muter uuid, muted uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.mutes m
    where m.muter_id = is_muting.muter and m.muted_id = is_muting.muted
      and (m.expires_at is null or m.expires_at > now())
  );
end
$$;
comment on function private.is_muting(uuid, uuid) is 'True when muter mutes muted now (a mute past its expires_at no longer counts).';

create function private.users_i_mute()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select m.muted_id from public.mutes m
  where m.muter_id = (select auth.uid()) and (m.expires_at is null or m.expires_at > now());
end
$$;
comment on function private.users_i_mute() is 'The users the caller mutes now (for feeds). Empty for anon.';

create function private.users_i_follow()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select f.followee_id from public.follows f
  where f.follower_id = (select auth.uid()) and f.status = 'accepted';
end
$$;
comment on function private.users_i_follow() is 'The users the caller follows (accepted follows only). Empty for anon.';

create function private.can_see_profile_content(owner uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
begin
  if can_see_profile_content.owner is null then
    return false;
  end if;
  if can_see_profile_content.owner = me then
    return true;
  end if;
  return not exists (
      select from public.blocks bl
      where (bl.blocker_id = me and bl.blocked_id = can_see_profile_content.owner)
         or (bl.blocker_id = can_see_profile_content.owner and bl.blocked_id = me)
    )
    and exists (
      select from public.profiles p
      where p.id = can_see_profile_content.owner
        and (
          not p.is_private
          or exists (
            select from public.follows f
            where f.follower_id = me and f.followee_id = can_see_profile_content.owner and f.status = 'accepted'
          )
        )
    );
end
$$;
comment on function private.can_see_profile_content(uuid) is 'May the caller see what a profile shares (posts, follow lists): the owner always; otherwise never across a block, and for a private profile only its accepted followers. Anon sees public profiles.';

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
comment on function private.lock_profiles(uuid, uuid) is 'Locks two users'' profile rows in id order until the transaction ends: serializes writes about the pair (follows, blocks, conversations) so that checks made after it see what a racing transaction committed, and orders count updates so that they never deadlock.';

create function private.lock_profile_rows(ids uuid[])
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform from public.profiles p
  where p.id = any (lock_profile_rows.ids)
  order by p.id
  for no key update;
end
$$;
comment on function private.lock_profile_rows(uuid[]) is 'Locks the profile rows of these users in id order until the transaction ends: the many-user form of private.lock_profiles (follow counts of a statement, a statement of several authors'' posts, the end of follows), in the same order, so that no two of them deadlock.';

-- Groups ------------------------------------------------------------------------------------------

create function private.is_group_member(target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.group_members m
    where m.group_id = is_group_member.target_group and m.user_id = (select auth.uid()) and m.status = 'active'
  );
end
$$;
comment on function private.is_group_member(uuid) is 'True when the caller is an active member (any role) of the group.';

create function private.can_manage_group(target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.group_members m
    where m.group_id = can_manage_group.target_group and m.user_id = (select auth.uid()) and m.role in ('owner', 'admin')
  );
end
$$;
comment on function private.can_manage_group(uuid) is 'True when the caller is the owner or an admin of the group.';

create function private.managed_group_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select m.group_id from public.group_members m
  where m.user_id = (select auth.uid()) and m.role in ('owner', 'admin');
end
$$;
comment on function private.managed_group_ids() is 'The groups the caller owns or administers (for policies: group_id in (select …)).';

create function private.member_group_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select m.group_id from public.group_members m
  where m.user_id = (select auth.uid()) and m.status = 'active';
end
$$;
comment on function private.member_group_ids() is 'The groups the caller is an active member of, any role (for policies: id in (select …)).';

create function private.owned_group_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select m.group_id from public.group_members m
  where m.user_id = (select auth.uid()) and m.role = 'owner';
end
$$;
comment on function private.owned_group_ids() is 'The groups the caller owns.';

-- Mirrors the select policy on public.groups (policies/40_groups.sql), for rows the caller names.
create function private.can_see_group(target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.groups g
    where g.id = can_see_group.target_group
      and (
        g.status = 'active'
        or g.created_by = (select auth.uid())
        or g.id in (select private.managed_group_ids())
        or (g.status = 'suspended' and g.id in (select private.member_group_ids()))
        or private.has_role('admin')
      )
  );
end
$$;
comment on function private.can_see_group(uuid) is 'True when the caller may see the group: it is active, or the caller created, owns or administers it, or is an active member of it while it is suspended (sql/75_moderation.sql), or is a platform admin.';

-- Grants ------------------------------------------------------------------------------------------

grant execute on function private.is_blocked_between(uuid, uuid) to authenticated, service_role;
grant execute on function private.users_blocking_me() to authenticated;
grant execute on function private.blocked_by_or_blocking_me() to authenticated;
grant execute on function private.is_muting(uuid, uuid) to authenticated, service_role;
grant execute on function private.users_i_mute() to authenticated;
grant execute on function private.users_i_follow() to authenticated;
grant execute on function private.can_see_profile_content(uuid) to anon, authenticated, service_role;
grant execute on function private.is_group_member(uuid) to anon, authenticated, service_role;
grant execute on function private.can_manage_group(uuid) to anon, authenticated, service_role;
grant execute on function private.managed_group_ids() to authenticated, service_role;
grant execute on function private.owned_group_ids() to authenticated, service_role;
grant execute on function private.member_group_ids() to authenticated, service_role;
grant execute on function private.can_see_group(uuid) to anon, authenticated, service_role;
