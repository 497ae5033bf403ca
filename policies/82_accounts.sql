-- Export archives (bucket exports, private) are read by their owner only, from exports/<user id>/.
-- The account function writes and removes them through the Storage API (service role); clients only
-- read. The read policy on storage.objects is one for every bucket (see policies/40_posts.sql).

alter policy "Anyone can read avatars and post media" on storage.objects
  rename to "Anyone reads avatars and post media; owners read their exports";
alter policy "Anyone reads avatars and post media; owners read their exports" on storage.objects
  using (
    bucket_id in ('avatars', 'post-media')
    or (bucket_id = 'exports' and (storage.foldername(name))[1] = (select auth.uid())::text)
  );
