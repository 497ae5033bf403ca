-- Who may see memberships: members lists follow the group's visibility, less blocked users, except
-- for the group's owners and admins (a block never hides a member from moderation, issue 14).
-- Memberships change only through the RPCs (no write policies).

create policy "Anyone can read the active members of active public groups"
  on public.group_members for select to anon
  using (private.can_see_membership(group_id, status));

create policy "Users can read own and visible memberships; admins can read all"
  on public.group_members for select to authenticated
  using (
    user_id = (select auth.uid())
    or (select private.has_role('admin'))
    or (
      private.can_see_membership(group_id, status)
      and (
        user_id not in (select private.blocked_by_or_blocking_me())
        or group_id in (select private.managed_group_ids())
      )
    )
  );
