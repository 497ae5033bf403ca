// Feeds fixtures: a random social world built through the API (seeded), and the brute-force oracle
// the feeds are compared with. The oracle takes visibility from what the reader can select from
// public.posts under RLS (the one visibility rule), and the feed rules from the contract:
//   home    = own posts + profile posts of accepted followees + posts of active groups followed or
//             actively joined (a suspended group's members still read it, in its group feed only),
//             less authors the reader mutes (now);
//   group   = the group's posts the reader can select, less muted authors;
//   profile = the user's profile posts (group_id null) the reader can select.
import { expect } from "vitest";
import { createGroup, type GroupRow, slugFor, unique } from "../groups/fixtures.ts";
import type { Actor, RpcRow, TestDatabase } from "../helpers/db.ts";
import { accept, block, follow, idOf, mute } from "../people/graph.ts";

export type Feed = "home_feed" | "group_feed" | "profile_feed";

/** One feed item as PostgREST answers it (home_feed, group_feed and profile_feed return the same type). */
export type FeedRow = RpcRow<"home_feed">;

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const textContent = (value: string) => ({ blocks: [{ type: "text", value }] });

/** POST /posts as the author (returns the new id). */
export async function post(db: TestDatabase, author: Actor, group?: GroupRow | string, title?: string): Promise<string> {
  const groupId = typeof group === "string" ? group : (group?.id ?? null);
  const rows = await db.request(
    author,
    (tx) => tx<{ id: string }[]>`insert into public.posts (group_id, title, content)
      values (${groupId}, ${groupId ? (title ?? "A title") : (title ?? null)}, ${tx.json(textContent(unique("p")))})
      returning id`,
    { path: "/posts" },
  );
  return (rows[0] as { id: string }).id;
}

export async function rpc(db: TestDatabase, actor: Actor, fn: string, args: Record<string, unknown>): Promise<unknown> {
  return db.rpcUnchecked(actor, fn, args);
}

/** Every page of a feed, following cursors, as PostgREST serves it (GET /rpc/<feed>). */
export async function readAll(
  db: TestDatabase,
  actor: Actor,
  feed: Feed,
  args: Record<string, unknown>,
  pageSize: number,
): Promise<FeedRow[]> {
  const all: FeedRow[] = [];
  let cursor = (args.cursor as string | null | undefined) ?? null;
  for (let i = 0; i < 1000; i++) {
    const page: FeedRow[] = await db.rpcRows(actor, feed, { ...args, cursor, page_size: pageSize });
    expect(page.length).toBeLessThanOrEqual(pageSize);
    all.push(...page);
    if (page.length < pageSize) return all;
    cursor = (page[page.length - 1] as FeedRow).cursor;
  }
  throw new Error("feed did not end");
}

interface PostFact {
  id: string;
  author_id: string;
  group_id: string | null;
  created_at: Date;
}

/** The ids of the posts this actor can select from public.posts under RLS, with their facts. */
async function selectable(db: TestDatabase, actor: Actor): Promise<PostFact[]> {
  const rows = await db.request(actor, (tx) => tx<PostFact[]>`select id, author_id, group_id, created_at from public.posts`, {
    method: "GET",
    path: "/posts",
  });
  // timestamps with microseconds: order by the database's own key
  const keyed = await db.admin<{ id: string; k: string }[]>`select id, to_char(created_at, 'YYYYMMDDHH24MISSUS') as k from public.posts`;
  const key = new Map(keyed.map((r) => [r.id, r.k]));
  return [...rows].sort((a, b) => {
    const ka = key.get(a.id) as string;
    const kb = key.get(b.id) as string;
    if (ka !== kb) return ka < kb ? 1 : -1;
    return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  });
}

async function mutedBy(db: TestDatabase, reader: string): Promise<Set<string>> {
  const rows = await db.admin<{ muted_id: string }[]>`select muted_id from public.mutes
    where muter_id = ${reader} and (expires_at is null or expires_at > now())`;
  return new Set(rows.map((r) => r.muted_id));
}

