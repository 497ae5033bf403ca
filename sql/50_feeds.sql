-- Feeds: the home feed materialized in a per-user inbox (fanned out on write), group and profile feeds.
-- Objects: private.feed_settings, private.feed_inbox, private.feed_inbox_state,
-- private.feed_big_authors, private.feed_big_groups, private.feed_queue; the fan-out, queue drain,
-- backfill and cleanup triggers; the read-time pull query (private.pull_feed_ids); public.home_feed,
-- public.group_feed, public.profile_feed.
-- Caveats (docs/feeds.md, docs/decisions/0003-home-feed-inbox-with-read-time-checks.md):
--  * The inbox holds ids only. Every row is re-checked at read time (source still followed or joined,
--    post still visible, author not muted, no block), so privacy changes, unfollows, blocks and mutes
--    are right at once; the triggers only add rows (fan-out, backfill) and tidy up.
--  * Authors with more than feed_settings.queue_threshold followers are fanned out asynchronously:
--    their posts wait in private.feed_queue until private.drain_feed_queue (a pg_cron job every second)
--    delivers them; until then every home-feed read takes them from the queue, so the feed is right at
--    once. Groups above the threshold are never fanned out: a big group posts too often to copy every
--    post to every member, so home-feed reads merge the big groups the reader is in at read time.
--    Decision 0003 has the measurements of both options.
--  * The inbox of a user is complete for keys (created_at, post_id) above its horizon; trimming to
--    the cap and bounded backfills raise the horizon, and pages below it come from the pull query.
--  * The read functions run with plan_cache_mode = force_generic_plan: their statements are planned
--    once per connection instead of per call (custom plans of the pull query cost more to plan than
--    to run), so their bounds are plain values that the generic plan uses as index conditions.
--  * Feed functions are stable and read-only (GET-callable, replica-safe). The public functions are
--    security invoker; the private *_ids functions apply the posts select policy's rule set-wise (the
--    oracle tests prove equality with RLS) and *_page hydrates the rows.

create table private.feed_settings (
  id boolean not null default true,
  inbox_cap integer not null default 800,
  backfill_size integer not null default 200,
  queue_threshold integer not null default 2000,
  constraint feed_settings_pkey primary key (id),
  constraint feed_settings_one_row check (id),
  constraint feed_settings_positive check (inbox_cap > 0 and backfill_size > 0 and queue_threshold > 0)
);
insert into private.feed_settings default values;
comment on table private.feed_settings is 'One row: inbox_cap (entries kept per inbox), backfill_size (newest posts copied on a new follow or join), queue_threshold (accepted followers above which an author''s posts are fanned out by the queue drain instead of in the posting transaction; members plus followers above which a group''s posts are merged into home feeds at read time instead of fanned out).';

create table private.feed_inbox (
  user_id uuid not null,
  created_at timestamptz not null,
  post_id uuid not null,
  constraint feed_inbox_pkey primary key (user_id, created_at, post_id)
);
comment on table private.feed_inbox is 'Home-feed candidates per reader, ids only, newest first by (created_at, post_id). No foreign keys: a deleted post drops out at read time and its rows age out with the cap.';

create table private.feed_inbox_state (
  user_id uuid not null,
  horizon_at timestamptz not null,
  horizon_id uuid not null,
  constraint feed_inbox_state_pkey primary key (user_id)
);
comment on table private.feed_inbox_state is 'Where a reader''s inbox stops being complete: it holds every candidate with (created_at, post_id) >= (horizon_at, horizon_id). No row: complete. Older pages come from the pull query.';

create table private.feed_big_authors (
  author_id uuid not null,
  created_at timestamptz not null default now(),
  constraint feed_big_authors_pkey primary key (author_id)
);
comment on table private.feed_big_authors is 'Authors whose profile posts are fanned out by the queue drain, not in the posting transaction (flagged once their followers exceed queue_threshold; sticky).';

create table private.feed_big_groups (
  group_id uuid not null,
  created_at timestamptz not null default now(),
  constraint feed_big_groups_pkey primary key (group_id)
);
comment on table private.feed_big_groups is 'Groups whose posts are never fanned out but merged into their members'' and followers'' home feeds at read time (members plus followers above queue_threshold; sticky).';

create table private.feed_queue (
  post_id uuid not null,
  author_id uuid not null,
  group_id uuid,
  created_at timestamptz not null,
  enqueued_at timestamptz not null default clock_timestamp(),
  constraint feed_queue_pkey primary key (post_id),
  constraint feed_queue_post_id_fkey foreign key (post_id) references public.posts (id) on delete cascade
);
comment on table private.feed_queue is 'Posts of big authors waiting for their fan-out (private.drain_feed_queue). Home-feed reads take candidates from here too, so a queued post is in its readers'' feeds at once. Normally a handful of rows; a growing queue means the drain job is not running (docs/operations.md).';
-- the read merges the queue in feed order; the drain takes the oldest first
create index feed_queue_created_idx on private.feed_queue (created_at desc, post_id desc);
create index feed_queue_enqueued_idx on private.feed_queue (enqueued_at, post_id);

-- Profile pages and the pull query read a user's profile posts without their group posts.
create index posts_author_profile_created_idx on public.posts (author_id, created_at desc, id desc) where group_id is null;

