-- Feeds, the store and the write side: the per-user home-feed inbox (fanned out on write), the fan-out
-- queue for big authors, the backfill on a new follow or join, and the tidying triggers.
-- Objects: private.feed_settings, private.feed_inbox, private.feed_inbox_state,
-- private.feed_big_authors, private.feed_big_groups, private.feed_queue, private.feed_delivery_queue,
-- private.feed_deleted_posts, private.feed_reader_context, private.author_card_rewrites; the fan-out,
-- delivery job, queue drain, backfill and cleanup triggers, the purge of deleted posts, the reader's
-- context kept on write, the author cards posts carry (rename trigger and job). The
-- read path (pull query, home/group/profile feeds) is sql/61_feed_reads.sql.
-- Caveats (docs/feeds.md, docs/decisions/0003-home-feed-inbox-with-read-time-checks.md):
--  * The inbox holds ids only. Reads check every row against what changes without a write to hang a
--    deletion on, or with too many rows to delete (group still joined and visible, post not removed,
--    author not muted now, no block), so those are right at once. The end of a follow deletes the
--    author's profile posts from the reader's inbox instead, ordered with every delivery in flight
--    (private.feed_on_follows_ended): reads trust the inbox for profile posts (issue 16).
--  * A post reaches its author's inbox in the posting transaction and its readers' inboxes by the
--    feed-delivery job (private.deliver_feed_posts, every second): a follower sees an ordinary post
--    within about a second, and posting costs a few rows whatever the author's audience (decision 0010).
--  * Authors with more than feed_settings.queue_threshold followers are fanned out author by author:
--    their posts wait in private.feed_queue until private.drain_feed_queue (a pg_cron job every second)
--    delivers them; until then every home-feed read takes them from the queue, so the feed is right at
--    once. Groups above the threshold are never fanned out: a big group posts too often to copy every
--    post to every member, so home-feed reads merge the big groups the reader is in at read time.
--    Decision 0003 has the measurements of both options.
--  * The inbox of a user is complete for keys (created_at, post_id) above its horizon; trimming to
--    the cap and bounded backfills raise the horizon, and pages below it come from the pull query.

create table private.feed_settings (
  id boolean not null default true,
  inbox_cap integer not null default 800,
  backfill_size integer not null default 200,
  queue_threshold integer not null default 2000,
  trim_one_in integer not null default 256,
  rebuild_size integer not null default 200,
  author_card_sync_limit integer not null default 1000,
  constraint feed_settings_pkey primary key (id),
  constraint feed_settings_one_row check (id),
  constraint feed_settings_positive check (inbox_cap > 0 and backfill_size > 0 and queue_threshold > 0 and trim_one_in > 0 and rebuild_size > 0),
  constraint feed_settings_author_card_sync_limit_positive check (author_card_sync_limit > 0)
);
insert into private.feed_settings default values;
comment on table private.feed_settings is 'One row: inbox_cap (entries kept per inbox), backfill_size (newest posts copied on a new follow or join), queue_threshold (accepted followers above which an author''s posts are fanned out by the queue drain, author by author, and merged into home feeds from the queue until then, instead of by the feed-delivery job; members plus followers above which a group''s posts are merged into home feeds at read time instead of fanned out), trim_one_in (one delivery in this many, at random, trims its recipient''s inbox back to inbox_cap: an inbox overshoots the cap by about this many rows between trims), rebuild_size (newest candidates copied when a dormant reader returns; older pages come from the pull query), author_card_sync_limit (how many of an author''s newest posts a rename rewrites in its own transaction; the rest is the author-cards job''s).';

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
comment on table private.feed_big_authors is 'Authors whose profile posts are fanned out by the queue drain, not by the feed-delivery job (flagged once their followers exceed queue_threshold; sticky).';

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

-- Ordinary posts are delivered to their readers by a job, not by the posting transaction (decision
-- 0010): the posting transaction writes its author's own inbox row and one row here; the
-- feed-delivery job (private.deliver_feed_posts, every second) fans the posts out in batches.
create table private.feed_delivery_queue (
  post_id uuid not null,
  enqueued_at timestamptz not null default clock_timestamp(),
  constraint feed_delivery_queue_pkey primary key (post_id),
  constraint feed_delivery_queue_post_id_fkey foreign key (post_id) references public.posts (id) on delete cascade
);
comment on table private.feed_delivery_queue is 'Posts of ordinary authors and groups not yet fanned out to their readers'' inboxes (private.deliver_feed_posts, the feed-delivery pg_cron job every second). Home-feed reads do not look here: a follower sees such a post once the job has run (the author at once). Normally empty between runs; a growing queue means the job is not running (docs/operations.md).';
create index feed_delivery_queue_enqueued_idx on private.feed_delivery_queue (enqueued_at, post_id);

-- Fan-out only to readers active recently (issue 16; Mastodon does the same with 7 days). A feed
-- read is a GET (read-only transaction), so it cannot mark its reader; the custom access token hook
-- can (it runs at sign-in and at every token refresh, about hourly), so a reader holding a valid
-- token was marked within the last refresh. private.feed_reader_seen does it (called by
-- public.custom_access_token_hook, sql/10_identity.sql).
create table private.feed_readers (
  user_id uuid not null,
  last_seen_at timestamptz not null,
  inbox_ready boolean not null default true,
  -- last_seen_at rides in the key's index: the fan-out probes it once per recipient, index only
  constraint feed_readers_pkey primary key (user_id) include (last_seen_at)
);
comment on table private.feed_readers is 'Readers whose inboxes the fan-out and the queue drain keep: those seen (an access token issued, private.feed_reader_seen) in the last 7 days. last_seen_at is touched at most hourly. inbox_ready false: the rebuild could not take its lock in time, the reader''s horizon is at the top (every page from the pull query) and the next token rebuilds. No row, or seen more than 7 days ago: dormant (no fan-out; the first token rebuilds the inbox). No foreign key: like the inbox, a deleted user''s row is inert.';

