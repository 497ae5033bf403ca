-- Bookmarks are their owner's alone: read (while the post stays visible), made and removed by the owner.

create policy "Users can read their own bookmarks of posts they can see"
  on public.bookmarks for select to authenticated
  using (user_id = (select auth.uid()) and private.can_see_post_id(post_id));

create policy "Confirmed users can bookmark for themselves"
  on public.bookmarks for insert to authenticated
  with check (user_id = (select auth.uid()) and (select private.current_user_can_act()));

create policy "Users can remove their own bookmarks"
  on public.bookmarks for delete to authenticated
  using (user_id = (select auth.uid()));