-- Cursors -------------------------------------------------------------------------------------------

create function private.parse_feed_cursor(cursor text, out at timestamptz, out id uuid)
language plpgsql
immutable
set search_path = ''
as $$
declare
  raw text;
  padded text;
begin
  if parse_feed_cursor.cursor is null then
    at := 'infinity'::timestamptz;
    id := 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid;
    return;
  end if;
  begin
    padded := translate(parse_feed_cursor.cursor, '-_', '+/');
    padded := padded || repeat('=', (4 - length(padded) % 4) % 4);
    raw := convert_from(decode(padded, 'base64'), 'UTF8');
    at := 'epoch'::timestamptz + split_part(raw, ':', 1)::bigint * interval '1 microsecond';
    id := split_part(raw, ':', 2)::uuid;
  exception when others then
    raise exception 'cursor is not valid' using errcode = '22023', hint = 'Pass the cursor of the last row of the previous page, or null for the first page.';
  end;
  if at is null or id is null then
    raise exception 'cursor is not valid' using errcode = '22023', hint = 'Pass the cursor of the last row of the previous page, or null for the first page.';
  end if;
end
$$;
comment on function private.parse_feed_cursor(text) is 'Decodes a feed cursor (null: before everything); 22023 when it is not one.';

create function private.check_page_size(page_size integer)
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  if check_page_size.page_size is null or check_page_size.page_size < 1 or check_page_size.page_size > 100 then
    raise exception 'page_size must be between 1 and 100' using errcode = '22023';
  end if;
  return check_page_size.page_size;
end
$$;
comment on function private.check_page_size(integer) is 'page_size must be 1–100 (22023 otherwise).';

create function private.require_feed_reader(me uuid)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  -- API roles read only as themselves; the owner (benchmarks, jobs) may name any reader.
  if current_setting('request.jwt.claims', true) is not null and current_setting('request.jwt.claims', true) <> ''
    and require_feed_reader.me is distinct from (select auth.uid()) then
    raise exception 'a feed is read as the caller' using errcode = '42501';
  end if;
end
$$;
comment on function private.require_feed_reader(uuid) is 'Refuses (42501) a feed read for a user other than the caller when the request carries JWT claims.';

-- The read-time pull query (fan-out on read) ------------------------------------------------------
-- The home feed of `me` strictly below (before_at, before_id) and at or above (after_at, after_id):
-- top-n per source (own posts, accepted followees' profile posts, followed or joined groups), filtered
-- per row before the limit, merged. With only_big_groups, just the big groups' posts (the read-time
-- merge of the home feed).

create function private.pull_feed_ids(
  me uuid, before_at timestamptz, before_id uuid, after_at timestamptz, after_id uuid, n integer,
  only_big_groups boolean default false
)
returns table (post_id uuid, created_at timestamptz)
rows 20
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
declare
  -- the lower bound as plain values, so the generic plan keeps it as an index condition
  low_at timestamptz := coalesce(pull_feed_ids.after_at, '-infinity');
  low_id uuid := coalesce(pull_feed_ids.after_id, '00000000-0000-0000-0000-000000000000');
begin
  return query
  with followees as (
    select f.followee_id as author_id
    from public.follows f
    where not pull_feed_ids.only_big_groups and f.follower_id = pull_feed_ids.me and f.status = 'accepted'
      and not exists (
        select from public.mutes m
        where m.muter_id = pull_feed_ids.me and m.muted_id = f.followee_id and (m.expires_at is null or m.expires_at > now())
      )
      and not exists (
        select from public.blocks b
        where (b.blocker_id = pull_feed_ids.me and b.blocked_id = f.followee_id)
           or (b.blocker_id = f.followee_id and b.blocked_id = pull_feed_ids.me)
      )
  ),
  my_groups as (
    select g.id as group_id
    from public.groups g
    where g.status = 'active'
      and (
        exists (
          select from public.group_members gm
          where gm.group_id = g.id and gm.user_id = pull_feed_ids.me and gm.status = 'active'
        )
        or (
          g.visibility = 'public'
          and exists (select from public.group_follows gf where gf.group_id = g.id and gf.user_id = pull_feed_ids.me)
        )
      )
      and g.id in (
        select gm.group_id from public.group_members gm where gm.user_id = pull_feed_ids.me and gm.status = 'active'
        union
        select gf.group_id from public.group_follows gf where gf.user_id = pull_feed_ids.me
      )
      and (not pull_feed_ids.only_big_groups or g.id in (select bg.group_id from private.feed_big_groups bg))
  ),
  candidates as (
    select own.id, own.created_at
    from (
      select p.id, p.created_at from public.posts p
      where not pull_feed_ids.only_big_groups and p.author_id = pull_feed_ids.me
        and (p.created_at, p.id) < (pull_feed_ids.before_at, pull_feed_ids.before_id)
        and (p.created_at, p.id) >= (low_at, low_id)
      order by p.created_at desc, p.id desc
      limit pull_feed_ids.n
    ) own
    union all
    select fp.id, fp.created_at
    from followees fe
    cross join lateral (
      select p.id, p.created_at from public.posts p
      where p.author_id = fe.author_id and p.group_id is null
        and (p.created_at, p.id) < (pull_feed_ids.before_at, pull_feed_ids.before_id)
        and (p.created_at, p.id) >= (low_at, low_id)
      order by p.created_at desc, p.id desc
      limit pull_feed_ids.n
    ) fp
    union all
    select gp.id, gp.created_at
    from my_groups mg
    cross join lateral (
      select p.id, p.created_at from public.posts p
      where p.group_id = mg.group_id
        and (p.created_at, p.id) < (pull_feed_ids.before_at, pull_feed_ids.before_id)
        and (p.created_at, p.id) >= (low_at, low_id)
        and p.author_id <> pull_feed_ids.me
        and not exists (
          select from public.mutes m
          where m.muter_id = pull_feed_ids.me and m.muted_id = p.author_id and (m.expires_at is null or m.expires_at > now())
        )
        and not exists (
          select from public.blocks b
          where (b.blocker_id = pull_feed_ids.me and b.blocked_id = p.author_id)
             or (b.blocker_id = p.author_id and b.blocked_id = pull_feed_ids.me)
        )
      order by p.created_at desc, p.id desc
      limit pull_feed_ids.n
    ) gp
  )
  select distinct c.id, c.created_at
  from candidates c
  order by c.created_at desc, c.id desc
  limit pull_feed_ids.n;