-- Profile pages and the pull query read a user's profile posts without their group posts.
create index posts_author_profile_created_idx on public.posts (author_id, created_at desc, id desc) where group_id is null;

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
  -- shared with fan-outs, exclusive for a rebuild (private.rebuild_feed_inbox): a backfill never
  -- interleaves with the rebuild of the same inbox and its horizon
  perform pg_advisory_xact_lock_shared(hashtextextended('feed_inbox_rebuild', 0));
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
set plan_cache_mode = force_custom_plan
as $$
declare
  to_trim uuid[];
  delivered integer;
  reader uuid;
  one_in integer := (select s.trim_one_in from private.feed_settings s);
  seen_since timestamptz := now() - interval '7 days';
begin
  -- Shared with every other fan-out and drain, exclusive for a rebuild (private.rebuild_feed_inbox).
  -- Taken before the recipients statement, whose snapshot (read committed: one per statement) is
  -- then either older than a concurrent rebuild (which waits for this transaction to commit, and so
  -- sees this post) or newer than its commit (and sees the reader active).
  perform pg_advisory_xact_lock_shared(hashtextextended('feed_inbox_rebuild', 0));
  -- One statement per kind of source, planned for this author or group at every call (custom plans:
  -- the drain delivers one big author's post to thousands, where hashing the readers seen in 7 days
  -- beats a probe per follower; a generic plan, made for the average source, would probe). Planning
  -- is a millisecond against seconds of delivery. Ordinary posts never come here: the delivery job
  -- (private.deliver_feed_posts) fans a batch of them out in one statement, a probe per recipient.
  if feed_deliver_post.group_id is null then
    with ins as (
      insert into private.feed_inbox (user_id, created_at, post_id)
      select f.follower_id, feed_deliver_post.created_at, feed_deliver_post.post_id
      from public.follows f
      -- only readers seen in the last 7 days; a dormant reader's inbox is rebuilt by their next token
      join private.feed_readers fr on fr.user_id = f.follower_id and fr.last_seen_at > seen_since
      where f.followee_id = feed_deliver_post.author_id and f.status = 'accepted'
      on conflict do nothing
      returning user_id
    )
    select count(*), array_agg(ins.user_id) filter (where random() < 1.0 / one_in) into delivered, to_trim from ins;
  else
    with recipients as (
      select gm.user_id
      from public.group_members gm
      where gm.group_id = feed_deliver_post.group_id and gm.status = 'active' and gm.user_id <> feed_deliver_post.author_id
      union
      select gf.user_id
      from public.group_follows gf
      where gf.group_id = feed_deliver_post.group_id and gf.user_id <> feed_deliver_post.author_id
    ), ins as (
      insert into private.feed_inbox (user_id, created_at, post_id)
      select r.user_id, feed_deliver_post.created_at, feed_deliver_post.post_id
      from recipients r
      join private.feed_readers fr on fr.user_id = r.user_id and fr.last_seen_at > seen_since
      on conflict do nothing
      returning user_id
    )
    select count(*), array_agg(ins.user_id) filter (where random() < 1.0 / one_in) into delivered, to_trim from ins;
  end if;
  if to_trim is not null then
    foreach reader in array to_trim loop
      perform private.trim_feed_inbox(reader);
    end loop;
  end if;
  return delivered;
end
$$;
comment on function private.feed_deliver_post(uuid, uuid, uuid, timestamptz) is 'Fan-out of one post: into the inboxes of the author''s accepted followers (a profile post) or of the group''s active members and followers (a group post), those seen in the last 7 days (private.feed_readers): called by the queue drain for big authors (ordinary posts are delivered by private.deliver_feed_posts, the same rules set-wise). About one recipient in feed_settings.trim_one_in (256), at random, has its inbox trimmed to the cap (amortized trimming: one index scan of inbox_cap entries per trim_one_in deliveries). Returns how many inboxes received it.';

-- One statement trigger after insert on posts: the authors' posts_count, then the start of the
-- fan-out (issue 16): one trigger call per statement, and the row lock that orders the posts with
-- follows is the counter update's own.
create function private.posts_count_and_fan_out()
returns trigger
language plpgsql
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  many_authors boolean;
  group_posts boolean;
  threshold integer;
  one_in integer;
  reader uuid;
begin
  select count(distinct n.author_id) > 1, coalesce(bool_or(n.group_id is not null), false), min(s.queue_threshold), min(s.trim_one_in)
  into many_authors, group_posts, threshold, one_in
  from new_rows n cross join private.feed_settings s;
  -- profiles.posts_count, under row locks taken in author id order (two inserts of several authors
  -- never deadlock; a client inserts as one author, so the update alone takes its one lock). This
  -- lock also orders this transaction with follows of the author (they lock the same row first,
  -- private.lock_profiles, and update its counters): a follow that took it first commits before
  -- these posts do, so the delivery job, which runs after their commit, sees the new follower; a
  -- follow that waited for it backfills in a later statement, whose snapshot sees these posts.
  -- Groups likewise: joins and group follows update the group's row (member and follower counts).
  if many_authors then
    perform private.lock_profile_rows(array(select n.author_id from new_rows n));
  end if;
  -- The update returns each author's card as it is under the lock: a rename that committed while
  -- these posts waited for the row (or after their insert copied the card) is written into them.
  -- stale is materialized so that a post is probed only when its card differs (almost never).
  with counted as (
    update public.profiles pr set posts_count = pr.posts_count + c.n
    from (select n.author_id, count(*)::integer as n from new_rows n group by n.author_id) c
    where pr.id = c.author_id
    returning pr.id, pr.card
  ),
  stale as materialized (
    select n.id, counted.card from new_rows n join counted on counted.id = n.author_id
    where n.author_card is distinct from counted.card
  )
  update public.posts p set author_card = stale.card
  from stale
  where p.id = stale.id;
  if group_posts then
    perform from public.groups g where g.id in (select n.group_id from new_rows n) order by g.id for share;
    -- a group grown past the threshold is flagged (sticky): its posts are merged at read time
    insert into private.feed_big_groups (group_id)
    select g.id from public.groups g
    where g.id in (select n.group_id from new_rows n) and g.member_count + g.follower_count > threshold
    on conflict do nothing;
  end if;
  -- An author grown past the threshold is flagged (sticky); a flagged author's profile posts wait in
  -- the queue for private.drain_feed_queue.
  with flagged as (
    insert into private.feed_big_authors (author_id)
    select pr.id from public.profiles pr
    where pr.id in (select n.author_id from new_rows n where n.group_id is null) and pr.followers_count > threshold
    on conflict do nothing
    returning author_id
  )
  insert into private.feed_queue (post_id, author_id, group_id, created_at)
  select n.id, n.author_id, null, n.created_at
  from new_rows n
  where n.group_id is null
    and (exists (select from private.feed_big_authors ba where ba.author_id = n.author_id)
      or n.author_id in (select fl.author_id from flagged fl));
  -- Every post into its author's own inbox, here (the author sees it at once). The rest is the
  -- feed-delivery job's (decision 0010): an ordinary author's profile post and an ordinary group's
  -- post wait in private.feed_delivery_queue; a big author's profile post is in the queue above; a
  -- big group's post goes nowhere (merged at read time). The rebuild lock first (shared; see
  -- feed_deliver_post): a rebuild of the author's own inbox never misses this row.
  perform pg_advisory_xact_lock_shared(hashtextextended('feed_inbox_rebuild', 0));
  -- No ON CONFLICT (a speculative insertion per row): the posts are new and uncommitted, so no
  -- other transaction can have delivered them.
  insert into private.feed_inbox (user_id, created_at, post_id)
  select n.author_id, n.created_at, n.id from new_rows n;
  insert into private.feed_delivery_queue (post_id)
  select n.id
  from new_rows n
  where case when n.group_id is null
    then not exists (select from private.feed_big_authors ba where ba.author_id = n.author_id)
    else not exists (select from private.feed_big_groups bg where bg.group_id = n.group_id)
  end;
  -- the author's inbox, trimmed about once per trim_one_in posts (amortized, as every delivery)
  if random() < 1.0 / one_in then
    for reader in select distinct n.author_id from new_rows n loop
      perform private.trim_feed_inbox(reader);
    end loop;
  end if;
  return null;
