-- Who may see and edit institution profiles: they are visible with the group and edited by its
-- owner and admins.

create policy "Anyone can read the profiles of active institutions"
  on public.institution_profiles for select to anon
  using (private.can_see_group(group_id));

create policy "Users can read the profiles of institutions they may see"
  on public.institution_profiles for select to authenticated
  using (private.can_see_group(group_id));

create policy "Owners and admins can edit their institution's profile"
  on public.institution_profiles for update to authenticated
  using (group_id in (select private.managed_group_ids()) and (select private.current_user_can_act()))
  with check (group_id in (select private.managed_group_ids()));
