// The benchmark's dataset, generated inside Postgres (insert … select over generate_series, seeded):
// power-law follower counts with a few accounts followed by nearly everyone (100k followers at the
// default scale), log-normal followee counts with a tail of heavy readers, 10 % private profiles
// with accepted and pending followers, power-law groups (a quarter private), memberships, group
// follows, and posts over 30 days by a heavy-tailed activity that is independent of follower rank
// (the most followed accounts post at ordinary rates). Triggers are handled deliberately: users go
// through the sign-up trigger (profiles, usernames, roles); everything else is loaded with
// session_replication_role = replica (no per-row triggers), then the counters are set from
// aggregates and the inboxes are built in bulk as fan-out and the queue drain would have left them:
// complete (the newest inbox_cap) for the active readers the bench reads as, the newest days for
// everyone else (their older pages come from the pull query, as for a returning user).
import type postgres from "postgres";
import { Progress } from "./progress.ts";

export interface Shape {
  users: number;
  posts: number;
  groups: number;
  /** accounts i = 1..celebrities are followed by every other user (public profiles) */
  celebrities: number;
  /** the inbox is built in bulk for posts newer than this many days; older pages use the pull query */
  inboxDays: number;
  /** users with i % 100 in activeReaders have complete inboxes (the bench reads as them) */
  activeReaders: number[];
  /** percent of users seen (an access token) in the last 7 days, the fan-out's recipients (issue 16);
   *  the activeReaders always are, the rest were last seen 30 days ago (dormant) */
  seenPercent: number;
  queueThreshold: number;
}

export function shapeFor(scale: number): Shape {
  return {
    users: Math.max(200, Math.round(100_000 * scale)),
    posts: Math.max(2_000, Math.round(1_000_000 * scale)),
    groups: Math.max(10, Math.round(1_000 * scale)),
    celebrities: 3,
    inboxDays: 3,
    activeReaders: [1, 7],
    seenPercent: 30,
    queueThreshold: 2_000,
  };
}

async function chunked(label: string, total: number, size: number, body: (from: number, to: number) => Promise<unknown>) {
  const bar = new Progress(label, total);
  for (let from = 1; from <= total; from += size) {
    const to = Math.min(total, from + size - 1);
    await body(from, to);
    bar.tick(to - from + 1);
  }
  bar.finish();
}

