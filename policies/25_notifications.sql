-- Notifications belong to their recipient; Realtime topics are authorized by one predicate.
-- Realtime policies judge the row as well as the session: a row is readable or writable only when its
-- own topic is the topic being authorized (realtime.topic()), so a session that sets its topic to one
-- it may use cannot read or write the rows of any other topic.

create policy "Users can read their own notifications"
  on public.notifications for select to authenticated
  using (recipient_id = (select auth.uid()));

create policy "Users can mark their own notifications read"
  on public.notifications for update to authenticated
  using (recipient_id = (select auth.uid()))
  with check (recipient_id = (select auth.uid()));

create policy "Users can dismiss their own notifications"
  on public.notifications for delete to authenticated
  using (recipient_id = (select auth.uid()));

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
