// The posts' after-insert work is one statement trigger (issue 16: private.posts_count_and_fan_out,
// counters and fan-out set-wise over the statement's new rows). A statement inserting many posts —
// several authors, profile and group posts, an ordinary and a big author (an operator's bulk insert;
// a client inserts as itself only) — must leave exactly what one insert per post leaves: each post in
// its author's inbox, an ordinary source's post in the delivery queue (then, once the feed-delivery
// job has run, in the inboxes of its readers seen in 7 days and no one else's: decision 0010), a big
// author's post in the queue (then delivered by the drain), a big group's post in
// no reader's inbox, and every author's posts_count up by their posts. Two such statements naming the
// same authors in opposite orders never deadlock (row locks in id order).
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createGroup } from "../groups/fixtures.ts";
import { type Actor, type TestDatabase, useTestDatabase } from "../helpers/db.ts";
import { follow, idOf } from "../people/graph.ts";
import { deliverPosts, drainQueue, feedSettings, post, textContent } from "./world.ts";

async function holders(d: TestDatabase, postId: string): Promise<string[]> {
  const rows = await d.admin<{ user_id: string }[]>`select user_id from private.feed_inbox where post_id = ${postId} order by user_id`;
  return rows.map((r) => r.user_id);
}

async function postsCount(d: TestDatabase, actor: Actor): Promise<number> {
  const [row] = await d.admin<{ n: number }[]>`select posts_count as n from public.profiles where id = ${idOf(actor)}`;
  return row?.n ?? -1;
}

/** Which of these posts wait in the feed-delivery job's queue (decision 0010). */
async function awaitingDelivery(d: TestDatabase, postIds: string[]): Promise<string[]> {
  const rows = await d.admin<{ post_id: string }[]>`
    select post_id from private.feed_delivery_queue where post_id = any (${postIds}::uuid[])`;
  return rows.map((r) => r.post_id).sort();
}

const sorted = (actors: Actor[]) => actors.map(idOf).sort();

