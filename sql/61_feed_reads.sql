-- Feeds, the read path: the home feed (inbox above the horizon, queued posts and big groups merged,
-- the pull query below), group and profile feeds.
-- Objects: private.pull_feed_ids (the read-time pull query), private.feed_rows (hydration of pulled
-- rows), private.home_feed_page, group_feed_page, profile_feed_page (one statement per page: pick
-- and hydrate), type public.feed_item; public.home_feed, public.group_feed, public.profile_feed.
-- The store and the fan-out are sql/60_feeds.sql.
-- Caveats (docs/feeds.md):
--  * Every inbox row is checked here (post not removed, author not muted now and no block, a group post's
--    group still one of the reader's: the reader's context, kept on write by sql/60_feeds.sql and
--    recomputed here when it is out of date), except the follow behind a profile post: the end of a follow
--    deletes those rows, ordered with every delivery in flight (sql/60_feeds.sql), so the inbox holds
--    a profile post only while its reader follows the author. The queue and the pull query, which
--    are not the reader's own, check the follow per row. Pages below the inbox horizon come from the
--    pull query.
--  * A removed post (removed_at, sql/75_moderation.sql) is in no feed, its author's included: every
--    branch filters it on the post row it reads anyway, so removal is instant and costs no index.
--  * The read functions run with plan_cache_mode = force_generic_plan: their statements are planned
--    once per connection instead of per call (custom plans of the pull query cost more to plan than
--    to run), so their bounds are plain values that the generic plan uses as index conditions.
--  * home_feed_page spells its big-group stream out four times, once per slot: SQL has no loop that a
--    Merge Append keeps lazy, and a function per stream would be a Function Scan that reads it all.
--  * Feed functions are stable and read-only (GET-callable, replica-safe). The public functions are
--    security invoker; the private *_page functions apply the posts select policy's rule set-wise (the
--    oracle tests prove equality with RLS) and hydrate the rows in the same statement (issue 16).

-- Paging: private.check_page_size and the cursor pair private.encode_cursor/decode_cursor are the
-- paging rule of every paged RPC (sql/00_foundation.sql).

-- Who reads: API roles read only as themselves (42501 otherwise); the owner (benchmarks, jobs) may
-- name any reader. The rule is private.require_feed_reader, called by the search pages
-- (sql/90_discovery.sql); the feed *_page functions inline the same two lines (no function call per
-- page on the hottest path), and tests/feeds asserts the 42501 for each.
create function private.require_feed_reader(me uuid)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if coalesce(current_setting('request.jwt.claims', true), '') <> '' and require_feed_reader.me is distinct from auth.uid() then
    raise exception 'a feed is read as the caller' using errcode = '42501';
  end if;
end
$$;
comment on function private.require_feed_reader(uuid) is 'Refuses (42501) a read for a user other than the caller when the request carries JWT claims; the owner (benchmarks, jobs) may name any reader.';

-- The read-time pull query (fan-out on read) ------------------------------------------------------
-- The home feed of `me` strictly below (before_at, before_id) and at or above (after_at, after_id):
-- top-n per source (own posts, accepted followees' profile posts, followed or joined groups), filtered
-- per row before the limit, merged. With only_big_groups, just the big groups' posts (the home feed
-- merges big groups itself since issue 16, in its own statement; kept for callers of the signature).

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
      where not pull_feed_ids.only_big_groups and p.author_id = pull_feed_ids.me and p.removed_at is null
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
      where p.author_id = fe.author_id and p.group_id is null and p.removed_at is null
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
      where p.group_id = mg.group_id and p.removed_at is null
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
comment on function private.pull_feed_ids(uuid, timestamptz, uuid, timestamptz, uuid, integer, boolean) is 'The home feed of a user computed at read time (fan-out on read) between two keys: the pages below the inbox horizon (only_big_groups: just the big groups'' posts). Also the benchmark''s fan-out-on-read baseline.';

