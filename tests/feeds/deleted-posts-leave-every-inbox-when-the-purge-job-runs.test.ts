// A deleted post leaves its readers' inboxes (issue 16). Reads skip a row whose post is gone, but
// walked it on every page: after a followed author deleted many posts (or their account), their
// followers' pages read hundreds of dead rows. Deleting notes the post; the feed-deleted-posts job
// (private.purge_deleted_feed_posts) deletes its rows from every recipient's inbox by primary key.
// Readers get an ordinary post from the feed-delivery job (decision 0010): a post deleted before the
// job delivers it leaves the delivery queue with it, and one deleted while the job delivers it waits
// for the job, whose rows the purge then deletes.
import { describe, expect, it } from "vitest";
import { createGroup } from "../groups/fixtures.ts";
import { type Actor, type TestDatabase, useTestDatabase } from "../helpers/db.ts";
import { useHeldTransactions } from "../helpers/held-transactions.ts";
import { follow, idOf } from "../people/graph.ts";
import { deliverPosts, expectFeedMatches, post } from "./world.ts";

describe("deleted posts leave every inbox when the purge job runs", () => {
  const db = useTestDatabase();
  const { held, waitsOnLock } = useHeldTransactions();

  async function rowsOf(d: TestDatabase, postIds: string[]): Promise<number> {
    const [row] = await d.admin<{ n: number }[]>`
      select count(*)::int as n from private.feed_inbox where post_id = any (${postIds}::uuid[])`;
    return row?.n ?? 0;
  }
  async function purge(d: TestDatabase): Promise<number> {
    const [row] = await d.admin<{ n: number }[]>`select private.purge_deleted_feed_posts() as n`;
    return row?.n ?? 0;
  }
  async function orphanRows(d: TestDatabase): Promise<number> {
    const [row] = await d.admin<{ n: number }[]>`
      select count(*)::int as n from private.feed_inbox i where not exists (select from public.posts p where p.id = i.post_id)`;
    return row?.n ?? 0;
  }
  async function queued(d: TestDatabase, postIds: string[]): Promise<number> {
    const [row] = await d.admin<{ n: number }[]>`
      select count(*)::int as n from private.feed_delivery_queue where post_id = any (${postIds}::uuid[])`;
    return row?.n ?? 0;
  }
  async function deliveryQueueLength(d: TestDatabase): Promise<number> {
    const [row] = await d.admin<{ n: number }[]>`select count(*)::int as n from private.feed_delivery_queue`;
    return row?.n ?? 0;
  }
  async function notedDeleted(d: TestDatabase): Promise<number> {
    const [row] = await d.admin<{ n: number }[]>`select count(*)::int as n from private.feed_deleted_posts`;
    return row?.n ?? 0;
  }
  const deletePost = (d: TestDatabase, author: Actor, id: string) =>
    d.request(author, (tx) => tx`delete from public.posts where id = ${id}`, { path: "/posts" });

  /** An author, a follower, a member of the author's group and a follower of the group. */
  async function audience(d: TestDatabase, prefix: string) {
    const author = await d.newUser(`${prefix}_author`);
    const follower = await d.newUser(`${prefix}_follower`);
    const member = await d.newUser(`${prefix}_member`);
    const groupFollower = await d.newUser(`${prefix}_group_follower`);
    await follow(d, follower, author);
    const group = await createGroup(d, author, { join_question: null });
    await d.rpc(member, "join_group", { group_id: group.id, answer: null });
    await d.request(groupFollower, (tx) => tx`insert into public.group_follows (group_id) values (${group.id})`, {
      path: "/group_follows",
    });
    return { author, follower, member, groupFollower, group };
  }

  it("a post deleted by its author leaves the inboxes of its author, followers, members and group followers", async () => {
    const d = db();
    const { author, follower, member, groupFollower, group } = await audience(d, "deleting");
    const profilePost = await post(d, author);
    const groupPost = await post(d, author, group);
    const kept = await post(d, author);
    // posted: each post is in its author's inbox, and waits for the feed-delivery job for the rest
    expect(await rowsOf(d, [profilePost])).toBe(1);
    expect(await rowsOf(d, [groupPost])).toBe(1);
    expect(await queued(d, [profilePost, groupPost, kept])).toBe(3);
    expect(await deliverPosts(d)).toBe(3);
    expect(await queued(d, [profilePost, groupPost, kept])).toBe(0);
    // delivered: the author and the follower have the profile posts; author, member, group follower the group post
    expect(await rowsOf(d, [profilePost])).toBe(2);
    expect(await rowsOf(d, [groupPost])).toBe(3);

    await deletePost(d, author, profilePost);
    await deletePost(d, author, groupPost);
    // reads already leave them out; the rows wait for the job
    await expectFeedMatches(d, follower, "home_feed", {}, 5, "before the purge");
    expect(await rowsOf(d, [profilePost, groupPost])).toBe(5);

    expect(await purge(d)).toBe(2);
    expect(await rowsOf(d, [profilePost, groupPost])).toBe(0);
    expect(await rowsOf(d, [kept])).toBe(2);
    expect(await notedDeleted(d)).toBe(0);
    expect(await purge(d)).toBe(0); // a second run finds nothing to do
    for (const reader of [author, follower, member, groupFollower]) {
      await expectFeedMatches(d, reader, "home_feed", {}, 5, `after the purge, ${reader.user?.username}`);
    }
  });

  it("a statement deleting many posts, and an erased account, leave no row behind", async () => {
    const d = db();
    const author = await d.newUser("bulk_author");
    const leaving = await d.newUser("erased_author");
    const readers = [await d.newUser("bulk_reader_a"), await d.newUser("bulk_reader_b")];
    const group = await createGroup(d, author, { join_question: null });
    for (const r of [...readers, leaving]) {
      await follow(d, r, author);
      if (r !== leaving) await follow(d, r, leaving);
      await d.rpc(r, "join_group", { group_id: group.id, answer: null });
    }
    const posts: string[] = [];
    for (let i = 0; i < 6; i++) posts.push(await post(d, author));
    for (let i = 0; i < 3; i++) {
      await post(d, leaving);
      await post(d, leaving, group);
    }
    expect(await rowsOf(d, posts)).toBe(6); // the author's own, until the feed-delivery job runs
    expect(await deliverPosts(d)).toBe(6 + 6);
    expect(await rowsOf(d, posts)).toBe(6 * 4);
    await d.request(author, (tx) => tx`delete from public.posts where id = any (${posts}::uuid[])`, { path: "/posts" });
    await d.deleteAuthUser(idOf(leaving));
    expect(await orphanRows(d)).toBeGreaterThan(0);

    expect(await purge(d)).toBe(6 + 6);
    expect(await orphanRows(d)).toBe(0);
    for (const r of readers) await expectFeedMatches(d, r, "home_feed", {}, 5, `after the purge, ${r.user?.username}`);
  });

  it("a post deleted before the feed-delivery job delivers it leaves the queue, and no inbox row anywhere once the jobs run", async () => {
    const d = db();
    const { author, follower, member, groupFollower, group } = await audience(d, "undelivered");
    const leaving = await d.newUser("undelivered_erased");
    await follow(d, follower, leaving);
    await d.rpc(leaving, "join_group", { group_id: group.id, answer: null });
    const profilePost = await post(d, author);
    const groupPost = await post(d, author, group);
    const erasedPosts = [await post(d, leaving), await post(d, leaving, group)];
    const kept = await post(d, author);
    const gone = [profilePost, groupPost, ...erasedPosts];
    // not yet delivered: each post is in its author's inbox only, and in the delivery queue
    expect(await rowsOf(d, gone)).toBe(4);
    expect(await queued(d, [...gone, kept])).toBe(5);

    await deletePost(d, author, profilePost);
    await deletePost(d, author, groupPost);
    await d.deleteAuthUser(idOf(leaving));
    // the deleted posts left the delivery queue with them
    expect(await queued(d, gone)).toBe(0);
    expect(await deliverPosts(d)).toBe(1); // kept only
    // left: the author's own rows of its two deleted posts (the erased account's inbox went with it)
    expect(await rowsOf(d, gone)).toBe(2);
    expect(await purge(d)).toBe(4);
    expect(await rowsOf(d, gone)).toBe(0);
    expect(await orphanRows(d)).toBe(0);
    expect(await deliveryQueueLength(d)).toBe(0);
    expect(await notedDeleted(d)).toBe(0);
    expect(await rowsOf(d, [kept])).toBe(2); // the author and the follower
    for (const reader of [author, follower, member, groupFollower]) {
      await expectFeedMatches(d, reader, "home_feed", {}, 5, `after the jobs, ${reader.user?.username}`);
    }
  });

  it("a post deleted while the feed-delivery job delivers it waits for the job, and the purge deletes what it delivered", async () => {
    const d = db();
    const { author, follower, member, groupFollower, group } = await audience(d, "in_flight");
    const profilePost = await post(d, author);
    const groupPost = await post(d, author, group);
    const kept = await post(d, author);
    expect(await queued(d, [profilePost, groupPost, kept])).toBe(3);
    // the job, held open after it delivered the posts and before it commits
    const job = await held(d, null);
    expect(await job.run("select private.deliver_feed_posts(100) as n")).toEqual([{ n: 3 }]);
    const deleting = d.request(author, (tx) => tx`delete from public.posts where id in ${tx([profilePost, groupPost])}`, {
      path: "/posts",
    });
    expect(await waitsOnLock(d, "delete from public.posts")).toBe(true);
    await job.commit();
    await deleting;
    // the job's rows landed (its transaction came first); the deletion noted the posts for the purge
    expect(await rowsOf(d, [profilePost, groupPost])).toBe(2 + 3);
    expect(await deliveryQueueLength(d)).toBe(0);
    expect(await deliverPosts(d)).toBe(0);
    expect(await purge(d)).toBe(2);
    expect(await rowsOf(d, [profilePost, groupPost])).toBe(0);
    expect(await orphanRows(d)).toBe(0);
    expect(await notedDeleted(d)).toBe(0);
    expect(await rowsOf(d, [kept])).toBe(2);
    for (const reader of [author, follower, member, groupFollower]) {
      await expectFeedMatches(d, reader, "home_feed", {}, 5, `after the jobs, ${reader.user?.username}`);
    }
  });

  it("runs as the feed-deleted-posts job, and no API role may call it", async () => {
    const d = db();
    const [job] = await d.admin<{ command: string }[]>`select command from cron.job where jobname = 'feed-deleted-posts'`;
    expect(job?.command).toBe("select private.purge_deleted_feed_posts(500)");
    const [grants] = await d.admin<{ anon: boolean; authenticated: boolean; service_role: boolean }[]>`
      select has_function_privilege('anon', 'private.purge_deleted_feed_posts(integer)', 'execute') as anon,
             has_function_privilege('authenticated', 'private.purge_deleted_feed_posts(integer)', 'execute') as authenticated,
             has_function_privilege('service_role', 'private.purge_deleted_feed_posts(integer)', 'execute') as service_role`;
    expect(grants).toEqual({ anon: false, authenticated: false, service_role: false });
  });
});
