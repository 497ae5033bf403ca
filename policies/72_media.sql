-- Who may do what with media rows and references. Owners read their media and change its alt text;
-- post references are read with the post; message attachments by the two participants, never
-- across a block; senders attach their own uploads to their own messages and may detach them.
-- Reading the objects themselves: policies/80_storage_and_realtime.sql.

create policy "Owners can read their own media"
  on public.media for select to authenticated
  using (owner_id = (select auth.uid()));

create policy "Owners can change the alt text of their own media"
  on public.media for update to authenticated
  using (owner_id = (select auth.uid()) and (select private.current_user_can_act()))
  with check (owner_id = (select auth.uid()));

create policy "Anyone can read the media references of posts they can see"
  on public.post_media for select to anon, authenticated
  using (private.can_see_post_id(post_id));

create policy "Participants can read the attachments of their messages"
  on public.message_media for select to authenticated
  using (
    exists (
      select from public.messages m
      where m.id = message_id and m.conversation_id in (select private.my_conversation_ids())
    )
  );

create policy "Confirmed senders can attach their own media to their messages"
  on public.message_media for insert to authenticated
  with check (
    (select private.current_user_can_act())
    and exists (
      select from public.messages m
      where m.id = message_id and m.sender_id = (select auth.uid()) and m.conversation_id in (select private.my_conversation_ids())
    )
  );

create policy "Senders can detach media from their own messages"
  on public.message_media for delete to authenticated
  using (
    exists (select from public.messages m where m.id = message_id and m.sender_id = (select auth.uid()))
  );