-- The API type ----------------------------------------------------------------------------------

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

-- Every page is one statement that picks the rows and hydrates them (author card, group card, the
-- reader's reaction and bookmark, counters) by per-row primary-key probes (issue 16: no scan of all
-- groups, no layers of functions); a card every row shares (the group feed's group, the profile
-- feed's author) is built once, in the statement that checks the reader may read it. What a page
-- may show is decided per reader once, before the statement, as small arrays: the authors hidden
-- from the reader (muted now, or a block either way) and the groups whose posts reach the home feed
-- (active; the reader an active member, or a follower of a public one). The per-row rule is then the
-- posts select policy's: own post; or an author not hidden, and an accepted follow of the author
-- (profile post: a primary-key probe for the queue and the pull query; the home feed's inbox holds
-- only followed authors' profile posts) or one of those groups (group post).
--
-- Hydration reads stored cards (the author's from the post itself, posts.author_card: a profile read
-- per row was a fifth of a home page; groups.card: building cards was a tenth of a page) and
-- looks for the reader's reaction only on posts that have reactions: reaction_count is kept in the
-- same transaction as the reactions (sql/52_reactions.sql), so in the statement's one snapshot a post
-- counting none has none of the reader's (most posts of a page, issue 16).

-- Hydration of rows picked elsewhere (the pull query: pages below the inbox horizon, and the
-- benchmark's fan-out-on-read baseline).
create function private.feed_rows(me uuid, post_ids uuid[])
returns setof public.feed_item
rows 20
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  return query
    select p.id, p.created_at,
      ((extract(epoch from p.created_at) * 1000000)::bigint)::text || '.' || p.id::text,
      p.author_id, p.group_id, p.title, p.content, p.edited_at, p.comment_count, p.reaction_count, p.reaction_counts,
      p.author_card,
      case when p.group_id is not null then (select g.card from public.groups g where g.id = p.group_id) end,
      case when p.reaction_count > 0 then (select r.kind::text from public.reactions r where r.user_id = feed_rows.me and r.post_id = p.id) end,
      exists (select from public.bookmarks bm where bm.user_id = feed_rows.me and bm.post_id = p.id)
    from public.posts p
    where p.id = any (feed_rows.post_ids)
    order by p.created_at desc, p.id desc;
end
$$;
comment on function private.feed_rows(uuid, uuid[]) is 'Hydrates posts already filtered by the visibility rules for a reader: author and group cards, counts, the reader''s reaction and bookmark; newest first. Per-row primary-key probes.';

create function private.home_feed_page(me uuid, cursor text, page_size integer)
returns setof public.feed_item
rows 20
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  n integer := private.check_page_size(home_feed_page.page_size);
  b_at timestamptz;
  b_id uuid;
  h_at timestamptz;
  h_id uuid;
  low_at timestamptz;
  low_id uuid;
  hidden uuid[];
  my_groups uuid[];
  big_groups uuid[];
  queued boolean;
  got integer := 0;
begin
  if coalesce(current_setting('request.jwt.claims', true), '') <> '' and home_feed_page.me is distinct from auth.uid() then
    raise exception 'a feed is read as the caller' using errcode = '42501';
  end if;
  -- the first page's bounds are private.decode_cursor(null)'s, set here: no call on the hottest page
  if home_feed_page.cursor is null then
    b_at := 'infinity';
    b_id := 'ffffffff-ffff-ffff-ffff-ffffffffffff';
  else
    select c.at, c.id into b_at, b_id from private.decode_cursor(home_feed_page.cursor) c;
  end if;
  if home_feed_page.me is null then
    return;
  end if;
  -- The reader's context in one statement (issue 16): the inbox horizon; the authors hidden from the
  -- reader (muted now, or a block either way) and the groups whose posts reach the home feed, as
  -- stored by the writes they depend on (private.feed_reader_context), or computed here by the same
  -- rule when the row is missing or a timed mute has run out since it was written (coalesce calls
  -- the function only then); which of those groups are big (merged here, never fanned out); and
  -- whether the queue holds any post between the cursor and the horizon (then the next statement
  -- asks whether one is for this reader). offset 0 keeps the subquery a subquery: the context is
  -- taken once.
  select
    x.horizon_at,
    x.horizon_id,
    (x.ctx).hidden,
    (x.ctx).home_groups,
    array(select bg.group_id from private.feed_big_groups bg where bg.group_id = any ((x.ctx).home_groups)),
    exists (
      select from private.feed_queue q
      where (q.created_at, q.post_id) < (b_at, b_id)
        and (q.created_at, q.post_id) >= (coalesce(x.horizon_at, '-infinity'), coalesce(x.horizon_id, '00000000-0000-0000-0000-000000000000'))
    )
  into h_at, h_id, hidden, my_groups, big_groups, queued
  from (
    select coalesce(c, private.feed_reader_context_of(home_feed_page.me)) as ctx, s.horizon_at, s.horizon_id
    from (select 1) one
    left join private.feed_reader_context c on c.user_id = home_feed_page.me and c.valid_until > now()
    left join private.feed_inbox_state s on s.user_id = home_feed_page.me
    offset 0
  ) x;
  if queued then
    -- Something is queued in the range (normally the queue is empty: the drain runs every second).
    -- Is any of it for this reader? Asked only then: its plan alone was a twentieth of a page.
    select exists (
      select from private.feed_queue q
      where (q.created_at, q.post_id) < (b_at, b_id)
        and (q.created_at, q.post_id) >= (coalesce(h_at, '-infinity'), coalesce(h_id, '00000000-0000-0000-0000-000000000000'))
        and (q.author_id = home_feed_page.me
          or (q.group_id is null and exists (
              select from public.follows f
              where f.follower_id = home_feed_page.me and f.followee_id = q.author_id and f.status = 'accepted'))
          or q.group_id = any (my_groups))
    ) into queued;
  end if;
  if h_at is null or (b_at, b_id) > (h_at, h_id) then
    -- Above the horizon: the inbox (complete there), plus the posts still in the queue and the big
    -- groups' posts. The bounds are plain values, so the generic plan keeps them as index conditions.
    low_at := coalesce(h_at, '-infinity');
    low_id := coalesce(h_id, '00000000-0000-0000-0000-000000000000');
    -- One statement: a lazy merge of ordered streams, each read only as far as the page needs (a
    -- Merge Append under the limit): the reader's inbox; the queued posts for the reader (only when
    -- the statement above found some); the newest posts of each big group the reader is in, one stream per
    -- group for the first four of them (98 % of readers at scale 1 are in at most four) and
    -- one sorted stream for the rest. A stream the reader does not need reads nothing (not even its
    -- index): the queue's is off (a one-time filter on queued), a slot beyond the reader's big
    -- groups has limit 0. Merged and deduplicated on the key, then hydrated, each row's
    -- author card coming with its post (posts.author_card). The inbox's (created_at, post_id)
    -- is the post's (created_at, id): both are copied at fan-out and posts.created_at never changes.
    return query
      with page as (
        -- distinct on the key: a big group's post can also sit in an inbox (the author's own row, or
        -- fanned out before the group grew big)
        select distinct on (u.created_at, u.id) u.*
        from (
          (
            select i.created_at, i.post_id as id, p.author_id, p.group_id, p.title, p.content, p.edited_at,
              p.comment_count, p.reaction_count, p.reaction_counts, p.author_card
            from private.feed_inbox i
            join public.posts p on p.id = i.post_id
            where i.user_id = home_feed_page.me
              and (i.created_at, i.post_id) < (b_at, b_id) and (i.created_at, i.post_id) >= (low_at, low_id)
              and p.removed_at is null
              -- a profile post is in the inbox only while the reader follows its author (see the header)
              and (p.author_id = home_feed_page.me
                or (p.author_id <> all (hidden) and (p.group_id is null or p.group_id = any (my_groups))))
            order by i.created_at desc, i.post_id desc
            limit n
          )
          union all
          (
            select q.created_at, q.post_id, p.author_id, p.group_id, p.title, p.content, p.edited_at,
              p.comment_count, p.reaction_count, p.reaction_counts, p.author_card
            from private.feed_queue q
            join public.posts p on p.id = q.post_id
            where queued
              and (q.created_at, q.post_id) < (b_at, b_id) and (q.created_at, q.post_id) >= (low_at, low_id)
              and p.removed_at is null
              and (p.author_id = home_feed_page.me
                or (p.author_id <> all (hidden)
                  and case when p.group_id is null
                    then exists (
                      select from public.follows f
                      where f.follower_id = home_feed_page.me and f.followee_id = p.author_id and f.status = 'accepted'
                    )
                    else p.group_id = any (my_groups)
                  end))
            order by q.created_at desc, q.post_id desc
            limit n
          )
          union all
          (
            select p.created_at, p.id, p.author_id, p.group_id, p.title, p.content, p.edited_at,
              p.comment_count, p.reaction_count, p.reaction_counts, p.author_card
            from public.posts p
            where p.group_id = big_groups[1] and p.removed_at is null
              and (p.created_at, p.id) < (b_at, b_id) and (p.created_at, p.id) >= (low_at, low_id)
              and (p.author_id = home_feed_page.me or p.author_id <> all (hidden))
            order by p.created_at desc, p.id desc
            limit case when cardinality(big_groups) >= 1 then n else 0 end
          )
          union all
          (
            select p.created_at, p.id, p.author_id, p.group_id, p.title, p.content, p.edited_at,
              p.comment_count, p.reaction_count, p.reaction_counts, p.author_card
            from public.posts p
            where p.group_id = big_groups[2] and p.removed_at is null
              and (p.created_at, p.id) < (b_at, b_id) and (p.created_at, p.id) >= (low_at, low_id)
              and (p.author_id = home_feed_page.me or p.author_id <> all (hidden))
            order by p.created_at desc, p.id desc
            limit case when cardinality(big_groups) >= 2 then n else 0 end
          )
          union all
          (
            select p.created_at, p.id, p.author_id, p.group_id, p.title, p.content, p.edited_at,
              p.comment_count, p.reaction_count, p.reaction_counts, p.author_card
            from public.posts p
            where p.group_id = big_groups[3] and p.removed_at is null
              and (p.created_at, p.id) < (b_at, b_id) and (p.created_at, p.id) >= (low_at, low_id)
              and (p.author_id = home_feed_page.me or p.author_id <> all (hidden))
            order by p.created_at desc, p.id desc
            limit case when cardinality(big_groups) >= 3 then n else 0 end
          )
          union all
          (
            select p.created_at, p.id, p.author_id, p.group_id, p.title, p.content, p.edited_at,
              p.comment_count, p.reaction_count, p.reaction_counts, p.author_card
            from public.posts p
            where p.group_id = big_groups[4] and p.removed_at is null
              and (p.created_at, p.id) < (b_at, b_id) and (p.created_at, p.id) >= (low_at, low_id)
              and (p.author_id = home_feed_page.me or p.author_id <> all (hidden))
            order by p.created_at desc, p.id desc
            limit case when cardinality(big_groups) >= 4 then n else 0 end
          )
          union all
          (
            select bp.*
            from unnest(big_groups[5:]) as bg(group_id)
            cross join lateral (
              select p.created_at, p.id, p.author_id, p.group_id, p.title, p.content, p.edited_at,
                p.comment_count, p.reaction_count, p.reaction_counts, p.author_card
              from public.posts p
              where p.group_id = bg.group_id and p.removed_at is null
                and (p.created_at, p.id) < (b_at, b_id) and (p.created_at, p.id) >= (low_at, low_id)
                and (p.author_id = home_feed_page.me or p.author_id <> all (hidden))
              order by p.created_at desc, p.id desc
              limit n
            ) bp
            order by bp.created_at desc, bp.id desc
            limit case when cardinality(big_groups) > 4 then n else 0 end
          )
        ) u
        order by u.created_at desc, u.id desc
        limit n
      )
      select p.id, p.created_at,
      ((extract(epoch from p.created_at) * 1000000)::bigint)::text || '.' || p.id::text,
      p.author_id, p.group_id, p.title, p.content, p.edited_at, p.comment_count, p.reaction_count, p.reaction_counts,
      p.author_card,
      case when p.group_id is not null then (select g.card from public.groups g where g.id = p.group_id) end,
      case when p.reaction_count > 0 then (select r.kind::text from public.reactions r where r.user_id = home_feed_page.me and r.post_id = p.id) end,
      exists (select from public.bookmarks bm where bm.user_id = home_feed_page.me and bm.post_id = p.id)
      from page p
      order by p.created_at desc, p.id desc;
    get diagnostics got = row_count;
    if got >= n or h_at is null then
      return;
    end if;
    -- the inbox is exhausted: continue strictly below the horizon
    b_at := h_at;
    b_id := h_id;
    n := n - got;
  end if;
  -- below the horizon: the read-time pull query
  return query select * from private.feed_rows(home_feed_page.me, array(
    select pp.post_id from private.pull_feed_ids(home_feed_page.me, b_at, b_id, null, null, n, false) pp));
end
$$;
comment on function private.home_feed_page(uuid, text, integer) is 'The rows of public.home_feed for a reader, one statement per page: above the inbox horizon a lazy merge of the inbox, the queued posts of big authors for the reader and the newest posts of each big group the reader is in, each stream read only as far as the page needs; filtered by the posts select policy''s rule and hydrated. Below the horizon, the pull query.';

-- Group and profile feeds ---------------------------------------------------------------------------

create function private.group_feed_page(me uuid, group_id uuid, cursor text, page_size integer)
returns setof public.feed_item
rows 20
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  n integer := private.check_page_size(group_feed_page.page_size);
  b_at timestamptz;
  b_id uuid;
  card jsonb;
  hidden uuid[];
begin
  if coalesce(current_setting('request.jwt.claims', true), '') <> '' and group_feed_page.me is distinct from auth.uid() then
    raise exception 'a feed is read as the caller' using errcode = '42501';
  end if;
  select c.at, c.id into b_at, b_id from private.decode_cursor(group_feed_page.cursor) c;
  -- One statement for the page's context: the group's card, built once for every row (issue 16),
  -- when the reader may read the group; and the authors hidden from the reader, as the home feed
  -- has them: stored (private.feed_reader_context), or by the same rule when the row is missing or
  -- out of date (none for anon).
  select g.card,
    case when group_feed_page.me is null then '{}'::uuid[]
      else coalesce(c.hidden, (private.feed_reader_context_of(group_feed_page.me)).hidden) end
  into card, hidden
  from public.groups g
  left join private.feed_reader_context c on c.user_id = group_feed_page.me and c.valid_until > now()
  where g.id = group_feed_page.group_id
    and (
      (g.status = 'active' and g.visibility = 'public')
      -- a suspended group (sql/75_moderation.sql) stays readable by its active members
      or g.status in ('active', 'suspended') and exists (
        select from public.group_members gm
        where gm.group_id = g.id and gm.user_id = group_feed_page.me and gm.status = 'active'
      )
    );
  if card is null then
    return;
  end if;
  return query
    select p.id, p.created_at,
      ((extract(epoch from p.created_at) * 1000000)::bigint)::text || '.' || p.id::text,
      p.author_id, p.group_id, p.title, p.content, p.edited_at, p.comment_count, p.reaction_count, p.reaction_counts,
      p.author_card,
      card,
      case when p.reaction_count > 0 then (select r.kind::text from public.reactions r where r.user_id = group_feed_page.me and r.post_id = p.id) end,
      exists (select from public.bookmarks bm where bm.user_id = group_feed_page.me and bm.post_id = p.id)
    from public.posts p
    where p.group_id = group_feed_page.group_id and p.removed_at is null
      and (p.created_at, p.id) < (b_at, b_id)
      and (p.author_id = group_feed_page.me or p.author_id <> all (hidden))
    order by p.created_at desc, p.id desc
    limit n;
end
$$;
comment on function private.group_feed_page(uuid, uuid, text, integer) is 'The rows of public.group_feed for a reader, one statement: nothing unless the group is active and public or the reader an active member (of an active or suspended group); removed posts and authors the reader mutes or is blocked with left out; hydrated.';

create function private.profile_feed_page(me uuid, user_id uuid, cursor text, page_size integer)
returns setof public.feed_item
rows 20
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  n integer := private.check_page_size(profile_feed_page.page_size);
  b_at timestamptz;
  b_id uuid;
  card jsonb;
begin
  if coalesce(current_setting('request.jwt.claims', true), '') <> '' and profile_feed_page.me is distinct from auth.uid() then
    raise exception 'a feed is read as the caller' using errcode = '42501';
  end if;
  select c.at, c.id into b_at, b_id from private.decode_cursor(profile_feed_page.cursor) c;
  -- the author's card, built once for every row (issue 16), when the reader may read the profile
  select pr.card
  into card
  from public.profiles pr
  where pr.id = profile_feed_page.user_id
    and (
      pr.id = profile_feed_page.me
      or (
        (
          not pr.is_private
          or exists (
            select from public.follows f
            where f.follower_id = profile_feed_page.me and f.followee_id = pr.id and f.status = 'accepted'
          )
        )
        and not exists (
          select from public.blocks b
          where (b.blocker_id = profile_feed_page.me and b.blocked_id = pr.id)
             or (b.blocker_id = pr.id and b.blocked_id = profile_feed_page.me)
        )
      )
    );
  if card is null then
    return;
  end if;
  return query
    select p.id, p.created_at,
      ((extract(epoch from p.created_at) * 1000000)::bigint)::text || '.' || p.id::text,
      p.author_id, p.group_id, p.title, p.content, p.edited_at, p.comment_count, p.reaction_count, p.reaction_counts,
      card,
      null::jsonb,
      case when p.reaction_count > 0 then (select r.kind::text from public.reactions r where r.user_id = profile_feed_page.me and r.post_id = p.id) end,
      exists (select from public.bookmarks bm where bm.user_id = profile_feed_page.me and bm.post_id = p.id)
    from public.posts p
    where p.author_id = profile_feed_page.user_id and p.group_id is null and p.removed_at is null
      and (p.created_at, p.id) < (b_at, b_id)
    order by p.created_at desc, p.id desc
    limit n;
end
$$;
comment on function private.profile_feed_page(uuid, uuid, text, integer) is 'The rows of public.profile_feed for a reader, one statement: the user''s profile posts (not group posts), nothing across a block or for a private profile the reader does not follow; hydrated.';

-- The API -------------------------------------------------------------------------------------------

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

grant execute on function private.home_feed_page(uuid, text, integer) to authenticated, service_role;
grant execute on function private.group_feed_page(uuid, uuid, text, integer) to anon, authenticated, service_role;
grant execute on function private.profile_feed_page(uuid, uuid, text, integer) to anon, authenticated, service_role;
grant execute on function public.home_feed(text, integer) to authenticated, service_role;
grant execute on function public.group_feed(uuid, text, integer) to anon, authenticated, service_role;
grant execute on function public.profile_feed(uuid, text, integer) to anon, authenticated, service_role;
