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
  using (
    (select private.current_user_can_act())
    and (author_id = (select auth.uid()) or group_id in (select private.managed_group_ids()))
  );

create policy "Anyone can read revisions of the posts they can see"
  on public.post_revisions for select to anon, authenticated
  using (private.can_see_post_id(post_id));

-- Storage: the post-media bucket shares the avatars rules (public reads, writes in one's own folder),
-- so the avatars policies widen to it rather than adding a second permissive policy per operation.
alter policy "Anyone can read avatars" on storage.objects rename to "Anyone can read avatars and post media";
alter policy "Anyone can read avatars and post media" on storage.objects
  using (bucket_id in ('avatars', 'post-media'));

alter policy "Confirmed users can upload avatars to their own folder" on storage.objects
  rename to "Confirmed users can upload avatars and post media to their own folder";
alter policy "Confirmed users can upload avatars and post media to their own folder" on storage.objects
  with check (
    bucket_id in ('avatars', 'post-media')
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and (select private.current_user_can_act())
  );

alter policy "Users can replace avatars in their own folder" on storage.objects
  rename to "Users can replace avatars and post media in their own folder";
alter policy "Users can replace avatars and post media in their own folder" on storage.objects
  using (bucket_id in ('avatars', 'post-media') and owner_id = (select auth.uid())::text)
  with check (bucket_id in ('avatars', 'post-media') and (storage.foldername(name))[1] = (select auth.uid())::text);

alter policy "Users can delete avatars in their own folder" on storage.objects
  rename to "Users can delete avatars and post media in their own folder";
alter policy "Users can delete avatars and post media in their own folder" on storage.objects
  using (bucket_id in ('avatars', 'post-media') and owner_id = (select auth.uid())::text);