end
$$;
comment on function private.pull_feed_ids(uuid, timestamptz, uuid, timestamptz, uuid, integer, boolean) is 'The home feed of a user computed at read time (fan-out on read) between two keys: the pages below the inbox horizon, and (only_big_groups) the big groups'' posts merged above it. Also the benchmark''s fan-out-on-read baseline.';

-- The home feed: inbox (+ queued posts) above the horizon, pull query below ----------------------------

create function private.home_feed_ids(me uuid, before_at timestamptz, before_id uuid, n integer)
returns table (post_id uuid, created_at timestamptz)
rows 20
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  h_at timestamptz;
  h_id uuid;
  got integer := 0;
  in_big_groups boolean;
begin
  perform private.require_feed_reader(home_feed_ids.me);
  if home_feed_ids.me is null then
    return;
  end if;
  select s.horizon_at, s.horizon_id into h_at, h_id from private.feed_inbox_state s where s.user_id = home_feed_ids.me;
  if h_at is null or (home_feed_ids.before_at, home_feed_ids.before_id) > (h_at, h_id) then
    -- is the reader in (or following) a big group, whose posts are merged here rather than fanned out?
    -- (only above the horizon: below it the pull query covers every source)
    in_big_groups := exists (
      select from private.feed_big_groups bg
      where exists (select from public.group_follows gf where gf.user_id = home_feed_ids.me and gf.group_id = bg.group_id)
         or exists (
           select from public.group_members gm
           where gm.group_id = bg.group_id and gm.user_id = home_feed_ids.me and gm.status = 'active'
         )
    );
    -- Three candidate sources, each filtered by the same per-row rule (the posts select policy's, with
    -- the home feed's sources) before its limit: the reader's inbox, read in feed order from its
    -- primary key and stopping after n visible rows; the posts still waiting in the queue (any
    -- reader's; normally a handful); and the big groups' posts (the pull query's). Separate
    -- branches, so the inbox keeps its streaming plan; the oracle tests hold all three to the RLS
    -- oracle (tiny thresholds put most posts in the queue and most groups at read time).
    return query
      select u.post_id, u.created_at
      from (
        (
          select i.post_id, i.created_at
          from private.feed_inbox i
          join public.posts p on p.id = i.post_id
          where i.user_id = home_feed_ids.me
            and (i.created_at, i.post_id) < (home_feed_ids.before_at, home_feed_ids.before_id)
            and (i.created_at, i.post_id) >= (coalesce(h_at, '-infinity'), coalesce(h_id, '00000000-0000-0000-0000-000000000000'))
            and (p.author_id = home_feed_ids.me
            or (
              not exists (
                select from public.mutes m
                where m.muter_id = home_feed_ids.me and m.muted_id = p.author_id and (m.expires_at is null or m.expires_at > now())
              )
              and not exists (
                select from public.blocks b
                where (b.blocker_id = home_feed_ids.me and b.blocked_id = p.author_id)
                   or (b.blocker_id = p.author_id and b.blocked_id = home_feed_ids.me)
              )
              and (
                (
                  p.group_id is null
                  and exists (
                    select from public.follows f
                    where f.follower_id = home_feed_ids.me and f.followee_id = p.author_id and f.status = 'accepted'
                  )
                )
                or (
                  p.group_id is not null
                  and exists (
                    select from public.groups g
                    where g.id = p.group_id and g.status = 'active'
                      and (
                        exists (
                          select from public.group_members gm
                          where gm.group_id = g.id and gm.user_id = home_feed_ids.me and gm.status = 'active'
                        )
                        or (
                          g.visibility = 'public'
                          and exists (select from public.group_follows gf where gf.group_id = g.id and gf.user_id = home_feed_ids.me)
                        )
                      )
                  )
                )
              )
            )
          )
          order by i.created_at desc, i.post_id desc
          limit home_feed_ids.n
        )
        union all
        (
          select q.post_id, q.created_at
          from private.feed_queue q
          join public.posts p on p.id = q.post_id
          where (q.created_at, q.post_id) < (home_feed_ids.before_at, home_feed_ids.before_id)
            and (q.created_at, q.post_id) >= (coalesce(h_at, '-infinity'), coalesce(h_id, '00000000-0000-0000-0000-000000000000'))
            -- not when already in this inbox (the author's own row, or copied by a backfill)
            and not exists (
              select from private.feed_inbox i
              where i.user_id = home_feed_ids.me and i.created_at = q.created_at and i.post_id = q.post_id
            )
            and (p.author_id = home_feed_ids.me
            or (
              not exists (
                select from public.mutes m
                where m.muter_id = home_feed_ids.me and m.muted_id = p.author_id and (m.expires_at is null or m.expires_at > now())
              )
              and not exists (
                select from public.blocks b
                where (b.blocker_id = home_feed_ids.me and b.blocked_id = p.author_id)
                   or (b.blocker_id = p.author_id and b.blocked_id = home_feed_ids.me)
              )
              and (
                (
                  p.group_id is null
                  and exists (
                    select from public.follows f
                    where f.follower_id = home_feed_ids.me and f.followee_id = p.author_id and f.status = 'accepted'
                  )
                )
                or (
                  p.group_id is not null
                  and exists (
                    select from public.groups g
                    where g.id = p.group_id and g.status = 'active'
                      and (
                        exists (
                          select from public.group_members gm
                          where gm.group_id = g.id and gm.user_id = home_feed_ids.me and gm.status = 'active'
                        )
                        or (
                          g.visibility = 'public'
                          and exists (select from public.group_follows gf where gf.group_id = g.id and gf.user_id = home_feed_ids.me)
                        )
                      )
                  )
                )
              )
            )
          )
          order by q.created_at desc, q.post_id desc
          limit home_feed_ids.n
        )
        -- union, not union all: a big group's post can also sit in an inbox (fanned out before the group
        -- grew big); each branch is limited, so the dedupe is over at most 3n rows
        union
        (
          select bg.post_id, bg.created_at
          from private.pull_feed_ids(home_feed_ids.me, home_feed_ids.before_at, home_feed_ids.before_id, h_at, h_id,
            home_feed_ids.n, true) bg
          where in_big_groups
        )
      ) u
      order by u.created_at desc, u.post_id desc
      limit home_feed_ids.n;
    get diagnostics got = row_count;
    if got >= home_feed_ids.n or h_at is null then
      return;
    end if;
    -- the inbox is exhausted: continue strictly below the horizon
    return query
      select pp.post_id, pp.created_at
      from private.pull_feed_ids(home_feed_ids.me, h_at, h_id, null, null, home_feed_ids.n - got, false) pp;
    return;
  end if;
  return query
    select pp.post_id, pp.created_at
    from private.pull_feed_ids(home_feed_ids.me, home_feed_ids.before_at, home_feed_ids.before_id, null, null, home_feed_ids.n, false) pp;
end
$$;
comment on function private.home_feed_ids(uuid, timestamptz, uuid, integer) is 'The ids of a home-feed page: the inbox, the queued posts of big authors and the posts of big groups above the horizon (re-checked per row), then the pull query below the horizon.';

-- Write side: fan-out, backfill, trimming, tidying -------------------------------------------------

create function private.trim_feed_inbox(reader uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  cap integer := (select s.inbox_cap from private.feed_settings s);
  k_at timestamptz;
  k_id uuid;
begin
  select i.created_at, i.post_id into k_at, k_id
  from private.feed_inbox i
  where i.user_id = trim_feed_inbox.reader
  order by i.created_at desc, i.post_id desc
  offset cap - 1 limit 1;
  if k_at is null then
    return;
  end if;
  delete from private.feed_inbox i
  where i.user_id = trim_feed_inbox.reader and (i.created_at, i.post_id) < (k_at, k_id);
  if found then
    perform private.raise_feed_horizon(trim_feed_inbox.reader, k_at, k_id);
  end if;
end
$$;
comment on function private.trim_feed_inbox(uuid) is 'Keeps the newest inbox_cap entries of a reader''s inbox and raises its horizon to the oldest one kept.';

create function private.raise_feed_horizon(reader uuid, at timestamptz, id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.feed_inbox_state as s (user_id, horizon_at, horizon_id)
  values (raise_feed_horizon.reader, raise_feed_horizon.at, raise_feed_horizon.id)
  on conflict (user_id) do update
    set horizon_at = excluded.horizon_at, horizon_id = excluded.horizon_id
    where (s.horizon_at, s.horizon_id) < (excluded.horizon_at, excluded.horizon_id);
end
$$;
comment on function private.raise_feed_horizon(uuid, timestamptz, uuid) is 'Moves a reader''s inbox horizon up (never down): from there down, pages come from the pull query.';

create function private.feed_backfill(reader uuid, author uuid, target_group uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  n integer := (select s.backfill_size from private.feed_settings s);
  h_at timestamptz;
  h_id uuid;
  added integer;
  k_at timestamptz;
  k_id uuid;
begin
  if feed_backfill.target_group is not null and exists (select from private.feed_big_groups bg where bg.group_id = feed_backfill.target_group) then
    return; -- merged at read time
  end if;
  select s.horizon_at, s.horizon_id into h_at, h_id from private.feed_inbox_state s where s.user_id = feed_backfill.reader;
  with newest as (
    select p.created_at, p.id
    from public.posts p
    where ((feed_backfill.target_group is null and p.author_id = feed_backfill.author and p.group_id is null)
        or (feed_backfill.target_group is not null and p.group_id = feed_backfill.target_group))
      and (h_at is null or (p.created_at, p.id) >= (h_at, h_id))
    order by p.created_at desc, p.id desc
    limit n + 1
  ), ins as (
    insert into private.feed_inbox (user_id, created_at, post_id)
    select feed_backfill.reader, nw.created_at, nw.id
    from (select * from newest order by created_at desc, id desc limit n) nw
    on conflict do nothing
    returning 1
  )
  select count(*) into added from ins;
  -- More posts than the backfill copies: the inbox is complete only down to the n-th of them.
  select nw.created_at, nw.id into k_at, k_id
  from (
    select p.created_at, p.id from public.posts p
    where ((feed_backfill.target_group is null and p.author_id = feed_backfill.author and p.group_id is null)
        or (feed_backfill.target_group is not null and p.group_id = feed_backfill.target_group))
      and (h_at is null or (p.created_at, p.id) >= (h_at, h_id))
    order by p.created_at desc, p.id desc
    offset n limit 1
  ) nw;
  if k_at is not null then
    select p.created_at, p.id into k_at, k_id
    from public.posts p
    where ((feed_backfill.target_group is null and p.author_id = feed_backfill.author and p.group_id is null)
        or (feed_backfill.target_group is not null and p.group_id = feed_backfill.target_group))
    order by p.created_at desc, p.id desc
    offset n - 1 limit 1;
    perform private.raise_feed_horizon(feed_backfill.reader, k_at, k_id);
  end if;
  if added > 0 and (select count(*) from (select from private.feed_inbox i where i.user_id = feed_backfill.reader limit (select s.inbox_cap + 1 from private.feed_settings s)) c)
      > (select s.inbox_cap from private.feed_settings s) then
    perform private.trim_feed_inbox(feed_backfill.reader);
  end if;
end
$$;
comment on function private.feed_backfill(uuid, uuid, uuid) is 'Copies the newest backfill_size posts of a new source (an author''s profile posts, or a group''s posts) into a reader''s inbox; when the source has more, raises the horizon so that older pages come from the pull query.';

create function private.feed_deliver_post(post_id uuid, author_id uuid, group_id uuid, created_at timestamptz)
returns integer
language plpgsql
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  to_trim uuid[];
  delivered integer;
  reader uuid;
begin
  with recipients as (
    select f.follower_id as user_id
    from public.follows f
    where feed_deliver_post.group_id is null and f.followee_id = feed_deliver_post.author_id and f.status = 'accepted'
    union
    select gm.user_id
    from public.group_members gm
    where feed_deliver_post.group_id is not null and gm.group_id = feed_deliver_post.group_id and gm.status = 'active'
      and gm.user_id <> feed_deliver_post.author_id
    union
    select gf.user_id
    from public.group_follows gf
    where feed_deliver_post.group_id is not null and gf.group_id = feed_deliver_post.group_id
      and gf.user_id <> feed_deliver_post.author_id
  ), ins as (
    insert into private.feed_inbox (user_id, created_at, post_id)
    select r.user_id, feed_deliver_post.created_at, feed_deliver_post.post_id
    from recipients r
    on conflict do nothing
    returning user_id
  )
  select count(*), array_agg(ins.user_id) filter (where random() < 1.0 / 64) into delivered, to_trim from ins;
  if to_trim is not null then
    foreach reader in array to_trim loop
      perform private.trim_feed_inbox(reader);
    end loop;
  end if;
  return delivered;
end
$$;
comment on function private.feed_deliver_post(uuid, uuid, uuid, timestamptz) is 'Fan-out of one post: into the inboxes of the author''s accepted followers (a profile post) or of the group''s active members and followers (a group post): called by the fan-out trigger for ordinary sources and by the queue drain for big ones. About one recipient in 64, at random, has its inbox trimmed to the cap (amortized trimming). Returns how many inboxes received it.';

create function private.feed_fan_out_post()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  threshold integer := (select s.queue_threshold from private.feed_settings s);
  big_author boolean := false;
  big_group boolean := false;
begin
  insert into private.feed_inbox (user_id, created_at, post_id)
  values (new.author_id, new.created_at, new.id)
  on conflict do nothing;
  -- Serialize with follows, joins and group follows of this source (they update the same row's
  -- counters): either the fan-out sees the new follower or the follower's backfill sees this post.
  -- The author's row is locked for no key update, as posts_count locks it so (no lock upgrade).
  if new.group_id is null then
    perform from public.profiles pr where pr.id = new.author_id for no key update;
    big_author := exists (select from private.feed_big_authors ba where ba.author_id = new.author_id);
    if not big_author and (select pr.followers_count from public.profiles pr where pr.id = new.author_id) > threshold then
      insert into private.feed_big_authors (author_id) values (new.author_id) on conflict do nothing;
      big_author := true;
    end if;
  else
    perform from public.groups g where g.id = new.group_id for share;
    big_group := exists (select from private.feed_big_groups bg where bg.group_id = new.group_id);
    if not big_group and (select g.member_count + g.follower_count from public.groups g where g.id = new.group_id) > threshold then
      insert into private.feed_big_groups (group_id) values (new.group_id) on conflict do nothing;
      big_group := true;
    end if;
  end if;
  if big_group then
    return null; -- merged into its readers' home feeds at read time
  elsif big_author then
    insert into private.feed_queue (post_id, author_id, group_id, created_at)
    values (new.id, new.author_id, new.group_id, new.created_at);
  else
    perform private.feed_deliver_post(new.id, new.author_id, new.group_id, new.created_at);
  end if;
  return null;
end
$$;
comment on function private.feed_fan_out_post() is 'Trigger after insert on posts: the post enters its author''s inbox and is delivered to its readers by private.feed_deliver_post; a big author''s post is queued for private.drain_feed_queue instead, and a big group''s post is left to the read-time merge.';

create function private.drain_feed_queue(max_posts integer default 10)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  q record;
  drained integer := 0;
begin
  -- Oldest first; SKIP LOCKED lets several drains run side by side. Delivery and dequeue commit
  -- together, so a reader finds the post in the queue or in the inboxes, never in neither.
  for q in
    select fq.post_id, fq.author_id, fq.group_id, fq.created_at
    from private.feed_queue fq
    order by fq.enqueued_at, fq.post_id
    limit drain_feed_queue.max_posts
    for update skip locked
  loop
    perform private.feed_deliver_post(q.post_id, q.author_id, q.group_id, q.created_at);
    delete from private.feed_queue fq where fq.post_id = q.post_id;
    drained := drained + 1;
  end loop;
  return drained;
end
$$;
comment on function private.drain_feed_queue(integer) is 'Delivers up to max_posts queued posts of big sources to their readers'' inboxes and dequeues them; returns how many. Run by the feed-queue-drain pg_cron job every second (docs/operations.md), or by hand.';

create trigger posts_feed_fan_out
  after insert on public.posts
  for each row execute function private.feed_fan_out_post();

create function private.trim_feed_inboxes(max_readers integer default 1000)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  cap integer := (select s.inbox_cap from private.feed_settings s);
  reader uuid;
  trimmed integer := 0;
begin
  for reader in
    select i.user_id from private.feed_inbox i group by i.user_id having count(*) > cap limit trim_feed_inboxes.max_readers
  loop
    perform private.trim_feed_inbox(reader);
    trimmed := trimmed + 1;
  end loop;
  return trimmed;
end
$$;
comment on function private.trim_feed_inboxes(integer) is 'Maintenance (after a bulk load, or from pg_cron): trims every inbox grown past inbox_cap. Fan-out trims as it goes; this sweeps the rest. Returns how many it trimmed.';

create function private.feed_on_follow()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    if old.status = 'accepted' then
      delete from private.feed_inbox i
      using public.posts p
      where i.user_id = old.follower_id and p.id = i.post_id and p.author_id = old.followee_id and p.group_id is null;
    end if;
    return null;
  end if;
  if new.status = 'accepted' and (tg_op = 'INSERT' or old.status <> 'accepted') then
    perform private.feed_backfill(new.follower_id, new.followee_id, null);
  end if;
  return null;
end
$$;
comment on function private.feed_on_follow() is 'Trigger after a follow is accepted (backfill the followee''s newest profile posts) or ends (drop them from the inbox; reads re-check anyway).';

create trigger follows_feed
  after insert or update of status or delete on public.follows
  for each row execute function private.feed_on_follow();

create function private.feed_on_group_source()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  reader uuid;
  target uuid;
  was boolean;
  now_source boolean;
begin
  if tg_table_name = 'group_follows' then
    was := tg_op = 'DELETE';
    now_source := tg_op = 'INSERT';
  else
    was := tg_op <> 'INSERT' and old.status = 'active';
    now_source := tg_op <> 'DELETE' and new.status = 'active';
  end if;
  if tg_op = 'DELETE' then
    reader := old.user_id;
    target := old.group_id;
  else
    reader := new.user_id;
    target := new.group_id;
  end if;
  if now_source and not was then
    perform private.feed_backfill(reader, null, target);
  elsif was and not now_source
    and not exists (select from public.group_members gm where gm.group_id = target and gm.user_id = reader and gm.status = 'active')
    and not exists (select from public.group_follows gf where gf.group_id = target and gf.user_id = reader) then
    delete from private.feed_inbox i
    using public.posts p
    where i.user_id = reader and p.id = i.post_id and p.group_id = target and p.author_id <> reader;
  end if;
  return null;
end
$$;
comment on function private.feed_on_group_source() is 'Trigger after a membership becomes or stops being active, or a group follow starts or ends: backfill the group''s newest posts, or drop them when no other link remains (reads re-check anyway).';

create trigger group_members_feed
  after insert or update of status or delete on public.group_members
  for each row execute function private.feed_on_group_source();

create trigger group_follows_feed
  after insert or delete on public.group_follows
  for each row execute function private.feed_on_group_source();

-- Group and profile feeds ---------------------------------------------------------------------------

create function private.group_feed_ids(me uuid, target_group uuid, before_at timestamptz, before_id uuid, n integer)
returns table (post_id uuid, created_at timestamptz)
rows 20
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  perform private.require_feed_reader(group_feed_ids.me);
  if not exists (
    select from public.groups g
    where g.id = group_feed_ids.target_group and g.status = 'active'
      and (
        g.visibility = 'public'
        or exists (
          select from public.group_members gm
          where gm.group_id = g.id and gm.user_id = group_feed_ids.me and gm.status = 'active'
        )
      )
  ) then
    return;
  end if;
  return query
    select p.id, p.created_at
    from public.posts p
    where p.group_id = group_feed_ids.target_group
      and (p.created_at, p.id) < (group_feed_ids.before_at, group_feed_ids.before_id)
      and (
        group_feed_ids.me is null
        or p.author_id = group_feed_ids.me
        or (
          not exists (
            select from public.mutes m
            where m.muter_id = group_feed_ids.me and m.muted_id = p.author_id and (m.expires_at is null or m.expires_at > now())
          )
          and not exists (
            select from public.blocks b
            where (b.blocker_id = group_feed_ids.me and b.blocked_id = p.author_id)
               or (b.blocker_id = p.author_id and b.blocked_id = group_feed_ids.me)
          )
        )
      )
    order by p.created_at desc, p.id desc
    limit group_feed_ids.n;
end
$$;
comment on function private.group_feed_ids(uuid, uuid, timestamptz, uuid, integer) is 'The ids of a group-feed page: nothing unless the group is active and public or the reader an active member; authors the reader mutes or is blocked with left out.';

create function private.profile_feed_ids(me uuid, target_user uuid, before_at timestamptz, before_id uuid, n integer)
returns table (post_id uuid, created_at timestamptz)
rows 20
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  perform private.require_feed_reader(profile_feed_ids.me);
  if profile_feed_ids.target_user is distinct from profile_feed_ids.me and not (
    exists (
      select from public.profiles pr
      where pr.id = profile_feed_ids.target_user
        and (
          not pr.is_private
          or exists (
            select from public.follows f
            where f.follower_id = profile_feed_ids.me and f.followee_id = pr.id and f.status = 'accepted'
          )
        )
    )
    and not exists (
      select from public.blocks b
      where (b.blocker_id = profile_feed_ids.me and b.blocked_id = profile_feed_ids.target_user)
         or (b.blocker_id = profile_feed_ids.target_user and b.blocked_id = profile_feed_ids.me)
    )
  ) then
    return;
  end if;
  return query
    select p.id, p.created_at
    from public.posts p
    where p.author_id = profile_feed_ids.target_user and p.group_id is null
      and (p.created_at, p.id) < (profile_feed_ids.before_at, profile_feed_ids.before_id)
    order by p.created_at desc, p.id desc
    limit profile_feed_ids.n;
end
$$;
comment on function private.profile_feed_ids(uuid, uuid, timestamptz, uuid, integer) is 'The ids of a profile-feed page (profile posts, not group posts): nothing across a block or for a private profile the reader does not follow.';

-- The API -------------------------------------------------------------------------------------------

create type public.feed_item as (
  post_id uuid,
  created_at timestamptz,
  cursor text,
  author_id uuid,
  group_id uuid,
  title text,
  content jsonb,
  edited_at timestamptz,
  comment_count integer,
  reaction_count integer,
  reaction_counts jsonb,
  author_card jsonb,
  group_card jsonb,
  my_reaction text,
  bookmarked boolean
);
comment on type public.feed_item is 'A feed row: the post, its keyset cursor (pass the last row''s to get the next page), the author card {id, display_name, avatar_path}, the group card {id, name, slug, kind, verified} or null, the counts, the caller''s reaction and whether the caller bookmarked it.';

create function private.feed_rows(me uuid, post_ids uuid[])
returns setof public.feed_item
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  return query
  -- The cursor (parse_feed_cursor decodes it): base64url of microseconds since the epoch and the
  -- post id. Built inline: a function call per row costs more than the rest of the row.
  select p.id, p.created_at,
    translate(encode(convert_to(((extract(epoch from p.created_at) * 1000000)::bigint)::text || ':' || p.id::text, 'UTF8'), 'base64'),
      E'+/=\n', '-_'),
    p.author_id, p.group_id, p.title, p.content,
    p.edited_at, p.comment_count, p.reaction_count, p.reaction_counts,
    jsonb_build_object('id', a.id, 'display_name', a.display_name, 'avatar_path', a.avatar_path),
    case when g.id is not null then jsonb_build_object('id', g.id, 'name', g.name, 'slug', g.slug, 'kind', g.kind, 'verified', g.verified) end,
    r.kind::text, bm.post_id is not null
  from public.posts p
  left join public.profiles a on a.id = p.author_id
  left join public.groups g on g.id = p.group_id
  left join public.reactions r on r.user_id = feed_rows.me and r.post_id = p.id
  left join public.bookmarks bm on bm.user_id = feed_rows.me and bm.post_id = p.id
  where p.id = any (feed_rows.post_ids)
  order by p.created_at desc, p.id desc;
end
$$;
comment on function private.feed_rows(uuid, uuid[]) is 'Hydrates the posts of a feed page (ids already filtered by the visibility rules) for a reader: author and group cards, counts, the reader''s reaction and bookmark; newest first.';

create function private.home_feed_page(me uuid, cursor text, page_size integer)
returns setof public.feed_item
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query select * from private.feed_rows(home_feed_page.me, array(
    select f.post_id from private.parse_feed_cursor(home_feed_page.cursor) c
    cross join lateral private.home_feed_ids(home_feed_page.me, c.at, c.id, private.check_page_size(home_feed_page.page_size)) f));
end
$$;
comment on function private.home_feed_page(uuid, text, integer) is 'The rows of public.home_feed for a reader: the ids of private.home_feed_ids (which applies the visibility rules, the same as the posts select policy), hydrated by private.feed_rows.';

create function private.group_feed_page(me uuid, group_id uuid, cursor text, page_size integer)
returns setof public.feed_item
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query select * from private.feed_rows(group_feed_page.me, array(
    select f.post_id from private.parse_feed_cursor(group_feed_page.cursor) c
    cross join lateral private.group_feed_ids(group_feed_page.me, group_feed_page.group_id, c.at, c.id,
      private.check_page_size(group_feed_page.page_size)) f));
end
$$;
comment on function private.group_feed_page(uuid, uuid, text, integer) is 'The rows of public.group_feed for a reader: the ids of private.group_feed_ids (which applies the visibility rules, the same as the posts select policy), hydrated by private.feed_rows.';

create function private.profile_feed_page(me uuid, user_id uuid, cursor text, page_size integer)
returns setof public.feed_item
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query select * from private.feed_rows(profile_feed_page.me, array(
    select f.post_id from private.parse_feed_cursor(profile_feed_page.cursor) c
    cross join lateral private.profile_feed_ids(profile_feed_page.me, profile_feed_page.user_id, c.at, c.id,
      private.check_page_size(profile_feed_page.page_size)) f));
end
$$;
comment on function private.profile_feed_page(uuid, uuid, text, integer) is 'The rows of public.profile_feed for a reader: the ids of private.profile_feed_ids (which applies the visibility rules, the same as the posts select policy), hydrated by private.feed_rows.';

create function public.home_feed(cursor text default null, page_size integer default 20)
returns setof public.feed_item
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query select * from private.home_feed_page((select auth.uid()), home_feed.cursor, home_feed.page_size);
end
$$;
comment on function public.home_feed(text, integer) is 'The caller''s home feed, newest first: their own posts, profile posts of accepted followees, posts of groups they follow or actively belong to, less muted authors and anything across a block. Pass the last row''s cursor for the next page; page_size 1–100 (22023 otherwise). Read-only: call it by GET.';

create function public.group_feed(group_id uuid, cursor text default null, page_size integer default 20)
returns setof public.feed_item
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query select * from private.group_feed_page((select auth.uid()), group_feed.group_id, group_feed.cursor, group_feed.page_size);
end
$$;
comment on function public.group_feed(uuid, text, integer) is 'A group''s posts, newest first, for anyone who may read them (active public group, or an active member of a private one); authors the caller mutes or is blocked with are left out. Cursor and page_size as home_feed.';

create function public.profile_feed(user_id uuid, cursor text default null, page_size integer default 20)
returns setof public.feed_item
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query select * from private.profile_feed_page((select auth.uid()), profile_feed.user_id, profile_feed.cursor, profile_feed.page_size);
end
$$;
comment on function public.profile_feed(uuid, text, integer) is 'A user''s profile posts (not their group posts), newest first: everyone for a public profile, accepted followers for a private one, the owner always, nobody across a block. Cursor and page_size as home_feed.';

grant execute on function private.parse_feed_cursor(text) to anon, authenticated, service_role;
grant execute on function private.check_page_size(integer) to anon, authenticated, service_role;
grant execute on function private.home_feed_ids(uuid, timestamptz, uuid, integer) to authenticated, service_role;
grant execute on function private.group_feed_ids(uuid, uuid, timestamptz, uuid, integer) to anon, authenticated, service_role;
grant execute on function private.profile_feed_ids(uuid, uuid, timestamptz, uuid, integer) to anon, authenticated, service_role;
grant execute on function private.home_feed_page(uuid, text, integer) to authenticated, service_role;
grant execute on function private.group_feed_page(uuid, uuid, text, integer) to anon, authenticated, service_role;
grant execute on function private.profile_feed_page(uuid, uuid, text, integer) to anon, authenticated, service_role;
grant execute on function public.home_feed(text, integer) to authenticated, service_role;
grant execute on function public.group_feed(uuid, text, integer) to anon, authenticated, service_role;
grant execute on function public.profile_feed(uuid, text, integer) to anon, authenticated, service_role;

-- Where pg_cron is enabled (hosted Supabase: Database -> Extensions), drain every second; otherwise
-- schedule it by hand (docs/operations.md). Without the job queued posts stay right (reads take them
-- from the queue), but reads slow down as the queue grows.
do $$
begin
  if to_regnamespace('cron') is not null then
    perform cron.schedule('feed-queue-drain', '1 seconds', 'select private.drain_feed_queue(50)');
  end if;
end
$$;
