-- Who may see trust-and-safety data. Reports: their reporter, and platform moderators and admins
-- (never reports about themselves); the reported person never. The log: platform moderators and
-- admins, a group's owners and admins for their group, and the user concerned for their own
-- sanctions (no dismissals: being reported is not a sanction). Suspensions, bans and appeals: the
-- user concerned and the people who handle them. Nobody writes any of it directly but a report:
-- actions go through moderate(), appeals through appeal() and decide_appeal() (sql/75_moderation.sql).

create policy "Reporters read their own reports and moderators others'"
  on public.reports for select to authenticated
  using (
    reporter_id = (select auth.uid())
    or ((select private.is_platform_moderator()) and target_user_id is distinct from (select auth.uid()))
  );

create policy "Confirmed users can report as themselves"
  on public.reports for insert to authenticated
  with check (reporter_id = (select auth.uid()) and (select private.current_user_can_act()));

create policy "Handlers and the sanctioned user can read the moderation log"
  on public.moderation_log for select to authenticated
  using (
    (select private.is_platform_moderator())
    or group_id in (select private.handled_group_ids())
    or (
      target_user_id = (select auth.uid())
      and action not in ('dismiss', 'approve_institution', 'reject_institution')
    )
  );

create policy "Users read their own suspension and moderators all"
  on public.suspensions for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_platform_moderator()));

create policy "Banned users, group managers and moderators can read group bans"
  on public.group_bans for select to authenticated
  using (
    user_id = (select auth.uid())
    or group_id in (select private.handled_group_ids())
    or (select private.is_platform_moderator())
  );

create policy "Users read their own appeals and moderators all"
  on public.appeals for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_platform_moderator()));
