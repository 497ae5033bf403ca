-- Who may do what with identity data. Profiles are public; only the owner, with a confirmed email,
-- edits the owner's columns (column grants). Signed-in users read profiles through the policy in
-- policies/20_people.sql, which hides a profile from the users its owner blocks: it needs
-- public.blocks, created by the people domain after this one. Avatars in Storage:
-- policies/80_storage_and_realtime.sql.

create policy "Anyone can read profiles"
  on public.profiles for select to anon
  using (true);

create policy "Confirmed users can update their own profile"
  on public.profiles for update to authenticated
  using (id = (select auth.uid()) and (select private.current_user_can_act()))
  with check (id = (select auth.uid()));

create policy "Users can read their own roles and admins can read all roles"
  on public.user_roles for select to authenticated
  using (user_id = (select auth.uid()) or (select private.has_role('admin')));

create policy "The auth server can read roles for access tokens"
  on public.user_roles for select to supabase_auth_admin
  using (true);
