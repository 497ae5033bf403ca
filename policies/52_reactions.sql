-- Who may do what with reactions: read with their target (never across a block with the reacting
-- user); write, change and remove one's own, with a confirmed email.

create policy "Anyone can read reactions on posts and comments they can see"
  on public.reactions for select to anon
  using (case when post_id is not null then private.can_see_post_id(post_id) else private.can_see_comment(comment_id) end);

create policy "Users can read visible reactions from unblocked users"
  on public.reactions for select to authenticated
  using (
    user_id not in (select private.blocked_by_or_blocking_me())
    and case when post_id is not null then private.can_see_post_id(post_id) else private.can_see_comment(comment_id) end
  );

create policy "Confirmed users can react as themselves"
  on public.reactions for insert to authenticated
  with check (user_id = (select auth.uid()) and (select private.current_user_can_act()));

create policy "Users can change the kind of their own reactions"
  on public.reactions for update to authenticated
  using (user_id = (select auth.uid()) and (select private.current_user_can_act()))
  with check (user_id = (select auth.uid()));

create policy "Users can remove their own reactions"
  on public.reactions for delete to authenticated
  using (user_id = (select auth.uid()) and (select private.current_user_can_act()));
