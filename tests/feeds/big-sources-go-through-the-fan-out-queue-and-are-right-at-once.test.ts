// Authors above the queue threshold are fanned out by the queue drain (the pg_cron job), not by the
// feed-delivery job that fans out ordinary posts (decision 0010). Their posts are in every reader's
// home feed at once (reads take candidates from the queue), the drain moves them into the inboxes
// exactly once, and nothing else changes:
// pending and blocked readers never see them, deletions leave the queue, and only the database's
// owner (the job) may drain. Groups above the threshold are not fanned out at all: their posts are
// merged into members' and followers' home feeds at read time.
import { describe, expect, it } from "vitest";
import { createGroup, slugFor } from "../groups/fixtures.ts";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { accept, block, follow, idOf, setPrivate } from "../people/graph.ts";
import { deliverPosts, drainQueue, feedSettings, post } from "./world.ts";

describe("the fan-out queue for big sources", () => {
  const db = useTestDatabase();

  const homeIds = async (reader: Actor) => (await db().rpcRows(reader, "home_feed", { page_size: 100 })).map((r) => r.post_id as string);
  const queued = async () => (await db().admin<{ post_id: string }[]>`select post_id from private.feed_queue`).map((r) => r.post_id);
  const inboxesHolding = async (postId: string) =>
    (await db().admin<{ user_id: string }[]>`select user_id from private.feed_inbox where post_id = ${postId}`).map((r) => r.user_id);

  it("queues a big author's post, shows it to accepted followers at once, and the drain delivers it once", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 2 });
    const star = await d.newUser("star");
    const fans = [await d.newUser("fan_a"), await d.newUser("fan_b"), await d.newUser("fan_c")];
    for (const f of fans) await follow(d, f, star);
    const small = await d.newUser("small_author");
    await follow(d, fans[0] as Actor, small);

    const starPost = await post(d, star);
    const smallPost = await post(d, small);
    expect(await queued()).toEqual([starPost]);
    // the big author's own inbox has it at once; the followers' inboxes do not, yet
    expect(await inboxesHolding(starPost)).toEqual([idOf(star)]);
    // an ordinary author's post is in its author's inbox at once and reaches the follower by the
    // feed-delivery job (decision 0010), which leaves the big author's post to the drain
    expect(await inboxesHolding(smallPost)).toEqual([idOf(small)]);
    expect(await homeIds(fans[0] as Actor)).not.toContain(smallPost);
    expect(await deliverPosts(d)).toBe(1);
    expect((await inboxesHolding(smallPost)).sort()).toEqual([idOf(small), idOf(fans[0] as Actor)].sort());
    expect(await homeIds(fans[0] as Actor)).toContain(smallPost);
    expect(await inboxesHolding(starPost)).toEqual([idOf(star)]);
    expect(await queued()).toEqual([starPost]);
    for (const f of fans) expect(await homeIds(f)).toContain(starPost);

    expect(await drainQueue(d)).toBe(1);
    expect(await queued()).toEqual([]);
    expect((await inboxesHolding(starPost)).sort()).toEqual([star, ...fans].map(idOf).sort());
    for (const f of fans) expect(await homeIds(f)).toContain(starPost);
    expect(await drainQueue(d)).toBe(0);
  });

  it("never shows a queued post to a pending follower, a blocked follower, a stranger or anon", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 1 });
    const star = await d.newUser("private_star");
    const accepted = await d.newUser("accepted_fan");
    const pending = await d.newUser("pending_fan");
    const blocked = await d.newUser("blocked_fan");
    const stranger = await d.newUser("stranger");
    await setPrivate(d, star, true);
    for (const f of [accepted, pending, blocked]) await follow(d, f, star);
    await accept(d, star, accepted);
    await accept(d, star, blocked);
    const starPost = await post(d, star);
    expect(await queued()).toEqual([starPost]);
    await block(d, star, blocked);

    expect(await homeIds(accepted)).toContain(starPost);
    for (const reader of [pending, blocked, stranger]) expect(await homeIds(reader)).not.toContain(starPost);
    await expectDbError(d.rpcRows(anon, "home_feed", {}), "42501");
    await drainQueue(d);
    expect(await homeIds(accepted)).toContain(starPost);
    for (const reader of [pending, blocked, stranger]) expect(await homeIds(reader)).not.toContain(starPost);
  });

  it("merges a big group's posts at read time for its members and followers, without fanning them out", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 1 });
    const owner = await d.newUser("big_group_owner");
    const member = await d.newUser("big_group_member");
    const follower = await d.newUser("big_group_follower");
    const outsider = await d.newUser("big_group_outsider");
    const group = await createGroup(d, owner, { slug: slugFor("big") });
    await d.rpc(member, "join_group", { group_id: group.id });
    await d.request(follower, (tx) => tx`insert into public.group_follows (group_id) values (${group.id})`, { path: "/group_follows" });
    const groupPost = await post(d, owner, group);
    expect(await queued()).toEqual([]);
    expect(await inboxesHolding(groupPost)).toEqual([idOf(owner)]);
    // nor does the feed-delivery job fan it out
    expect(await deliverPosts(d)).toBe(0);
    expect(await inboxesHolding(groupPost)).toEqual([idOf(owner)]);
    for (const reader of [member, follower]) expect(await homeIds(reader)).toContain(groupPost);
    expect(await homeIds(outsider)).not.toContain(groupPost);
    const [flag] = await d.admin<{ n: number }[]>`select count(*)::int as n from private.feed_big_groups where group_id = ${group.id}`;
    expect(flag?.n).toBe(1);
    // a new member sees the group's posts without a backfill
    const late = await d.newUser("big_group_late");
    await d.rpc(late, "join_group", { group_id: group.id });
    expect(await homeIds(late)).toContain(groupPost);
    expect(await inboxesHolding(groupPost)).toEqual([idOf(owner)]);
  });

  it("drops a deleted post from the queue", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 1 });
    const star = await d.newUser("deleting_star");
    const fan = await d.newUser("deleting_fan");
    await follow(d, fan, star);
    await follow(d, await d.newUser("deleting_fan_2"), star);
    const gone = await post(d, star);
    expect(await queued()).toEqual([gone]);
    await d.request(star, (tx) => tx`delete from public.posts where id = ${gone}`, { method: "DELETE" });
    expect(await queued()).toEqual([]);
    expect(await homeIds(fan)).not.toContain(gone);
    expect(await drainQueue(d)).toBe(0);
  });

  it("delivers each post once when drains run side by side", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 1 });
    const star = await d.newUser("busy_star");
    const fans = [await d.newUser("busy_fan_a"), await d.newUser("busy_fan_b")];
    for (const f of fans) await follow(d, f, star);
    const posts: string[] = [];
    for (let i = 0; i < 12; i++) posts.push(await post(d, star));
    expect((await queued()).length).toBe(12);
    const drained = await Promise.all(
      Array.from({ length: 4 }, () => d.admin<{ n: number }[]>`select private.drain_feed_queue(5) as n`.then((r) => r[0]?.n ?? 0)),
    );
    const total = drained.reduce((a, b) => a + b, 0) + (await drainQueue(d));
    expect(total).toBe(12);
    const [rows] = await d.admin<{ n: number }[]>`select count(*)::int as n from private.feed_inbox where post_id = any (${posts}::uuid[])`;
    expect(rows?.n).toBe(12 * 3);
    for (const f of fans) expect((await homeIds(f)).filter((id) => posts.includes(id)).length).toBe(12);
  });

  it("lets only the database's owner drain the queue", async () => {
    const d = db();
    const someone = await d.newUser("would_be_drainer");
    for (const actor of [anon, someone, serviceRole]) {
      await expectDbError(
        d.request(actor, (tx) => tx`select private.drain_feed_queue(10)`),
        "42501",
      );
    }
  });
});
