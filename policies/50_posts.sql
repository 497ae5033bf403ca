-- Who may do what with posts. Reading is private.can_see_post; writing is the author's, with a
-- confirmed email; group owners and admins also delete posts in their group. A removed post
-- (sql/75_moderation.sql) is readable by its author only. Post media in Storage:
-- policies/80_storage_and_realtime.sql.

create policy "Anon can read posts of public profiles and active public groups"
  on public.posts for select to anon
  using (removed_at is null and private.can_see_post(author_id, group_id));

create policy "Users can read the posts they are allowed to see"
  on public.posts for select to authenticated
  using (author_id = (select auth.uid()) or (removed_at is null and private.can_see_post(author_id, group_id)));

create policy "Confirmed users can post as themselves"
  on public.posts for insert to authenticated
  with check (author_id = (select auth.uid()) and (select private.current_user_can_act()));

create policy "Authors can edit their own posts"
  on public.posts for update to authenticated
  using (author_id = (select auth.uid()) and (select private.current_user_can_act()))
  with check (author_id = (select auth.uid()));

create policy "Authors and group admins can delete posts"
  on public.posts for delete to authenticated
  using (
    (select private.current_user_can_act())
    and (author_id = (select auth.uid()) or group_id in (select private.managed_group_ids()))
  );

create policy "Anyone can read revisions of the posts they can see"
  on public.post_revisions for select to anon, authenticated
  using (private.can_see_post_id(post_id));
