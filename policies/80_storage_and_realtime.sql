-- Who may do what with Storage objects and on Realtime topics, for every domain: one policy per
-- operation and role on each platform table.
-- Storage: avatars (profiles) and post-media (posts) share one rule: public reads, writes only in
-- one's own folder <user id>/…, with a confirmed email; replacing and deleting are the uploader's.
-- exports (accounts, sql/82_accounts.sql) is private: its owner reads <user id>/…; only the account
-- function writes and removes archives, through the Storage API (service role).
-- Realtime: private.can_use_realtime_topic (sql/80_storage_and_realtime.sql) decides every topic.

create policy "Anyone reads avatars and post media; owners read their exports"
  on storage.objects for select to anon, authenticated
  using (
    bucket_id in ('avatars', 'post-media')
    or (bucket_id = 'exports' and (storage.foldername(name))[1] = (select auth.uid())::text)
  );

create policy "Confirmed users can upload avatars and post media to own folder"
  on storage.objects for insert to authenticated
  with check (
    bucket_id in ('avatars', 'post-media')
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and (select private.current_user_can_act())
  );

create policy "Users can replace avatars and post media in their own folder"
  on storage.objects for update to authenticated
  using (bucket_id in ('avatars', 'post-media') and owner_id = (select auth.uid())::text)
  with check (bucket_id in ('avatars', 'post-media') and (storage.foldername(name))[1] = (select auth.uid())::text);

create policy "Users can delete avatars and post media in their own folder"
  on storage.objects for delete to authenticated
  using (bucket_id in ('avatars', 'post-media') and owner_id = (select auth.uid())::text);

create policy "Users can receive on private topics they belong to"
  on realtime.messages for select to authenticated
  using ((select private.can_use_realtime_topic((select realtime.topic()), realtime.messages.extension, false)));

create policy "Users can send on private topics they belong to"
  on realtime.messages for insert to authenticated
  with check ((select private.can_use_realtime_topic((select realtime.topic()), realtime.messages.extension, true)));
