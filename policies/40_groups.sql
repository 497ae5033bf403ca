-- Who may see and change groups. Active groups are visible to everyone (a private group by its
-- name, description and avatar); pending, rejected and suspended ones to their creator, their owner
-- and admins, and platform admins; a suspended group also to its active members (they keep reading). Group follows are their follower's and the group managers'.

create policy "Anyone can read active groups"
  on public.groups for select to anon
  using (status = 'active');

-- Mirrored by private.can_see_group() for RPCs and policies that name a group. The rule is spelled
-- out here rather than calling it: a row being inserted (insert … returning) is not yet visible to
-- a function's snapshot, so the creator would not see their own new pending institution.
create policy "Users can read active, created or managed groups; admins all"
  on public.groups for select to authenticated
  using (
    status = 'active'
    or created_by = (select auth.uid())
    or id in (select private.managed_group_ids())
    or (status = 'suspended' and id in (select private.member_group_ids()))
    or (select private.has_role('admin'))
  );

create policy "Confirmed users can create groups they own"
  on public.groups for insert to authenticated
  with check (created_by = (select auth.uid()) and (select private.current_user_can_act()));

create policy "Owners and admins can edit their active or pending groups"
  on public.groups for update to authenticated
  using (
    id in (select private.managed_group_ids())
    and status in ('active', 'pending')
    and (select private.current_user_can_act())
  )
  with check (id in (select private.managed_group_ids()));

create policy "Owners can delete their groups"
  on public.groups for delete to authenticated
  using (id in (select private.owned_group_ids()) and (select private.current_user_can_act()));

create policy "Users can read own group follows and managers their followers"
  on public.group_follows for select to authenticated
  using (user_id = (select auth.uid()) or group_id in (select private.managed_group_ids()));

create policy "Confirmed users can follow groups as themselves"
  on public.group_follows for insert to authenticated
  with check (user_id = (select auth.uid()) and (select private.current_user_can_act()));

create policy "Users can unfollow groups"
  on public.group_follows for delete to authenticated
  using (user_id = (select auth.uid()));