end
$$;
comment on function private.posts_count_and_fan_out() is 'Statement trigger after insert on posts: adds the posts to their authors'' posts_count (row locks in id order) and gives them the card read under that lock (a concurrent rename), puts each post into its author''s inbox, and queues the rest of the fan-out: a big author''s profile post into private.feed_queue (for private.drain_feed_queue), a big group''s post nowhere (merged at read time), any other post into private.feed_delivery_queue (for private.deliver_feed_posts). Flags authors and groups grown past queue_threshold. About one statement in trim_one_in trims its authors'' inboxes.';

-- The drain and the end of a follow (private.feed_on_follows_ended) meet on one advisory lock per
-- big author: the drain takes it exclusively before it reads the author's followers, the end of a
-- follow takes it shared before it deletes that author's rows from the reader's inbox. So a drain
-- either finished (its rows are committed and the delete finds them) or has not read the followers
-- yet (and will not see the follow). Reads trust the inbox for profile posts (decision 0005).
create function private.feed_author_drain_key(author uuid)
returns bigint
language sql
immutable
set search_path = ''
as $$
  select hashtextextended('feed_author_drain:' || feed_author_drain_key.author::text, 0)
$$;
comment on function private.feed_author_drain_key(uuid) is 'The advisory lock key that orders the queue drain of an author''s posts (exclusive) with the end of a follow of that author (shared).';

create function private.drain_feed_queue(max_posts integer default 10)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  picked private.feed_queue[];
  q private.feed_queue;
  k bigint;
begin
  -- Oldest first; SKIP LOCKED lets several drains run side by side. Delivery and dequeue commit
  -- together, so a reader finds the post in the queue or in the inboxes, never in neither.
  with p as (
    select fq as row
    from private.feed_queue fq
    order by fq.enqueued_at, fq.post_id
    limit drain_feed_queue.max_posts
    for update skip locked
  )
  select array_agg(p.row order by (p.row).enqueued_at, (p.row).post_id) into picked from p;
  if picked is null then
    return 0;
  end if;
  -- The authors' drain locks, in key order (two drains never wait on each other in a cycle).
  for k in select distinct private.feed_author_drain_key(u.author_id) from unnest(picked) u order by 1 loop
    perform pg_advisory_xact_lock(k);
  end loop;
  foreach q in array picked loop
    perform private.feed_deliver_post(q.post_id, q.author_id, q.group_id, q.created_at);
    delete from private.feed_queue fq where fq.post_id = q.post_id;
  end loop;
  return cardinality(picked);
end
$$;
comment on function private.drain_feed_queue(integer) is 'Delivers up to max_posts queued posts of big sources to their readers'' inboxes and dequeues them, holding each author''s drain lock (private.feed_author_drain_key) exclusively; returns how many. Run by the feed-queue-drain pg_cron job every second (docs/operations.md), or by hand.';

-- The delivery of ordinary posts (decision 0010). One run takes a batch from the delivery queue and
-- fans it out in one statement: each profile post to its author's accepted followers, each group
-- post to the group's active members and followers (but its author, deduplicated), only readers seen
-- in the last 7 days, the readers' mark read by a primary-key probe per recipient (as a join, a
-- generic plan would hash all of feed_readers).
-- ON CONFLICT DO NOTHING: a follow accepted after the post committed has backfilled it already.
-- It runs under the delivery lock, taken exclusively; the end of a follow takes it shared before it
-- deletes the author's rows (private.feed_on_follows_ended), so no delivery puts a row back after
-- that delete. One lock, not one per author: a batch covers hundreds of authors, and an account
-- deletion ends thousands of follows (each advisory lock is an entry in the shared lock table).
-- An unfollow waits for at most one run.
create function private.deliver_feed_posts(max_posts integer default 1000)
returns integer
language plpgsql
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  picked uuid[];
  one_in integer := (select s.trim_one_in from private.feed_settings s);
  seen_since timestamptz := now() - interval '7 days';
  to_trim uuid[];
  reader uuid;