export async function generate(sql: postgres.Sql, shape: Shape): Promise<void> {
  const U = shape.users;
  await sql`create schema if not exists bench`;
  await sql`create table bench.users (i integer primary key, id uuid not null unique, followees integer not null)`;
  await sql`select setseed(0.4242)`;
  // log-normal followee counts (median 30), plus one heavy reader (1000 followees) in every 500 users
  await sql`insert into bench.users (i, id, followees)
    select i, md5('bench-user-' || i)::uuid,
      case when i % 500 = 7 then least(${U - 1}, 1000)
           else least(${U - 1}, greatest(1, round(exp(ln(30) + 1.0 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))))::int end
    from generate_series(1, ${U}) i`;

  await chunked(
    "users (sign-up trigger)",
    U,
    2_000,
    (from, to) =>
      sql`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, raw_app_meta_data,
        raw_user_meta_data, created_at, updated_at, email_confirmed_at, confirmation_token, recovery_token,
        email_change_token_new, email_change, is_sso_user, is_anonymous)
      select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', 'bench' || u.i || '@bench.test', '',
        '{"provider": "email", "providers": ["email"]}'::jsonb,
        jsonb_build_object('username', 'bench_' || u.i, 'display_name', 'Bench User ' || u.i),
        now(), now(), now(), '', '', '', '', false, false
      from bench.users u where u.i between ${from} and ${to}`,
  );
  // 10 % private profiles, never the three most followed accounts
  await sql`update public.profiles p set is_private = true from bench.users u where u.id = p.id and u.i % 10 = 3 and u.i > 3`;

  await sql`set session_replication_role = replica`;
  try {
    // follows: each user draws its followees from a power law over popularity rank (rank 1 = most followed)
    await chunked(
      "follows",
      U,
      2_000,
      (from, to) =>
        sql`insert into public.follows (follower_id, followee_id, status, created_at, accepted_at)
        select u.id, v.id, st.status, now() - interval '60 days',
          case when st.status = 'accepted' then now() - interval '60 days' end
        from bench.users u
        cross join lateral (
          select d.j from (
            select distinct 1 + floor((${U} - 1) * power(random() + 0 * s, 3))::int as j
            from generate_series(1, u.followees * 3) s
          ) d
          where d.j <> u.i
          limit u.followees
        ) pick
        join bench.users v on v.i = pick.j
        join public.profiles p on p.id = v.id
        cross join lateral (
          select case when p.is_private and random() + 0 * pick.j < 0.15 then 'pending'::public.follow_status
                      else 'accepted'::public.follow_status end as status
        ) st
        where u.i between ${from} and ${to}
        on conflict do nothing`,
    );
    // the few accounts everybody follows (the 100k-follower authors of the issue at the default scale)
    await chunked(
      "follows of the most followed accounts",
      U,
      20_000,
      (from, to) =>
        sql`insert into public.follows (follower_id, followee_id, status, created_at, accepted_at)
        select u.id, c.id, 'accepted', now() - interval '60 days', now() - interval '60 days'
        from bench.users u join bench.users c on c.i <= ${shape.celebrities} and c.i <> u.i
        where u.i between ${from} and ${to}
        on conflict do nothing`,
    );

    // groups: power-law sizes, a quarter private (never the two largest)
    await sql`insert into public.groups (id, kind, slug, name, visibility, status, created_by, created_at)
      select md5('bench-group-' || g)::uuid, 'generic', 'bench-g-' || g, 'Bench Group ' || g,
        case when g % 4 = 1 and g > 2 then 'private'::public.group_visibility else 'public' end,
        'active', (select u.id from bench.users u where u.i = 1 + (g * 7919) % ${U}), now() - interval '90 days'
      from generate_series(1, ${shape.groups}) g`;
    await chunked(
      "memberships",
      shape.groups,
      100,
      (from, to) =>
        sql`insert into public.group_members (group_id, user_id, role, status, joined_at, created_at)
        select g.id, u.id, 'member', st.status,
          case when st.status = 'active' then now() - interval '80 days' end, now() - interval '80 days'
        from generate_series(${from}::int, ${to}::int) n
        join public.groups g on g.slug = 'bench-g-' || n
        cross join lateral (
          select distinct 1 + floor(random() * ${U} + 0 * s)::int as j
          from generate_series(1, greatest(5, least(${U}, ceil(${U} * 0.3 / n)::int))) s
        ) pick
        join bench.users u on u.i = pick.j
        cross join lateral (
          select case when g.visibility = 'private' and random() + 0 * pick.j < 0.05 then 'pending'::public.membership_status
                      else 'active'::public.membership_status end as status
        ) st
        on conflict do nothing`,
    );
    await sql`insert into public.group_members (group_id, user_id, role, status, joined_at, created_at)
      select g.id, g.created_by, 'owner', 'active', now() - interval '90 days', now() - interval '90 days' from public.groups g
      on conflict (group_id, user_id) do update set role = 'owner', status = 'active', joined_at = excluded.joined_at`;
    await sql`insert into public.group_follows (user_id, group_id, created_at)
      select u.id, g.id, now() - interval '70 days'
      from generate_series(1, ${shape.groups}) n
      join public.groups g on g.slug = 'bench-g-' || n and g.visibility = 'public'
      cross join lateral (
        select distinct 1 + floor(random() * ${U} + 0 * s)::int as j
        from generate_series(1, greatest(3, least(${U}, ceil(${U} * 0.15 / n)::int))) s
      ) pick
      join bench.users u on u.i = pick.j
      on conflict do nothing`;
    await sql`create table bench.active_members as
      select row_number() over () as n, m.group_id, m.user_id from public.group_members m where m.status = 'active'`;
    await sql`create unique index on bench.active_members (n)`;
    const [{ members } = { members: 0 }] = await sql<{ members: number }[]>`select count(*)::int as members from bench.active_members`;

    // posts over 30 days: 80 % profile posts by a power law of authors, 20 % group posts by members
    await chunked(
      "posts",
      shape.posts,
      50_000,
      (from, to) =>
        sql`insert into public.posts (id, author_id, group_id, title, content, created_at, updated_at, author_card)
        select md5('bench-post-' || t.s)::uuid,
          coalesce(m.user_id, a.id), m.group_id,
          case when m.group_id is not null then 'Group post ' || t.s end,
          jsonb_build_object('blocks', jsonb_build_array(jsonb_build_object('type', 'text', 'value', 'Bench post number ' || t.s))),
          t.at, t.at,
          -- the author's card, which the insert trigger (off here) copies
          (select pr.card from public.profiles pr where pr.id = coalesce(m.user_id, a.id))
        from (
          select s, now() - random() * interval '30 days' as at, random() < 0.2 as in_group,
            1 + ((floor((${U} - 1) * power(random(), 2))::bigint * 7919 + 12345) % ${U})::int as author_i,
            1 + floor(random() * ${members})::int as member_n
          from generate_series(${from}::int, ${to}::int) s
        ) t
        left join bench.users a on not t.in_group and a.i = t.author_i
        left join bench.active_members m on t.in_group and m.n = t.member_n`,
    );
    // comments (0.2 per post), reactions (0.5 per post) and bookmarks (0.05 per post) on random posts, when
    // those tables exist. Bookmarks so that a feed row's bookmark probe reads an index, as it does in
    // production, not an empty table (before 2026-12-04 the bench had none).
    const [{ has } = { has: false }] = await sql<{ has: boolean }[]>`select to_regclass('public.reactions') is not null
      and to_regclass('public.comments') is not null and to_regclass('public.bookmarks') is not null as has`;
    if (has) {
      await chunked("comments, reactions and bookmarks", shape.posts, 100_000, async (from, to) => {
        await sql`insert into public.comments (post_id, author_id, body, created_at, updated_at)
          select md5('bench-post-' || t.pi)::uuid, u.id, 'A benchmark comment ' || t.s, now() - interval '1 hour', now() - interval '1 hour'
          from (select s, 1 + floor(random() * ${U})::int as ui, ${from}::int + floor(random() * (${to}::int - ${from}::int + 1))::int as pi
                from generate_series(1, ((${to}::int - ${from}::int + 1) / 5)::int) s) t
          join bench.users u on u.i = t.ui`;
        await sql`insert into public.reactions (user_id, post_id, kind, created_at)
          select u.id, md5('bench-post-' || t.pi)::uuid,
            (array['like', 'love', 'haha', 'wow', 'sad', 'angry'])[1 + floor(random() * 6)::int]::public.reaction_kind,
            now() - interval '1 hour'
          from (select s, 1 + floor(random() * ${U})::int as ui, ${from}::int + floor(random() * (${to}::int - ${from}::int + 1))::int as pi
                from generate_series(1, ((${to}::int - ${from}::int + 1) / 2)::int) s) t
          join bench.users u on u.i = t.ui
          on conflict do nothing`;
        await sql`insert into public.bookmarks (user_id, post_id, created_at)
          select u.id, md5('bench-post-' || t.pi)::uuid, now() - interval '1 hour'
          from (select s, 1 + floor(random() * ${U})::int as ui, ${from}::int + floor(random() * (${to}::int - ${from}::int + 1))::int as pi
                from generate_series(1, ((${to}::int - ${from}::int + 1) / 20)::int) s) t
          join bench.users u on u.i = t.ui
          on conflict do nothing`;
      });
      await sql`update public.posts p set comment_count = c.n from (
          select post_id, count(*)::int as n from public.comments group by post_id) c where c.post_id = p.id`;
      await sql`update public.posts p set reaction_count = r.n, reaction_counts = r.by_kind from (
          select x.post_id, sum(x.n)::int as n, jsonb_object_agg(x.kind, x.n) as by_kind
          from (select post_id, kind, count(*)::int as n from public.reactions where post_id is not null group by post_id, kind) x
          group by x.post_id) r where r.post_id = p.id`;
    }
  } finally {
    await sql`set session_replication_role = origin`;
  }

  const bar = new Progress("counters and inboxes", 6);
  await sql`update public.profiles p set
      followers_count = coalesce((select count(*) from public.follows f where f.followee_id = p.id and f.status = 'accepted'), 0),
      following_count = coalesce((select count(*) from public.follows f where f.follower_id = p.id and f.status = 'accepted'), 0),
      posts_count = coalesce((select count(*) from public.posts x where x.author_id = p.id), 0)`;
  await sql`update public.groups g set
      member_count = (select count(*) from public.group_members m where m.group_id = g.id and m.status = 'active'),
      follower_count = (select count(*) from public.group_follows f where f.group_id = g.id)`;
  await sql`insert into public.user_roles (user_id, role)
    select m.user_id, 'group_owner' from public.group_members m where m.role = 'owner' on conflict do nothing`;
  bar.tick();
  await sql`update private.feed_settings set queue_threshold = ${shape.queueThreshold}`;
  await sql`insert into private.feed_big_authors (author_id) select p.id from public.profiles p where p.followers_count > ${shape.queueThreshold}`;
  await sql`insert into private.feed_big_groups (group_id) select g.id from public.groups g where g.member_count + g.follower_count > ${shape.queueThreshold}`;
  bar.tick();
  // the inboxes, in bulk, as fan-out and the drained queue leave them (big groups are read-time): every
  // candidate of the newest days for everyone, of all days for the active readers; then each capped (a post that reaches a
  // reader twice, as member and follower of its group, is one row: on conflict do nothing)
  const candidates = (since: string, readers: string) =>
    sql.unsafe(`
    insert into private.feed_inbox (user_id, created_at, post_id)
    select p.author_id, p.created_at, p.id from public.posts p
    where p.created_at >= ${since} and p.author_id in (${readers})
    union all
    select f.follower_id, p.created_at, p.id
    from public.posts p join public.follows f on f.followee_id = p.author_id and f.status = 'accepted'
    where p.group_id is null and p.created_at >= ${since} and f.follower_id in (${readers})
    union all
    select m.user_id, p.created_at, p.id
    from public.posts p join public.group_members m on m.group_id = p.group_id and m.status = 'active'
    where p.created_at >= ${since} and m.user_id in (${readers})
      and p.group_id not in (select group_id from private.feed_big_groups)
    union all
    select gf.user_id, p.created_at, p.id
    from public.posts p join public.group_follows gf on gf.group_id = p.group_id
    where p.created_at >= ${since} and gf.user_id in (${readers})
      and p.group_id not in (select group_id from private.feed_big_groups)
    on conflict do nothing`);
  const everyone = "select id from bench.users";
  const active = `select id from bench.users where i % 100 in (${shape.activeReaders.join(", ")})`;
  await candidates(`now() - make_interval(days => ${shape.inboxDays})`, everyone);
  bar.tick();
  await candidates("'-infinity'", active);
  await sql.unsafe(`insert into private.feed_inbox_state (user_id, horizon_at, horizon_id)
    select p.id, (select min(x.created_at) from public.posts x where x.created_at >= now() - make_interval(days => ${shape.inboxDays})),
      '00000000-0000-0000-0000-000000000000'
    from public.profiles p where p.id not in (${active})`);
  // who the fan-out serves (private.feed_readers, issue 16): the readers the bench reads as, and
  // seenPercent of everyone; the others dormant (their next token would rebuild their inboxes)
  await sql.unsafe(`insert into private.feed_readers (user_id, last_seen_at, inbox_ready)
    select u.id, case when u.i % 100 in (${shape.activeReaders.join(", ")}) or u.i % 100 < ${shape.seenPercent}
      then now() else now() - interval '30 days' end, true
    from bench.users u`);
  // every reader's home-feed context, as the writes the load bypassed would have kept it (issue 16):
  // the sign-up trigger made each row empty, and the memberships, follows, mutes and blocks came in
  // without triggers since
  await sql`insert into private.feed_reader_context (user_id, hidden, home_groups, valid_until)
    select pr.id, x.hidden, x.home_groups, x.valid_until
    from public.profiles pr cross join lateral private.feed_reader_context_of(pr.id) x
    on conflict (user_id) do update
      set hidden = excluded.hidden, home_groups = excluded.home_groups, valid_until = excluded.valid_until`;
  const [stale] = await sql<{ n: number }[]>`
    select count(*)::int as n from private.feed_reader_context c
    cross join lateral private.feed_reader_context_of(c.user_id) x
    where c.hidden is distinct from x.hidden or c.home_groups is distinct from x.home_groups`;
  if ((stale?.n ?? 0) > 0) throw new Error(`${stale?.n} stored feed contexts differ from the rule after the load`);
  bar.tick();
  await sql`select private.trim_feed_inboxes(${U})`;
  bar.tick();
  bar.finish();
}