export async function oracle(db: TestDatabase, actor: Actor, feed: Feed, args: Record<string, unknown>): Promise<string[]> {
  const visible = await selectable(db, actor);
  const me = actor.user?.id ?? null;
  const muted = me ? await mutedBy(db, me) : new Set<string>();
  if (feed === "profile_feed") {
    return visible.filter((p) => p.author_id === args.user_id && p.group_id === null).map((p) => p.id);
  }
  if (feed === "group_feed") {
    return visible.filter((p) => p.group_id === args.group_id && (p.author_id === me || !muted.has(p.author_id))).map((p) => p.id);
  }
  if (!me) return [];
  const followees = new Set(
    (
      await db.admin<{ followee_id: string }[]>`select followee_id from public.follows where follower_id = ${me} and status = 'accepted'`
    ).map((r) => r.followee_id),
  );
  const groups = new Set(
    (
      await db.admin<{ group_id: string }[]>`select gm.group_id from public.group_members gm join public.groups g on g.id = gm.group_id
        where gm.user_id = ${me} and gm.status = 'active' and g.status = 'active'
        union select gf.group_id from public.group_follows gf join public.groups g on g.id = gf.group_id
        where gf.user_id = ${me} and g.status = 'active'`
    ).map((r) => r.group_id),
  );
  return visible
    .filter(
      (p) =>
        p.author_id === me ||
        (!muted.has(p.author_id) &&
          ((p.group_id === null && followees.has(p.author_id)) || (p.group_id !== null && groups.has(p.group_id)))),
    )
    .map((p) => p.id);
}

/** Asserts the feed, read page by page, equals the oracle (and that every row is complete). */
export async function expectFeedMatches(
  db: TestDatabase,
  actor: Actor,
  feed: Feed,
  args: Record<string, unknown>,
  pageSize: number,
  label = "",
): Promise<void> {
  // A follower's home feed holds an ordinary post once the feed-delivery job has run (decision 0010;
  // tests/feeds/posts-reach-followers-by-the-delivery-job-* asserts the time before it): compare
  // the feed as it stands after the job.
  if (feed === "home_feed") await deliverPosts(db);
  const expected = await oracle(db, actor, feed, args);
  const rows = await readAll(db, actor, feed, args, pageSize);
  nonEmptyFeeds += expected.length > 0 ? 1 : 0;
  expect(
    rows.map((r) => r.post_id),
    `${feed} ${label} ${actor.user?.username ?? "anon"}`,
  ).toEqual(expected);
  // Every row carries its post's columns and cards as stored, whichever path read it (inbox, queue,
  // big group, pull query): the pages carry what each source read instead of reading posts again.
  // Its cursor is private.encode_cursor's (the pages spell the encoder inline, docs/conventions.md).
  const stored = await db.admin<
    {
      id: string;
      cursor: string;
      title: string | null;
      content: unknown;
      comment_count: number;
      reaction_count: number;
      author_card: unknown;
      group_card: unknown;
    }[]
  >`select p.id, private.encode_cursor(p.created_at, p.id) as cursor, p.title, p.content, p.comment_count, p.reaction_count,
      jsonb_build_object('id', a.id, 'display_name', a.display_name, 'avatar_path', a.avatar_path) as author_card,
      case when g.id is not null then jsonb_build_object('id', g.id, 'name', g.name, 'slug', g.slug, 'kind', g.kind, 'verified', g.verified) end as group_card
    from public.posts p join public.profiles a on a.id = p.author_id left join public.groups g on g.id = p.group_id
    where p.id = any (${rows.map((r) => r.post_id)}::uuid[])`;
  const byId = new Map(stored.map((x) => [x.id, x]));
  for (const r of rows) {
    const s = byId.get(r.post_id as string);
    expect({
      cursor: r.cursor,
      title: r.title,
      content: r.content,
      comment_count: r.comment_count,
      reaction_count: r.reaction_count,
    }).toEqual({
      cursor: s?.cursor,
      title: s?.title,
      content: s?.content,
      comment_count: s?.comment_count,
      reaction_count: s?.reaction_count,
    });
    expect(r.author_card).toEqual(s?.author_card);
    expect(r.group_card).toEqual(s?.group_card ?? null);
  }
}

