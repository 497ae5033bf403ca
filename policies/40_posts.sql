-- Who may do what with posts. Reading is private.can_see_post; writing is the author's, with a
-- confirmed email; group owners and admins also delete posts in their group.

create policy "Anyone can read posts of public profiles and active public groups"
  on public.posts for select to anon
  using (private.can_see_post(author_id, group_id));

create policy "Users can read the posts they are allowed to see"
  on public.posts for select to authenticated
  using (author_id = (select auth.uid()) or private.can_see_post(author_id, group_id));

create policy "Confirmed users can post as themselves"
  on public.posts for insert to authenticated
  with check (author_id = (select auth.uid()) and (select private.current_user_can_act()));

create policy "Authors can edit their own posts"
  on public.posts for update to authenticated
  using (author_id = (select auth.uid()) and (select private.current_user_can_act()))
  with check (author_id = (select auth.uid()));

create policy "Authors and group admins can delete posts"
  on public.posts for delete to authenticated
  using (author_id = (select auth.uid()) or group_id in (select private.managed_group_ids()));
