-- Who may do what with comments: read exactly when the post is readable (and no block stands between
-- the reader and the comment's author); write as oneself with a confirmed email; delete one's own, or
-- any under one's post or under a post of a group one owns or administers.

create policy "Anyone can read comments on posts they can see"
  on public.comments for select to anon
  using (removed_at is null and private.can_see_post_id(post_id));

create policy "Users read comments on posts they see; blocks spare moderators"
  on public.comments for select to authenticated
  using (
    (author_id not in (select private.blocked_by_or_blocking_me()) or private.can_moderate_post(post_id))
    and (removed_at is null or author_id = (select auth.uid()))
    and private.can_see_post_id(post_id)
  );

create policy "Confirmed users can comment as themselves"
  on public.comments for insert to authenticated
  with check (author_id = (select auth.uid()) and (select private.current_user_can_act()));

create policy "Authors can edit their own live comments"
  on public.comments for update to authenticated
  using (author_id = (select auth.uid()) and deleted_at is null and (select private.current_user_can_act()))
  with check (author_id = (select auth.uid()));

create policy "Authors, post authors and group admins can delete comments"
  on public.comments for delete to authenticated
  using (
    (select private.current_user_can_act())
    and (author_id = (select auth.uid()) or private.can_moderate_post(post_id))
  );
