-- Who may do what with events and RSVPs: events are read exactly when their post is and written by
-- the database only; RSVPs are read with their event (never across a block) and written by their user.

create policy "Anyone can read events of posts they can see"
  on public.events for select to anon, authenticated
  using (private.can_see_post_id(post_id));

create policy "Users can read RSVPs to visible events from unblocked users"
  on public.event_rsvps for select to authenticated
  using (
    user_id = (select auth.uid())
    or (user_id not in (select private.blocked_by_or_blocking_me()) and private.can_see_event(event_id))
  );

create policy "Confirmed users can answer events as themselves"
  on public.event_rsvps for insert to authenticated
  with check (user_id = (select auth.uid()) and (select private.current_user_can_act()));

create policy "Users can change their own answers"
  on public.event_rsvps for update to authenticated
  using (user_id = (select auth.uid()) and (select private.current_user_can_act()))
  with check (user_id = (select auth.uid()));

create policy "Users can withdraw their own answers"
  on public.event_rsvps for delete to authenticated
  using (user_id = (select auth.uid()) and (select private.current_user_can_act()));
