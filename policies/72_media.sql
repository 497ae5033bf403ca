-- Who may do what with media rows and references. Owners read their media and change its alt text;
-- post references are read with the post; message attachments by the two participants, never
-- across a block; senders attach their own uploads to their own messages and may detach them; comment
-- attachments are read with the comment and managed by its author; an institution page's media is
-- read with the group and managed by its owners and admins.
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

create policy "Anyone can read the attachments of comments they can see"
  on public.comment_media for select to anon, authenticated
  using (private.can_see_comment(comment_id));

create policy "Confirmed authors can attach their own media to their comments"
  on public.comment_media for insert to authenticated
  with check (
    (select private.current_user_can_act())
    and exists (select from public.comments c where c.id = comment_id and c.author_id = (select auth.uid()))
  );

create policy "Authors can detach media from their own comments"
  on public.comment_media for delete to authenticated
  using (exists (select from public.comments c where c.id = comment_id and c.author_id = (select auth.uid())));

create policy "Anyone can read the media of institution pages they can see"
  on public.institution_media for select to anon, authenticated
  using (private.can_see_group(group_id));

create policy "Institution owners and admins can add media to its page"
  on public.institution_media for insert to authenticated
  with check ((select private.current_user_can_act()) and group_id in (select private.managed_group_ids()));

create policy "Institution owners and admins can take media off its page"
  on public.institution_media for delete to authenticated
  using ((select private.current_user_can_act()) and group_id in (select private.managed_group_ids()));
