-- Who may do what with identity data. Profiles are public; only the owner, with a confirmed email,
-- edits the owner's columns (column grants). Signed-in users read profiles through the policy in
-- policies/20_people.sql, which hides a profile from the users its owner blocks: it needs
-- public.blocks, created by the people domain after this one.

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

create policy "Anyone can read avatars"
  on storage.objects for select to anon, authenticated
  using (bucket_id = 'avatars');

create policy "Confirmed users can upload avatars to their own folder"
  on storage.objects for insert to authenticated
  with check (
    bucket_id = 'avatars'
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and (select private.current_user_can_act())
  );

create policy "Users can replace avatars in their own folder"
  on storage.objects for update to authenticated
  using (bucket_id = 'avatars' and owner_id = (select auth.uid())::text)
  with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);

create policy "Users can delete avatars in their own folder"
  on storage.objects for delete to authenticated
  using (bucket_id = 'avatars' and owner_id = (select auth.uid())::text);