describe("a statement of many posts", () => {
  const db = useTestDatabase();

  it("fans out and counts each post exactly as one insert per post would", async () => {
    const d = db();
    // threshold 4: the star (5 followers) and the big group (5 members) are big; the group (3
    // members and a follower) and the other authors are ordinary
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 4 });
    const [author, other, star, r1, r2, dormant, f1, f2, f3] = [
      await d.newUser("bulk_author"),
      await d.newUser("bulk_other"),
      await d.newUser("bulk_star"),
      await d.newUser("bulk_r1"),
      await d.newUser("bulk_r2"),
      await d.newUser("bulk_dormant"),
      await d.newUser("bulk_f1"),
      await d.newUser("bulk_f2"),
      await d.newUser("bulk_f3"),
    ];
    for (const r of [r1, r2, dormant]) await follow(d, r, author);
    await follow(d, r1, other);
    for (const r of [r1, r2, f1, f2, f3]) await follow(d, r, star);
    const group = await createGroup(d, author);
    await d.rpc(r2, "join_group", { group_id: group.id, answer: null });
    await d.rpc(dormant, "join_group", { group_id: group.id, answer: null });
    await d.request(r1, (tx) => tx`insert into public.group_follows (group_id) values (${group.id})`, { path: "/group_follows" });
    const big = await createGroup(d, other);
    for (const m of [r1, r2, f1, f2]) await d.rpc(m, "join_group", { group_id: big.id, answer: null });
    // the big group is flagged at its first post (members + followers past the threshold)
    await post(d, other, big);
    await d.admin`update private.feed_readers set last_seen_at = now() - interval '8 days' where user_id = ${idOf(dormant)}`;
    const counts = { author: await postsCount(d, author), other: await postsCount(d, other), star: await postsCount(d, star) };

    const rows = await d.admin<{ id: string; author_id: string; group_id: string | null }[]>`
      insert into public.posts (author_id, group_id, title, content)
      values
        (${idOf(star)}, null, null, ${d.admin.json(textContent("star 1"))}),
        (${idOf(author)}, null, null, ${d.admin.json(textContent("author 1"))}),
        (${idOf(other)}, null, null, ${d.admin.json(textContent("other 1"))}),
        (${idOf(author)}, ${group.id}, 'In the group', ${d.admin.json(textContent("author 2"))}),
        (${idOf(other)}, ${big.id}, 'In the big group', ${d.admin.json(textContent("other 2"))}),
        (${idOf(author)}, null, null, ${d.admin.json(textContent("author 3"))})
      returning id, author_id, group_id`;
    const [starPost, a1, o1, aGroup, oBig, a3] = rows.map((r) => r.id) as string[];

    expect(await postsCount(d, author)).toBe(counts.author + 3);
    expect(await postsCount(d, other)).toBe(counts.other + 2);
    expect(await postsCount(d, star)).toBe(counts.star + 1);

    // at insert time each post is in its author's inbox only; the ordinary sources' posts wait for
    // the feed-delivery job (decision 0010), the big author's in the fan-out queue, the big group's
    // nowhere
    expect(await holders(d, a1 as string)).toEqual(sorted([author]));
    expect(await holders(d, a3 as string)).toEqual(sorted([author]));
    expect(await holders(d, o1 as string)).toEqual(sorted([other]));
    expect(await holders(d, aGroup as string)).toEqual(sorted([author]));
    const inserted = rows.map((r) => r.id);
    expect(await awaitingDelivery(d, inserted)).toEqual([a1, a3, o1, aGroup].sort());
    expect(await deliverPosts(d)).toBe(4);
    expect(await awaitingDelivery(d, inserted)).toEqual([]);

    // ordinary author: the author and the followers seen in 7 days (not the dormant one)
    expect(await holders(d, a1 as string)).toEqual(sorted([author, r1, r2]));
    expect(await holders(d, a3 as string)).toEqual(sorted([author, r1, r2]));
    expect(await holders(d, o1 as string)).toEqual(sorted([other, r1]));
    // ordinary group: active members and followers seen in 7 days, the author's own inbox
    expect(await holders(d, aGroup as string)).toEqual(sorted([author, r1, r2]));
    // big group: merged at read time, only in the author's own inbox
    expect(await holders(d, oBig as string)).toEqual(sorted([other]));
    // big author: queued (in the star's own inbox), delivered by the drain to the active followers
    expect(await holders(d, starPost as string)).toEqual(sorted([star]));
    expect(await d.admin`select from private.feed_queue where post_id = ${starPost as string}`).toHaveLength(1);
    expect(await d.admin`select from private.feed_queue where post_id <> ${starPost as string}`).toHaveLength(0);
    expect(await drainQueue(d)).toBe(1);
    expect(await holders(d, starPost as string)).toEqual(sorted([star, r1, r2, f1, f2, f3]));
  });

  it("flags an author at the statement that takes it past the threshold and queues that statement's posts", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 3 });
    const star = await d.newUser("rising_star");
    const fans = [await d.newUser("fan_0"), await d.newUser("fan_1"), await d.newUser("fan_2")];
    for (const f of fans) await follow(d, f, star);
    const ordinary = await post(d, star);
    // not yet big: the post waits for the feed-delivery job (decision 0010), then reaches every fan
    expect(await holders(d, ordinary)).toEqual(sorted([star]));
    expect(await awaitingDelivery(d, [ordinary])).toEqual([ordinary]);
    expect(await deliverPosts(d)).toBe(1);
    expect(await holders(d, ordinary)).toEqual(sorted([star, ...fans]));
    expect(await d.admin`select from private.feed_big_authors where author_id = ${idOf(star)}`).toHaveLength(0);
    await follow(d, await d.newUser("fan_3"), star);
    const rows = await d.request(
      star,
      (tx) => tx<{ id: string }[]>`insert into public.posts (content)
        values (${tx.json(textContent("one"))}), (${tx.json(textContent("two"))}) returning id`,
      { path: "/posts" },
    );
    expect(await d.admin`select from private.feed_big_authors where author_id = ${idOf(star)}`).toHaveLength(1);
    for (const r of rows) {
      expect(await holders(d, r.id)).toEqual(sorted([star]));
      expect(await d.admin`select from private.feed_queue where post_id = ${r.id}`).toHaveLength(1);
    }
    // the big author's posts are the drain's, not the feed-delivery job's
    expect(
      await awaitingDelivery(
        d,
        rows.map((r) => r.id),
      ),
    ).toEqual([]);
    expect(await deliverPosts(d)).toBe(0);
    for (const r of rows) expect(await holders(d, r.id)).toEqual(sorted([star]));
  });

  it("never deadlocks two statements naming the same authors in opposite orders", async () => {
    const d = db();
    const a = await d.newUser("order_a");
    const b = await d.newUser("order_b");
    const before = { a: await postsCount(d, a), b: await postsCount(d, b) };
    const sql = postgres(d.url, { max: 2, onnotice: () => {} });
    try {
      const insert = (first: Actor, second: Actor) =>
        sql`insert into public.posts (author_id, content)
          values (${idOf(first)}, ${sql.json(textContent("x"))}), (${idOf(second)}, ${sql.json(textContent("y"))})`;
      for (let round = 0; round < 10; round++) await Promise.all([insert(a, b), insert(b, a)]);
    } finally {
      await sql.end();
    }
    expect(await postsCount(d, a)).toBe(before.a + 20);
    expect(await postsCount(d, b)).toBe(before.b + 20);
  });
});