begin
  perform pg_advisory_xact_lock(hashtextextended('feed_delivery', 0));
  -- Oldest first. Runs never overlap (the lock above); SKIP LOCKED passes over the row of a post
  -- being deleted (its cascade holds the row): the next run finds it gone, or takes it if the
  -- delete rolled back. Delivery and dequeue commit together; a post deleted after this took its
  -- row waits for this transaction, and its rows are then purged as any deleted post's.
  picked := array(
    select dq.post_id
    from private.feed_delivery_queue dq
    order by dq.enqueued_at, dq.post_id
    limit deliver_feed_posts.max_posts
    for update skip locked
  );
  if cardinality(picked) = 0 then
    return 0;
  end if;
  -- shared with every fan-out, exclusive for a rebuild (see feed_deliver_post)
  perform pg_advisory_xact_lock_shared(hashtextextended('feed_inbox_rebuild', 0));
  with ins as (
    insert into private.feed_inbox (user_id, created_at, post_id)
    select f.follower_id, p.created_at, p.id
    from public.posts p
    join public.follows f on f.followee_id = p.author_id and f.status = 'accepted'
    where p.id = any (picked) and p.group_id is null
      and (select fr.last_seen_at from private.feed_readers fr where fr.user_id = f.follower_id) > seen_since
    union all
    select m.user_id, p.created_at, p.id
    from public.posts p
    cross join lateral (
      select gm.user_id from public.group_members gm where gm.group_id = p.group_id and gm.status = 'active'
      union
      select gf.user_id from public.group_follows gf where gf.group_id = p.group_id
    ) m
    where p.id = any (picked) and p.group_id is not null and m.user_id <> p.author_id
      -- a group flagged big since: its posts are merged at read time
      and not exists (select from private.feed_big_groups bg where bg.group_id = p.group_id)
      and (select fr.last_seen_at from private.feed_readers fr where fr.user_id = m.user_id) > seen_since
    on conflict do nothing
    returning user_id
  )
  select array_agg(distinct ins.user_id) filter (where random() < 1.0 / one_in) into to_trim from ins;
  if to_trim is not null then
    foreach reader in array to_trim loop
      perform private.trim_feed_inbox(reader);
    end loop;
  end if;
  delete from private.feed_delivery_queue dq where dq.post_id = any (picked);
  return cardinality(picked);
end
$$;
comment on function private.deliver_feed_posts(integer) is 'Fans out up to max_posts queued ordinary posts (oldest first) into the inboxes of their readers seen in the last 7 days (an author''s accepted followers; a group''s active members and followers but the author) and dequeues them, under the delivery lock (exclusive; the end of a follow takes it shared); returns how many posts. About one recipient in trim_one_in has its inbox trimmed. Run by the feed-delivery pg_cron job every second (docs/operations.md), or by hand.';

create trigger posts_count_and_fan_out
  after insert on public.posts
  referencing new table as new_rows
  for each statement execute function private.posts_count_and_fan_out();

