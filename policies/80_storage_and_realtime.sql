-- Who may do what with Storage objects and on Realtime topics, for every domain: one policy per
-- operation and role on each platform table.
-- Storage: avatars are public reads; post-media and message-media are private: the owner, or whoever
-- can see a post or message that references the object (private.can_read_media_object,
-- sql/72_media.sql), never by listing another's folder. Writes go only into one's own folder
-- <user id>/…, with a confirmed email; the bucket's size and MIME allowlist are enforced by a trigger
-- (private.storage_objects_check_limits). Referenced objects are neither overwritten nor deleted by
-- their owner (the cleanup job removes them once let go, through the Storage API).
-- exports (accounts, sql/82_accounts.sql) is private: its owner reads <user id>/…; only the account
-- function writes and removes archives, through the Storage API (service role).
-- Realtime: private.can_use_realtime_topic (sql/80_storage_and_realtime.sql) decides every topic.

create policy "Avatars are public; media and exports as their owners allow"
  on storage.objects for select to anon, authenticated
  using (
    bucket_id = 'avatars'
    or (bucket_id = 'exports' and (storage.foldername(name))[1] = (select auth.uid())::text)
    or (
      bucket_id in ('post-media', 'message-media')
      and private.can_read_media_object(bucket_id, name, owner_id)
    )
  );

create policy "Confirmed users can upload to their own folder"
  on storage.objects for insert to authenticated
  with check (
    bucket_id in ('avatars', 'post-media', 'message-media')
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and owner_id = (select auth.uid())::text
    and (select private.current_user_can_act())
  );

create policy "Users can replace unreferenced objects in their own folder"
  on storage.objects for update to authenticated
  using (
    bucket_id in ('avatars', 'post-media', 'message-media')
    and owner_id = (select auth.uid())::text
    and not private.media_is_referenced(bucket_id, name)
  )
  with check (
    bucket_id in ('avatars', 'post-media', 'message-media')
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );

create policy "Users can delete unreferenced objects in their own folder"
  on storage.objects for delete to authenticated
  using (
    bucket_id in ('avatars', 'post-media', 'message-media')
    and owner_id = (select auth.uid())::text
    and not private.media_is_referenced(bucket_id, name)
  );

-- The policies judge the row as well as the session (issue 14): a row is readable or writable only
-- when its own topic is the topic being authorized, so a session that sets realtime.topic to one it
-- may use cannot read or write the rows of any other topic.
create policy "Users can receive on private topics they belong to"
  on realtime.messages for select to authenticated
  using (
    realtime.messages.topic = (select realtime.topic())
    and (select private.can_use_realtime_topic((select realtime.topic()), realtime.messages.extension, false))
  );

create policy "Users can send on private topics they belong to"
  on realtime.messages for insert to authenticated
  with check (
    realtime.messages.topic = (select realtime.topic())
    and (select private.can_use_realtime_topic((select realtime.topic()), realtime.messages.extension, true))
  );
