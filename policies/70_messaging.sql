-- Who may do what with direct messages. Participants read their conversations, their own side of
-- each, and the messages; a block hides all of it from both sides while it stands. Conversations and
-- participants' state change through the messaging RPCs only; messages are sent and edited through
-- the table (sender = caller, column grants), deleted through delete_message.

create policy "Participants can read their conversations unless blocked"
  on public.conversations for select to authenticated
  using (
    (user_low = (select auth.uid()) or user_high = (select auth.uid()))
    and user_low not in (select private.blocked_by_or_blocking_me())
    and user_high not in (select private.blocked_by_or_blocking_me())
  );

create policy "Participants can read their own side unless blocked"
  on public.conversation_participants for select to authenticated
  using (
    user_id = (select auth.uid())
    and other_user_id not in (select private.blocked_by_or_blocking_me())
  );

create policy "Participants can read the messages of their conversations"
  on public.messages for select to authenticated
  using (
    conversation_id in (select private.my_conversation_ids())
    and (removed_at is null or sender_id = (select auth.uid()))
  );

create policy "Confirmed participants can send messages as themselves"
  on public.messages for insert to authenticated
  with check (
    sender_id = (select auth.uid())
    and (select private.current_user_can_act())
    and conversation_id in (select private.my_conversation_ids())
  );

create policy "Confirmed senders can edit their own messages"
  on public.messages for update to authenticated
  using (
    sender_id = (select auth.uid())
    and (select private.current_user_can_act())
    and conversation_id in (select private.my_conversation_ids())
  )
  with check (sender_id = (select auth.uid()));