-- Deleted posts leave the inboxes (issue 16). A read skips an inbox row whose post is gone (the join to
-- posts), but every read pays a posts probe for it, and it counts against inbox_cap until newer
-- posts push it out: after a followed author deletes many posts, or their account, each page of
-- their followers walked hundreds of dead rows (4.7 ms instead of 0.8 at scale 1). The inbox has no
-- index by post (it would cost every fan-out row an index insert), but a post's rows are at known
-- keys: (reader, created_at, post_id) for each of its recipients. Deleting a post only notes it; the
-- feed-deleted-posts job deletes those keys for the post's current recipients (its author, the
-- author's accepted followers, or the group's members and followers; a big group's posts were never
-- fanned out; only readers seen in 7 days, as delivery), one primary-key probe each, out of the
-- deleting transaction (a big author's post has tens of thousands). A reader who stopped following
-- meanwhile had the rows deleted then (the end of a follow, above).
create table private.feed_deleted_posts (
  post_id uuid not null,
  author_id uuid not null,
  group_id uuid,
  created_at timestamptz not null,
  deleted_at timestamptz not null default clock_timestamp(),
  constraint feed_deleted_posts_pkey primary key (post_id)
);
create index feed_deleted_posts_deleted_idx on private.feed_deleted_posts (deleted_at, post_id);
comment on table private.feed_deleted_posts is 'Posts deleted since the feed-deleted-posts job last ran: their rows are still in their readers'' inboxes (reads skip them). Normally empty between runs.';

create function private.feed_note_deleted_posts()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.feed_deleted_posts (post_id, author_id, group_id, created_at)
  select o.id, o.author_id, o.group_id, o.created_at from old_rows o
  on conflict do nothing;
  return null;
end
$$;
comment on function private.feed_note_deleted_posts() is 'Statement trigger after delete on posts: notes the deleted posts for private.purge_deleted_feed_posts.';

create trigger posts_feed_deleted
  after delete on public.posts
  referencing old table as old_rows
  for each statement execute function private.feed_note_deleted_posts();

create function private.purge_deleted_feed_posts(max_posts integer default 500)
returns integer
language plpgsql
security definer
set search_path = ''
-- Every inbox row is reached by its primary key. Against up to max_posts × recipients estimated
-- rows, a plan could prefer a hash join over a scan of every inbox (millions of rows): never here.
set enable_seqscan = off
as $$
declare
  purged integer;
begin
  with picked as (
    select d.post_id, d.author_id, d.group_id, d.created_at
    from private.feed_deleted_posts d
    order by d.deleted_at, d.post_id
    limit purge_deleted_feed_posts.max_posts
    for update skip locked
  ),
  rows_of as (
    select pk.post_id, pk.created_at, r.user_id
    from picked pk
    cross join lateral (
      select pk.author_id as user_id
      union
      select f.follower_id from public.follows f
      where pk.group_id is null and f.followee_id = pk.author_id and f.status = 'accepted'
      union
      select gm.user_id from public.group_members gm
      where pk.group_id is not null and gm.group_id = pk.group_id
        and not exists (select from private.feed_big_groups bg where bg.group_id = pk.group_id)
      union
      select gf.user_id from public.group_follows gf
      where pk.group_id is not null and gf.group_id = pk.group_id
        and not exists (select from private.feed_big_groups bg where bg.group_id = pk.group_id)
    ) r
    -- the author, and readers seen in 7 days: no one else received it (a dormant reader's inbox is
    -- rebuilt whole before their next read)
    where r.user_id = pk.author_id
      or (select fr.last_seen_at from private.feed_readers fr where fr.user_id = r.user_id) > now() - interval '7 days'
  ),
  gone as (
    delete from private.feed_inbox i
    using rows_of ro
    where i.user_id = ro.user_id and i.created_at = ro.created_at and i.post_id = ro.post_id
  ),
  done as (
    delete from private.feed_deleted_posts d
    using picked pk
    where d.post_id = pk.post_id
    returning 1
  )
  select count(*) into purged from done;
  return purged;
end
$$;
comment on function private.purge_deleted_feed_posts(integer) is 'Deletes the inbox rows of up to max_posts deleted posts (oldest deletion first) from the inboxes of their author and their current recipients seen in 7 days, by primary key, and forgets them; returns how many posts. Run by the feed-deleted-posts pg_cron job every minute (docs/operations.md), or by hand.';

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
  if new.status = 'accepted' and (tg_op = 'INSERT' or old.status <> 'accepted') then
    perform private.feed_backfill(new.follower_id, new.followee_id, null);
  end if;
  return null;
end
$$;
comment on function private.feed_on_follow() is 'Trigger after a follow is accepted: backfills the followee''s newest profile posts into the follower''s inbox.';

create trigger follows_feed
  after insert or update of status on public.follows
  for each row execute function private.feed_on_follow();

-- The end of a follow (unfollow, a follower removed, a block, a deleted account) deletes the
-- author's profile posts from the reader's inbox, and the home feed trusts the inbox for them (no
-- follows probe per row, issue 16). So no racing delivery may put a row back after the delete:
--  * the delivery job holds the delivery lock (exclusive) from before it reads the followers to its
--    commit; the delete takes it shared;
--  * a queue drain holds the author's drain lock (exclusive) likewise; the delete takes it shared;
--  * an inbox rebuild holds the rebuild lock exclusively; the delete takes it shared.
-- Each lock is taken before the delete statement, whose snapshot (read committed) then sees what
-- the delivery committed; a delivery that waited for this transaction reads the followers after
-- its commit and does not see the follow. The delivery and drain locks come first, before any row
-- lock: an unfollow waiting for a big author's drain (seconds) does not hold up the author's next
-- post or other follows of the author. This trigger must fire before follows_count_deleted (which
-- takes the same row locks): after-statement triggers fire in name order, hence its name.
create function private.feed_on_follows_ended()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  locked bigint[];
  k bigint;
  pair record;
begin
  if not exists (select from old_rows o where o.status = 'accepted') then
    return null;
  end if;
  -- the delivery job's lock (it takes no other advisory lock but the rebuild lock, shared)
  perform pg_advisory_xact_lock_shared(hashtextextended('feed_delivery', 0));
  -- the drain locks of the big authors among them, in key order
  select coalesce(array_agg(distinct private.feed_author_drain_key(o.followee_id)), '{}') into locked
  from old_rows o join private.feed_big_authors ba on ba.author_id = o.followee_id
  where o.status = 'accepted';
  for k in select u.k from unnest(locked) u(k) order by 1 loop
    perform pg_advisory_xact_lock_shared(k);
  end loop;
  -- the profile rows (the ones follows_count_deleted locks next, private.adjust_follow_counts)
  perform private.lock_profile_rows(array(
    select o.follower_id from old_rows o where o.status = 'accepted'
    union select o.followee_id from old_rows o where o.status = 'accepted'));
  -- An author flagged big after the first look had its first post queued by a transaction that held
  -- its row before this one did: its drain may be running now. Rare; waited for here.
  for k in
    select distinct private.feed_author_drain_key(o.followee_id)
    from old_rows o join private.feed_big_authors ba on ba.author_id = o.followee_id
    where o.status = 'accepted' and private.feed_author_drain_key(o.followee_id) <> all (locked)
    order by 1
  loop
    perform pg_advisory_xact_lock_shared(k);
  end loop;
  perform pg_advisory_xact_lock_shared(hashtextextended('feed_inbox_rebuild', 0));
  -- One delete per pair, with the reader as a parameter: always the reader's inbox range. A single
  -- join with the transition table would be planned once per session from the first statement's row
  -- count, and after a deleted account's thousands of follows could hash-join a scan of every inbox.
  for pair in select distinct o.follower_id, o.followee_id from old_rows o where o.status = 'accepted' loop
    delete from private.feed_inbox i
    using public.posts p
    where i.user_id = pair.follower_id and p.id = i.post_id and p.author_id = pair.followee_id and p.group_id is null;
  end loop;
  return null;
end
$$;
comment on function private.feed_on_follows_ended() is 'Statement trigger after follows end: deletes the followees'' profile posts from the followers'' inboxes, after waiting for any delivery of those posts in flight (the delivery lock, the authors'' drain locks, the rebuild lock), so that the inbox holds no post of an author the reader no longer follows.';

create trigger follows_clear_inboxes
  after delete on public.follows
  referencing old table as old_rows
  for each statement execute function private.feed_on_follows_ended();

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

-- The reader's context, kept on write (issue 16) -----------------------------------------------------
-- Every home page needs the authors hidden from its reader and the reader's home groups. Computed
-- per page, that was a sixth of the page (about ten index descents: mutes, blocks both ways, each
-- membership and group follow with its group's row). It changes far less often than it is read, so
-- it is kept in one row per reader, rewritten by the writes it depends on: a mute, a block (both
-- users), a membership or group follow; a group's status or visibility marks its members' and
-- followers' rows out of date.
-- The rule itself is written once, in private.feed_reader_context_of; the page falls back to it when
-- the row is missing or out of date (valid_until: a timed mute has run out since, or a group of the
-- reader's changed), and the reader's next token rewrites such a row (private.feed_reader_seen).
create table private.feed_reader_context (
  user_id uuid not null,
  hidden uuid[] not null,
  home_groups uuid[] not null,
  valid_until timestamptz not null,
  constraint feed_reader_context_pkey primary key (user_id),
  constraint feed_reader_context_user_id_fkey foreign key (user_id) references public.profiles (id) on delete cascade
);
comment on table private.feed_reader_context is 'Per reader, what the home feed needs besides the inbox, as private.feed_reader_context_of computes it: hidden (authors muted now, or blocked either way) and home_groups (active groups the reader is an active member of, or follows while public), valid until valid_until (the earliest end of a timed mute; infinity without one; -infinity once a group of the reader''s changed status or visibility). Rewritten by the writes it depends on (private.refresh_feed_reader_contexts) and by the reader''s next token when out of date; a home page computes it afresh when the row is missing or out of date.';

create function private.feed_reader_context_of(reader uuid)
returns private.feed_reader_context
language sql
stable
security definer
set search_path = ''
as $$
  -- The arrays may repeat an id (a member who also follows the group, a block both ways): they are
  -- only tested with = any / <> all, and union all spares a hash table.
  select
    feed_reader_context_of.reader,
    array(
      select m.muted_id from public.mutes m
      where m.muter_id = feed_reader_context_of.reader and (m.expires_at is null or m.expires_at > now())
      union all
      select bl.blocked_id from public.blocks bl where bl.blocker_id = feed_reader_context_of.reader
      union all
      select bl.blocker_id from public.blocks bl where bl.blocked_id = feed_reader_context_of.reader
    ),
    array(
      select gm.group_id
      from public.group_members gm
      join public.groups g on g.id = gm.group_id
      where gm.user_id = feed_reader_context_of.reader and gm.status = 'active' and g.status = 'active'
      union all
      select gf.group_id
      from public.group_follows gf
      join public.groups g on g.id = gf.group_id
      where gf.user_id = feed_reader_context_of.reader and g.status = 'active' and g.visibility = 'public'
    ),
    coalesce((
      select min(m.expires_at) from public.mutes m
      where m.muter_id = feed_reader_context_of.reader and m.expires_at > now()
    ), 'infinity')
$$;
comment on function private.feed_reader_context_of(uuid) is 'The home feed''s rule for a reader''s context, computed now, as a private.feed_reader_context row: the authors hidden from them (muted now, or a block either way), their home groups (active groups they are an active member of, or follow while public), and until when that holds (the earliest end of a timed mute, else infinity).';

create function private.refresh_feed_reader_contexts(readers uuid[])
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- A row for every reader still standing (an erased account's deletes fire these triggers too, and
  -- its tombstone has deleted_at); the rows locked in id order (two refreshes never deadlock); then
  -- rewritten in a later statement, whose snapshot (read committed) has every change committed by
  -- whoever held a row before, and this transaction's own: whoever locks last writes them all.
  insert into private.feed_reader_context (user_id, hidden, home_groups, valid_until)
  select pr.id, '{}', '{}', '-infinity' from public.profiles pr
  where pr.id = any (refresh_feed_reader_contexts.readers) and pr.deleted_at is null
  order by pr.id
  on conflict (user_id) do nothing;
  perform from private.feed_reader_context c
  where c.user_id = any (refresh_feed_reader_contexts.readers)
  order by c.user_id
  for update;
  update private.feed_reader_context c
  set (hidden, home_groups, valid_until) = (
    select x.hidden, x.home_groups, x.valid_until from private.feed_reader_context_of(c.user_id) x
  )
  where c.user_id = any (refresh_feed_reader_contexts.readers);
end
$$;
comment on function private.refresh_feed_reader_contexts(uuid[]) is 'Rewrites the stored home-feed context of these readers (private.feed_reader_context) from the sources, under their rows'' locks taken in id order; creates missing rows.';

create function private.feed_context_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  changed uuid[];
begin
  if tg_table_name = 'mutes' then
    changed := array[coalesce(new.muter_id, old.muter_id)];
  elsif tg_table_name = 'blocks' then
    changed := array[coalesce(new.blocker_id, old.blocker_id), coalesce(new.blocked_id, old.blocked_id)];
  else
    -- a membership or a group follow
    changed := array[coalesce(new.user_id, old.user_id)];
  end if;
  perform private.refresh_feed_reader_contexts(changed);
  return null;
end
$$;
comment on function private.feed_context_changed() is 'Trigger after a mute, a block, a membership or a group follow is written: rewrites the stored home-feed context of the readers it changes (private.refresh_feed_reader_contexts).';

-- A group's status or visibility changes the home groups of all its members and followers: their
-- rows are marked out of date, not recomputed. A big group has tens of thousands of them, and this
-- runs in its owner's or a moderator's request: one row write each, under locks in id order, instead
-- of the rule's ten descents each. Their pages compute the context afresh meanwhile, exactly; each
-- reader's next token, or next write to their context, rewrites the row.
create function private.feed_context_group_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  people uuid[] := array(
    select gm.user_id from public.group_members gm where gm.group_id = new.id
    union
    select gf.user_id from public.group_follows gf where gf.group_id = new.id
  );
begin
  perform from private.feed_reader_context c where c.user_id = any (people) order by c.user_id for update;
  update private.feed_reader_context c set valid_until = '-infinity' where c.user_id = any (people);
  return null;
end
$$;
comment on function private.feed_context_group_changed() is 'Trigger after a group''s status or visibility changes: marks the stored home-feed contexts of its members and followers out of date (their pages compute it afresh until their next token rewrites it).';

create function private.feed_context_for_new_profile()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- nothing hidden, no group: a new account has no mute, block, membership or group follow yet
  insert into private.feed_reader_context (user_id, hidden, home_groups, valid_until)
  values (new.id, '{}', '{}', 'infinity');
  return null;
end
$$;
comment on function private.feed_context_for_new_profile() is 'Trigger after a profile is created: its empty home-feed context (private.feed_reader_context).';

-- After-row triggers fire in name order: each comes after the table's count trigger, which locks the
-- group's row first, so a join or a group follow locks the group, then the context row, in the same
-- order as a change of the group's status.
create trigger profiles_feed_context
  after insert on public.profiles
  for each row execute function private.feed_context_for_new_profile();

create trigger mutes_feed_context
  after insert or update or delete on public.mutes
  for each row execute function private.feed_context_changed();

create trigger blocks_feed_context
  after insert or delete on public.blocks
  for each row execute function private.feed_context_changed();

create trigger group_members_feed_context
  after insert or update of status or delete on public.group_members
  for each row execute function private.feed_context_changed();

create trigger group_follows_feed_context
  after insert or delete on public.group_follows
  for each row execute function private.feed_context_changed();

create trigger groups_feed_context
  after update of status, visibility on public.groups
  for each row
  when (old.status is distinct from new.status or old.visibility is distinct from new.visibility)
  execute function private.feed_context_group_changed();

-- Readers: the mark and the rebuild of a returning reader ------------------------------------------
-- Called from Supabase Auth's custom access token hook (public.custom_access_token_hook), which runs
-- as supabase_auth_admin before every access token is issued (sign-in and each refresh) inside Auth's
-- request, so it must be quick: Supabase's Auth Hooks guide
-- (https://supabase.com/docs/guides/auth/auth-hooks, "Security model") has the hook's role granted
-- exactly what it touches; here that is execute on private.feed_reader_seen alone (security definer),
-- not the feed tables. Auth gives a Postgres hook a short time budget (our token helper,
-- scripts/lib/auth.ts, runs it under statement_timeout 2s as GoTrue does), hence the bounds below:
-- a lock wait of 250 ms at most, then a fallback that is exact but reads from the pull query, and
-- at most feed_settings.rebuild_size rows copied.

create function private.try_feed_rebuild_lock()
returns boolean
language plpgsql
security definer
set search_path = ''
set lock_timeout = '250ms'
as $$
begin
  perform pg_advisory_xact_lock(hashtextextended('feed_inbox_rebuild', 0));
  return true;
exception when lock_not_available then
  return false;
end
$$;
comment on function private.try_feed_rebuild_lock() is 'Takes the rebuild lock exclusively (fan-outs, drains and backfills take it shared) for the rest of the transaction, waiting 250 ms at most (a queue drain of a big author holds it shared for seconds); false when it could not.';

create function private.rebuild_feed_inbox(reader uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  k integer := (select s.rebuild_size from private.feed_settings s);
  ats timestamptz[];
  ids uuid[];
begin
  if not private.try_feed_rebuild_lock() then
    -- Exact anyway: the horizon at the top sends every page to the pull query until a later token
    -- rebuilds (inbox_ready false makes the next token try again, whatever the hour).
    insert into private.feed_readers as fr (user_id, last_seen_at, inbox_ready)
    values (rebuild_feed_inbox.reader, now(), false)
    on conflict (user_id) do update set last_seen_at = excluded.last_seen_at, inbox_ready = false;
    insert into private.feed_inbox_state as st (user_id, horizon_at, horizon_id)
    values (rebuild_feed_inbox.reader, 'infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff')
    on conflict (user_id) do update set horizon_at = excluded.horizon_at, horizon_id = excluded.horizon_id;
    return false;
  end if;
  -- Holding the lock exclusively: every fan-out that could have skipped this reader has committed
  -- (its post is visible to the statements below), and every later one waits for this commit and
  -- then sees the reader active. So the inbox is the newest k candidates as of now, plus whatever
  -- later fan-outs add.
  insert into private.feed_readers as fr (user_id, last_seen_at, inbox_ready)
  values (rebuild_feed_inbox.reader, now(), true)
  on conflict (user_id) do update set last_seen_at = excluded.last_seen_at, inbox_ready = true;
  delete from private.feed_inbox i where i.user_id = rebuild_feed_inbox.reader;
  -- The candidates are what the fan-out delivers (no visibility checks: reads apply them, and a mute
  -- that expires or a block that ends must find the rows there): own posts, accepted followees'
  -- profile posts, posts of groups actively joined or followed, big groups excepted (merged at read
  -- time). The newest k + 1 keys, top-k per source.
  select array_agg(c.created_at order by c.created_at desc, c.id desc), array_agg(c.id order by c.created_at desc, c.id desc)
  into ats, ids
  from (
    select u.created_at, u.id
    from (
      (
        select p.created_at, p.id from public.posts p
        where p.author_id = rebuild_feed_inbox.reader
        order by p.created_at desc, p.id desc
        limit k + 1
      )
      union all
      select fp.created_at, fp.id
      from public.follows f
      cross join lateral (
        select p.created_at, p.id from public.posts p
        where p.author_id = f.followee_id and p.group_id is null
        order by p.created_at desc, p.id desc
        limit k + 1
      ) fp
      where f.follower_id = rebuild_feed_inbox.reader and f.status = 'accepted'
      union all
      select gp.created_at, gp.id
      from (
        select gm.group_id from public.group_members gm where gm.user_id = rebuild_feed_inbox.reader and gm.status = 'active'
        union
        select gf.group_id from public.group_follows gf where gf.user_id = rebuild_feed_inbox.reader
      ) g
      cross join lateral (
        select p.created_at, p.id from public.posts p
        where p.group_id = g.group_id and p.author_id <> rebuild_feed_inbox.reader
        order by p.created_at desc, p.id desc
        limit k + 1
      ) gp
      where not exists (select from private.feed_big_groups bg where bg.group_id = g.group_id)
    ) u -- the branches are disjoint (no self-follow; group branch without own posts)
    order by u.created_at desc, u.id desc
    limit k + 1
  ) c;
  insert into private.feed_inbox (user_id, created_at, post_id)
  select rebuild_feed_inbox.reader, ats[x], ids[x]
  from generate_subscripts(ids, 1) x
  where x <= k;
  if coalesce(cardinality(ids), 0) > k then
    -- more candidates than copied: complete from the k-th down; older pages from the pull query
    insert into private.feed_inbox_state as st (user_id, horizon_at, horizon_id)
    values (rebuild_feed_inbox.reader, ats[k], ids[k])
    on conflict (user_id) do update set horizon_at = excluded.horizon_at, horizon_id = excluded.horizon_id;
  else
    delete from private.feed_inbox_state st where st.user_id = rebuild_feed_inbox.reader;
  end if;
  return true;
end
$$;
comment on function private.rebuild_feed_inbox(uuid) is 'Rebuilds a returning (dormant) reader''s inbox exactly: under the rebuild lock taken exclusively (fan-outs take it shared), marks the reader seen, replaces the inbox with the newest feed_settings.rebuild_size candidates and puts the horizon at the last of them (none when that is all there is). When the lock is not granted within 250 ms, marks the reader seen with inbox_ready false and the horizon at the top (every page from the pull query, still exact); the next token tries again. Returns whether it rebuilt.';

create function private.feed_reader_seen(reader uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  seen timestamptz;
  ready boolean;
  context_until timestamptz;
begin
  if feed_reader_seen.reader is null then
    return;
  end if;
  select fr.last_seen_at, fr.inbox_ready, (select c.valid_until from private.feed_reader_context c where c.user_id = feed_reader_seen.reader)
  into seen, ready, context_until
  from (select 1) one
  left join private.feed_readers fr on fr.user_id = feed_reader_seen.reader;
  -- a stored home-feed context past its end (a timed mute ran out, a group of the reader's changed):
  -- rewritten, so that the reader's pages stop computing it afresh
  if context_until <= now() then
    perform private.refresh_feed_reader_contexts(array[feed_reader_seen.reader]);
  end if;
  if ready and seen > now() - interval '1 hour' then
    return; -- the common case: a read of one row, no write
  end if;
  -- Active (seen within 6 days, a day's margin under the fan-out's 7 so that no fan-out running now
  -- can have judged the reader dormant): touch. Otherwise, or never seen, or a rebuild still owed:
  -- rebuild.
  if ready and seen > now() - interval '6 days' then
    update private.feed_readers fr set last_seen_at = now() where fr.user_id = feed_reader_seen.reader;
    return;
  end if;
  perform private.rebuild_feed_inbox(feed_reader_seen.reader);
end
$$;
comment on function private.feed_reader_seen(uuid) is 'Called by the custom access token hook for every token: rewrites the reader''s stored home-feed context when a timed mute has run out since it was written, marks the reader seen (at most one write an hour), and for a reader dormant for 6 days or more (or never seen, or owed a rebuild) rebuilds the inbox (private.rebuild_feed_inbox) before the token is issued.';

revoke execute on function private.try_feed_rebuild_lock() from public;
revoke execute on function private.rebuild_feed_inbox(uuid) from public;
revoke execute on function private.feed_reader_seen(uuid) from public;
grant usage on schema private to supabase_auth_admin;
grant execute on function private.feed_reader_seen(uuid) to supabase_auth_admin;

-- Author cards on posts (decision 0011) -----------------------------------------------------------
-- posts.author_card is a copy of profiles.card, so a feed row reads no profile. A rename rewrites the
-- author's newest posts (feed_settings.author_card_sync_limit) in its own transaction, so every feed
-- shows the new card at once; older posts of a prolific author are the author-cards job's, so that a
-- rename stays a short transaction whatever the author has written (about 0.1 ms a post). The
-- author's row lock orders all of it: a post inserted before the rename took the lock is committed
-- when the rename's rewrite runs; one inserted after reads the card again under the lock
-- (private.posts_count_and_fan_out); the job holds the row shared while it copies the card it read.

create table private.author_card_rewrites (
  author_id uuid not null,
  queued_at timestamptz not null default now(),
  constraint author_card_rewrites_pkey primary key (author_id),
  constraint author_card_rewrites_author_id_fkey foreign key (author_id) references public.profiles (id) on delete cascade
);
comment on table private.author_card_rewrites is 'Authors renamed (name or avatar) with older posts still carrying the previous card, for private.rewrite_author_cards; queued_at moves on every rename.';

create function private.posts_take_author_card()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  sync_limit integer := (select s.author_card_sync_limit from private.feed_settings s);
begin
  update public.posts p set author_card = new.card
  where p.id in (
      select q.id from public.posts q where q.author_id = new.id
      order by q.created_at desc, q.id desc
      limit sync_limit
    )
    and p.author_card is distinct from new.card;
  if exists (select from public.posts q where q.author_id = new.id and q.author_card is distinct from new.card) then
    insert into private.author_card_rewrites as r (author_id) values (new.id)
    on conflict (author_id) do update set queued_at = now();
  end if;
  return null;
end
$$;
comment on function private.posts_take_author_card() is 'Trigger after a profile''s name or avatar changes: rewrites the author card of the author''s newest posts (feed_settings.author_card_sync_limit) and queues the author for private.rewrite_author_cards when older ones remain.';

create trigger profiles_posts_author_card
  after update of display_name, avatar_path on public.profiles
  for each row
  when (old.card is distinct from new.card)
  execute function private.posts_take_author_card();

create function private.rewrite_author_cards(batch integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  a record;
  c jsonb;
  n integer;
  done integer := 0;
begin
  -- The queue rows are not locked: a rename's trigger upserts its author's row while holding the
  -- author's row lock, which this takes second (no deadlock); it moves queued_at, so the delete
  -- below leaves a row queued again meanwhile.
  for a in select r.author_id, r.queued_at from private.author_card_rewrites r order by r.queued_at limit 5 loop
    -- the author's row shared: no rename commits while this copies the card it reads (posting by
    -- this author waits for the run too)
    select pr.card into c from public.profiles pr where pr.id = a.author_id for share;
    update public.posts p set author_card = c
    where p.id in (
      select q.id from public.posts q
      where q.author_id = a.author_id and q.author_card is distinct from c
      limit rewrite_author_cards.batch
    );
    get diagnostics n = row_count;
    done := done + n;
    if not exists (select from public.posts q where q.author_id = a.author_id and q.author_card is distinct from c) then
      delete from private.author_card_rewrites r where r.author_id = a.author_id and r.queued_at = a.queued_at;
    end if;
  end loop;
  return done;
end
$$;
comment on function private.rewrite_author_cards(integer) is 'The author-cards job: for up to five renamed authors, oldest first, rewrites up to batch of their posts still carrying a previous card (under the author''s row lock, shared), and dequeues an author once none is left. Returns the posts rewritten.';
