// The home feed trusts the inbox for profile posts (issue 16: no follows probe per row), so the end of
// a follow must leave no row of that author behind, even when a delivery of the author's post is in
// flight: a run of the feed-delivery job (decision 0010), a queue drain, an inbox rebuild. Each test holds one
// side's transaction open at the exact point of the race, proves the other side waits for it (a lock
// not granted), then commits and looks at the inbox itself. Both orders, for each kind of delivery.
import { describe, expect, it } from "vitest";
import { type Actor, type TestDatabase, useTestDatabase } from "../helpers/db.ts";
import { useHeldTransactions } from "../helpers/held-transactions.ts";
import { follow, idOf } from "../people/graph.ts";
import { deliverPosts, feedSettings, post } from "./world.ts";

describe("the end of a follow waits for deliveries in flight and leaves no row behind", () => {
  const db = useTestDatabase();
  const { held, waitsOnLock } = useHeldTransactions();

  /** The reader's inbox rows of the author's profile posts. */
  async function inboxOf(d: TestDatabase, reader: Actor, author: Actor): Promise<string[]> {
    const rows = await d.admin<{ post_id: string }[]>`
      select i.post_id from private.feed_inbox i join public.posts p on p.id = i.post_id
      where i.user_id = ${idOf(reader)} and p.author_id = ${idOf(author)} and p.group_id is null`;
    return rows.map((r) => r.post_id);
  }

  const unfollowSql = (reader: Actor, author: Actor) =>
    `delete from public.follows where follower_id = '${idOf(reader)}' and followee_id = '${idOf(author)}'`;

  let round = 0;
  async function setUp(d: TestDatabase) {
    const n = round++;
    // a threshold of 3: the star (4 followers) goes through the queue; the author's posts through the
    // delivery job
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 3 });
    const reader = await d.newUser(`leaver_${n}`);
    const other = await d.newUser(`stayer_${n}`);
    const author = await d.newUser(`plain_author_${n}`);
    const star = await d.newUser(`queued_star_${n}`);
    for (const f of [await d.newUser(`fan_a_${n}`), await d.newUser(`fan_b_${n}`)]) await follow(d, f, star);
    for (const r of [reader, other]) {
      await follow(d, r, star);
      await follow(d, r, author);
    }
    await post(d, author);
    await post(d, star); // flags the star big; from now on its posts are queued
    await deliverPosts(d);
    await d.admin`select private.drain_feed_queue(100)`;
    expect(await inboxOf(d, reader, author)).toHaveLength(1);
    expect(await inboxOf(d, reader, star)).toHaveLength(1);
    return { reader, other, author, star };
  }

  it("an unfollow during a delivery in flight waits for its commit, then deletes its row, without holding up the author's next post", async () => {
    const d = db();
    const { reader, other, author } = await setUp(d);
    await post(d, author); // queued for the delivery job
    const delivering = await held(d, null);
    const [run] = await delivering.run("select private.deliver_feed_posts(100) as n");
    expect(run?.n).toBe(1);
    const unfollowing = d.request(reader, (tx) => tx.unsafe(unfollowSql(reader, author)));
    expect(await waitsOnLock(d, "delete from public.follows")).toBe(true);
    // the unfollow waits on the delivery lock alone: the author's profile row is free, so they can post
    await post(d, author);
    expect(await waitsOnLock(d, "delete from public.follows")).toBe(true);
    await delivering.commit();
    await unfollowing;
    expect(await inboxOf(d, reader, author)).toEqual([]);
    expect(await deliverPosts(d)).toBe(1);
    expect(await inboxOf(d, reader, author)).toEqual([]);
    expect(await inboxOf(d, other, author)).toHaveLength(3);
  });

  it("a delivery during an unfollow in flight waits for its commit, then leaves the reader out", async () => {
    const d = db();
    const { reader, other, author } = await setUp(d);
    await post(d, author); // queued for the delivery job
    const unfollowing = await held(d, reader);
    await unfollowing.run(unfollowSql(reader, author));
    const delivering = d.admin<{ n: number }[]>`select private.deliver_feed_posts(100) as n`.execute();
    expect(await waitsOnLock(d, "deliver_feed_posts")).toBe(true);
    await unfollowing.commit();
    expect((await delivering)[0]?.n).toBe(1);
    expect(await inboxOf(d, reader, author)).toEqual([]);
    expect(await inboxOf(d, other, author)).toHaveLength(2);
  });

  it("an unfollow of a big author waits for its drain in flight, without holding up the author's next post", async () => {
    const d = db();
    const { reader, other, star } = await setUp(d);
    await post(d, star); // queued
    const draining = await held(d, null);
    await draining.run("select private.drain_feed_queue(100)");
    const unfollowing = d.request(reader, (tx) => tx.unsafe(unfollowSql(reader, star)));
    expect(await waitsOnLock(d, "delete from public.follows")).toBe(true);
    // the unfollow waits on the drain lock alone: the star's profile row is free, so it can post
    await post(d, star);
    expect(await waitsOnLock(d, "delete from public.follows")).toBe(true);
    await draining.commit();
    await unfollowing;
    expect(await inboxOf(d, reader, star)).toEqual([]);
    await d.admin`select private.drain_feed_queue(100)`;
    expect(await inboxOf(d, reader, star)).toEqual([]);
    expect(await inboxOf(d, other, star)).toHaveLength(3);
  });

  it("a drain during an unfollow in flight waits for its commit, then leaves the reader out", async () => {
    const d = db();
    const { reader, other, star } = await setUp(d);
    await post(d, star); // queued
    const unfollowing = await held(d, reader);
    await unfollowing.run(unfollowSql(reader, star));
    const draining = d.admin`select private.drain_feed_queue(100)`.execute();
    expect(await waitsOnLock(d, "drain_feed_queue")).toBe(true);
    await unfollowing.commit();
    await draining;
    expect(await inboxOf(d, reader, star)).toEqual([]);
    expect(await inboxOf(d, other, star)).toHaveLength(2);
  });

  it("a follower removed during an inbox rebuild in flight waits for its commit, then their rows are gone", async () => {
    const d = db();
    const { reader, author } = await setUp(d);
    await d.admin`update private.feed_readers set last_seen_at = now() - interval '8 days' where user_id = ${idOf(reader)}`;
    await post(d, author); // not delivered: the reader is dormant
    const rebuilding = await held(d, null);
    const [rebuilt] = await rebuilding.run(`select private.rebuild_feed_inbox('${idOf(reader)}') as ok`);
    expect(rebuilt?.ok).toBe(true);
    // the author removes the reader from their followers while the rebuild has copied both posts
    const removing = d.request(author, (tx) => tx.unsafe(unfollowSql(reader, author)));
    expect(await waitsOnLock(d, "delete from public.follows")).toBe(true);
    await rebuilding.commit();
    await removing;
    expect(await inboxOf(d, reader, author)).toEqual([]);
    // the queued post's delivery, now that the reader is seen again, finds no follow
    expect(await deliverPosts(d)).toBe(1);
    expect(await inboxOf(d, reader, author)).toEqual([]);
  });

  it("a statement that ends many follows (a deleted account) clears every pair", async () => {
    const d = db();
    const { reader, author, star } = await setUp(d);
    await d.admin`delete from public.follows where follower_id = ${idOf(reader)}`;
    expect(await inboxOf(d, reader, author)).toEqual([]);
    expect(await inboxOf(d, reader, star)).toEqual([]);
    // the reader's own posts stay
    const own = await post(d, reader);
    await d.admin`delete from public.follows where follower_id = ${idOf(reader)}`;
    const [row] = await d.admin<{ n: number }[]>`
      select count(*)::int as n from private.feed_inbox where user_id = ${idOf(reader)} and post_id = ${own}`;
    expect(row?.n).toBe(1);
  });
});