/** How many compared feeds had rows: a guard against comparing empty feeds only. */
export let nonEmptyFeeds = 0;

export interface World {
  users: Actor[];
  groups: GroupRow[];
}

/** Sets the feed knobs (as the operator would). Small values exercise the horizon and the queue. */
export async function feedSettings(db: TestDatabase, s: { cap: number; backfill: number; threshold: number }): Promise<void> {
  await db.admin`update private.feed_settings set inbox_cap = ${s.cap}, backfill_size = ${s.backfill}, queue_threshold = ${s.threshold}`;
}

/** What the feed-delivery job does (decision 0010): fans every queued ordinary post out to its
 *  readers' inboxes. Returns how many posts. */
export async function deliverPosts(db: TestDatabase): Promise<number> {
  const [row] = await db.admin<{ n: number }[]>`select private.deliver_feed_posts(100000) as n`;
  return row?.n ?? 0;
}

/** What the scheduled job does: delivers every queued post of a big source. Returns how many. */
export async function drainQueue(db: TestDatabase): Promise<number> {
  const [row] = await db.admin<{ n: number }[]>`select private.drain_feed_queue(100000) as n`;
  return row?.n ?? 0;
}

/** A random world: users (some private), groups (some private), follows (some pending), memberships,
 *  group follows, blocks, mutes, and posts written before and after the graph changes. */
