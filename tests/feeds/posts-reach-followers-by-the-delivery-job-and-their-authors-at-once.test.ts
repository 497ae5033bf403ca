// An ordinary post's fan-out is the feed-delivery job's, not the posting transaction's (decision 0010):
// the author sees the post at once; followers, members and group followers once the job has run
// (every second on the platform). The posting transaction writes the same few rows whatever the
// audience; the job delivers each post once, oldest first, within its batch bound, leaves out
// whoever may not have it, and only the database's owner may run it or read its queue.
import { describe, expect, it } from "vitest";
import { createGroup, slugFor } from "../groups/fixtures.ts";
import { type Actor, anon, serviceRole, type TestDatabase, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { accept, follow, idOf, setPrivate } from "../people/graph.ts";
import { deliverPosts, feedSettings, post } from "./world.ts";

describe("posts reach their readers by the delivery job, and their authors at once", () => {
  const db = useTestDatabase();

  const homeIds = async (d: TestDatabase, reader: Actor) =>
    (await d.rpcRows(reader, "home_feed", { page_size: 100 })).map((r) => r.post_id as string);
  const inboxesHolding = async (d: TestDatabase, postId: string) =>
    (await d.admin<{ user_id: string }[]>`select user_id from private.feed_inbox where post_id = ${postId} order by user_id`).map(
      (r) => r.user_id,
    );
  const waiting = async (d: TestDatabase) =>
    (await d.admin<{ post_id: string }[]>`select post_id from private.feed_delivery_queue order by enqueued_at, post_id`).map(
      (r) => r.post_id,
    );
  const sorted = (ids: string[]) => [...ids].sort();

  it("shows a profile post to its author at once and to accepted followers after the job, never to the rest", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 2000 });
    const author = await d.newUser("job_author");
    await setPrivate(d, author, true);
    const fans = [await d.newUser("job_fan_a"), await d.newUser("job_fan_b")];
    for (const f of fans) {
      await follow(d, f, author);
      await accept(d, author, f);
    }
    const pending = await d.newUser("job_pending");
    await follow(d, pending, author);
    const stranger = await d.newUser("job_stranger");

    const p = await post(d, author);
    // the posting transaction: the author's own row and one queue row, nothing for the followers
    expect(await inboxesHolding(d, p)).toEqual([idOf(author)]);
    expect(await waiting(d)).toEqual([p]);
    expect(await homeIds(d, author)).toContain(p);
    for (const f of fans) expect(await homeIds(d, f)).not.toContain(p);

    expect(await deliverPosts(d)).toBe(1);
    expect(await waiting(d)).toEqual([]);
    expect(await inboxesHolding(d, p)).toEqual(sorted([idOf(author), ...fans.map(idOf)]));
    for (const f of fans) expect(await homeIds(d, f)).toContain(p);
    for (const r of [pending, stranger]) expect(await homeIds(d, r)).not.toContain(p);
    // a second run finds nothing and changes nothing
    expect(await deliverPosts(d)).toBe(0);
    expect(await inboxesHolding(d, p)).toEqual(sorted([idOf(author), ...fans.map(idOf)]));
  });

  it("delivers a group post to active members and group followers once each, the author's row staying its own", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 2000 });
    const owner = await d.newUser("job_owner");
    const group = await createGroup(d, owner, { slug: slugFor("jobg"), visibility: "public" });
    const both = await d.newUser("job_member_and_follower");
    const member = await d.newUser("job_member");
    const follower = await d.newUser("job_group_follower");
    for (const u of [both, member]) await d.rpc(u, "join_group", { group_id: group.id });
    for (const u of [both, follower]) {
      await d.request(u, (tx) => tx`insert into public.group_follows (group_id) values (${group.id})`, { path: "/group_follows" });
    }
    const outsider = await d.newUser("job_outsider");

    const p = await post(d, owner, group);
    expect(await inboxesHolding(d, p)).toEqual([idOf(owner)]);
    expect(await deliverPosts(d)).toBe(1);
    expect(await inboxesHolding(d, p)).toEqual(sorted([idOf(owner), idOf(both), idOf(member), idOf(follower)]));
    for (const u of [both, member, follower]) expect(await homeIds(d, u)).toContain(p);
    expect(await homeIds(d, outsider)).not.toContain(p);
  });

  it("writes the same rows at posting time whatever the audience: one inbox row and one queue row", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 2000 });
    const popular = await d.newUser("job_popular");
    const fans: Actor[] = [];
    for (let i = 0; i < 12; i++) fans.push(await d.newUser(`job_crowd_${i}`));
    for (const f of fans) await follow(d, f, popular);
    const lonely = await d.newUser("job_lonely");
    const a = await post(d, popular);
    const b = await post(d, lonely);
    expect(await inboxesHolding(d, a)).toEqual([idOf(popular)]);
    expect(await inboxesHolding(d, b)).toEqual([idOf(lonely)]);
    expect(sorted(await waiting(d))).toEqual(sorted([a, b]));
    expect(await deliverPosts(d)).toBe(2);
    expect(await inboxesHolding(d, a)).toHaveLength(13);
    expect(await inboxesHolding(d, b)).toEqual([idOf(lonely)]);
  });

  it("takes the oldest first within its bound, and two runs side by side deliver each post once", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 2000 });
    const author = await d.newUser("job_batch_author");
    const fan = await d.newUser("job_batch_fan");
    await follow(d, fan, author);
    const posts: string[] = [];
    for (let i = 0; i < 5; i++) posts.push(await post(d, author));
    expect(await waiting(d)).toEqual(posts);

    const [first] = await d.admin<{ n: number }[]>`select private.deliver_feed_posts(2) as n`;
    expect(first?.n).toBe(2);
    expect(await waiting(d)).toEqual(posts.slice(2));
    for (const p of posts.slice(0, 2)) expect(await inboxesHolding(d, p)).toContain(idOf(fan));
    for (const p of posts.slice(2)) expect(await inboxesHolding(d, p)).not.toContain(idOf(fan));

    const runs = await Promise.all(
      [2, 2, 2].map((n) => d.admin<{ n: number }[]>`select private.deliver_feed_posts(${n}) as n`.then((r) => r[0]?.n ?? 0)),
    );
    expect(runs.reduce((x, y) => x + y, 0) + (await deliverPosts(d))).toBe(3);
    expect(await waiting(d)).toEqual([]);
    const [rows] = await d.admin<{ n: number }[]>`
      select count(*)::int as n from private.feed_inbox where user_id = ${idOf(fan)} and post_id = any (${posts}::uuid[])`;
    expect(rows?.n).toBe(5);
  });

  it("a follow accepted before the job backfills the post, and the job adds no second row", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 2000 });
    const author = await d.newUser("job_late_author");
    const late = await d.newUser("job_late_follower");
    const p = await post(d, author);
    await follow(d, late, author);
    expect(await inboxesHolding(d, p)).toEqual(sorted([idOf(author), idOf(late)]));
    expect(await deliverPosts(d)).toBe(1);
    expect(await inboxesHolding(d, p)).toEqual(sorted([idOf(author), idOf(late)]));
  });

  it("a post deleted before the job leaves the queue with it and reaches nobody", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 2000 });
    const author = await d.newUser("job_deleter");
    const fan = await d.newUser("job_deleter_fan");
    await follow(d, fan, author);
    const p = await post(d, author);
    await d.request(author, (tx) => tx`delete from public.posts where id = ${p}`, { method: "DELETE", path: "/posts" });
    expect(await waiting(d)).toEqual([]);
    expect(await deliverPosts(d)).toBe(0);
    await d.admin`select private.purge_deleted_feed_posts(100)`;
    expect(await inboxesHolding(d, p)).toEqual([]);
  });

  it("lets only the database's owner run the job or touch its queue", async () => {
    const d = db();
    const someone = await d.newUser("would_be_deliverer");
    for (const actor of [anon, someone, serviceRole]) {
      await expectDbError(
        d.request(actor, (tx) => tx`select private.deliver_feed_posts(10)`),
        "42501",
      );
      await expectDbError(
        d.request(actor, (tx) => tx`select post_id from private.feed_delivery_queue`),
        "42501",
      );
      await expectDbError(
        d.request(actor, (tx) => tx`delete from private.feed_delivery_queue`),
        "42501",
      );
    }
  });
});
