-- Notifications belong to their recipient. Their Realtime topic: policies/80_storage_and_realtime.sql.

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