export async function randomWorld(db: TestDatabase, seed: number, size = { users: 9, groups: 3, posts: 45 }): Promise<World> {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const users: Actor[] = [];
  for (let i = 0; i < size.users; i++) users.push(await db.newUser(unique(`u${seed}`)));
  for (const u of users) {
    if (r() < 0.3) {
      await db.request(u, (tx) => tx`update public.profiles set is_private = true where id = ${idOf(u)}`, { method: "PATCH" });
    }
  }
  const groups: GroupRow[] = [];
  for (let i = 0; i < size.groups; i++) {
    groups.push(await createGroup(db, pick(users), { slug: slugFor("fg"), visibility: i % 3 === 2 ? "private" : "public" }));
  }
  const owners = new Map<string, Actor>();
  for (const g of groups) owners.set(g.id, users.find((u) => idOf(u) === g.created_by) as Actor);
  const members = new Map<string, Set<string>>(groups.map((g) => [g.id, new Set([g.created_by as string])]));

  const writePosts = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const author = pick(users);
      const mine = groups.filter((g) => members.get(g.id)?.has(idOf(author)));
      if (mine.length > 0 && r() < 0.4) await post(db, author, pick(mine));
      else await post(db, author);
    }
  };

  await writePosts(Math.floor(size.posts / 3));
  for (const u of users) {
    for (const v of users) {
      if (u === v || r() > 0.35) continue;
      const f = await follow(db, u, v);
      if (f.status === "pending" && r() < 0.6) await accept(db, v, u);
    }
  }
  for (const u of users) {
    for (const g of groups) {
      if (members.get(g.id)?.has(idOf(u))) continue;
      const x = r();
      if (x < 0.35) {
        const status = await db.rpc(u, "join_group", { group_id: g.id });
        if (status === "pending" && r() < 0.7) {
          await db.rpc(owners.get(g.id) as Actor, "review_join_request", { group_id: g.id, user_id: idOf(u), approve: true });
          members.get(g.id)?.add(idOf(u));
        } else if (status === "active") members.get(g.id)?.add(idOf(u));
      } else if (x < 0.6 && g.visibility === "public") {
        await db.request(u, (tx) => tx`insert into public.group_follows (group_id) values (${g.id})`, { path: "/group_follows" });
      }
    }
  }
  await writePosts(Math.floor(size.posts / 3));
  for (let i = 0; i < 2; i++) {
    const a = pick(users);
    const b = pick(users);
    if (a !== b) {
      const blocked = await db.admin`select 1 from public.blocks where blocker_id = ${idOf(a)} and blocked_id = ${idOf(b)}`;
      if (blocked.length === 0) await block(db, a, b);
    }
  }
  for (let i = 0; i < 3; i++) {
    const a = pick(users);
    const b = pick(users);
    if (a !== b) {
      const muted = await db.admin`select 1 from public.mutes where muter_id = ${idOf(a)} and muted_id = ${idOf(b)}`;
      if (muted.length === 0) await mute(db, a, b, i === 0 ? new Date(Date.now() + 3_600_000) : null);
    }
  }
  await writePosts(size.posts - 2 * Math.floor(size.posts / 3));
  // a few posts sharing one timestamp: the keyset's tie-breaker must hold
  const tie = await db.admin<{ id: string }[]>`select id from public.posts order by random() limit 4`;
  // created_at is immutable to everyone (a trigger); the fixture rewrites history past triggers
  await db.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update public.posts set created_at = '2026-01-01T00:00:00Z' where id in ${tx(tie.map((t) => t.id))}`;
  });
  await db.admin`update private.feed_inbox i set created_at = p.created_at from public.posts p where p.id = i.post_id and i.created_at <> p.created_at`;
  await db.admin`update private.feed_queue q set created_at = p.created_at from public.posts p where p.id = q.post_id and q.created_at <> p.created_at`;
  return { users, groups };
}

/** Every feed of every user (and anon's group and profile feeds) equals the oracle. */
export async function expectAllFeedsMatch(db: TestDatabase, world: World, anonActor: Actor, pageSize: number, label = ""): Promise<void> {
  for (const u of world.users) {
    await expectFeedMatches(db, u, "home_feed", {}, pageSize, label);
    for (const g of world.groups) await expectFeedMatches(db, u, "group_feed", { group_id: g.id }, pageSize, label);
  }
  for (const u of world.users.slice(0, 4)) {
    for (const v of world.users) await expectFeedMatches(db, u, "profile_feed", { user_id: idOf(v) }, pageSize, label);
  }
  for (const g of world.groups) await expectFeedMatches(db, anonActor, "group_feed", { group_id: g.id }, pageSize, label);
  for (const v of world.users) await expectFeedMatches(db, anonActor, "profile_feed", { user_id: idOf(v) }, pageSize, label);
}

/** The ids (newest first) of an oracle list strictly older than a post's key. */
export async function olderThan(db: TestDatabase, ids: string[], postId: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.admin<{ id: string }[]>`select p.id from public.posts p, public.posts c
    where c.id = ${postId} and p.id in ${db.admin(ids)} and (p.created_at, p.id) < (c.created_at, c.id)`;
  const keep = new Set(rows.map((r) => r.id));
  return ids.filter((id) => keep.has(id));
}

/**
 * Reads the first page, applies a change, then reads on from the cursor: no row twice, and the rest
 * is exactly the oracle after the change below the cursor; then the whole feed matches from the top.
 */
export async function expectStableAcross(
  db: TestDatabase,
  actor: Actor,
  feed: Feed,
  args: Record<string, unknown>,
  change: () => Promise<unknown>,
  label: string,
  pageSize = 2,
): Promise<void> {
  const first = await db.rpcRows(actor, feed, { ...args, page_size: pageSize });
  await change();
  const expectedAll = await oracle(db, actor, feed, args);
  const last = first[first.length - 1];
  if (last) {
    const rest = await readAll(db, actor, feed, { ...args, cursor: last.cursor }, pageSize);
    const seen = new Set(first.map((r) => r.post_id));
    for (const r of rest) expect(seen.has(r.post_id), `${label}: ${r.post_id} twice`).toBe(false);
    expect(
      rest.map((r) => r.post_id),
      `${label}: the pages after the change`,
    ).toEqual(await olderThan(db, expectedAll, last.post_id as string));
  }
  const all = await readAll(db, actor, feed, args, pageSize);
  expect(
    all.map((r) => r.post_id),
    `${label}: the whole feed after the change`,
  ).toEqual(expectedAll);
}
