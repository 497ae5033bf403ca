// A deleted post leaves its readers' inboxes (issue 16). Reads skip a row whose post is gone, but
// walked it on every page: after a followed author deleted many posts (or their account), their
// followers' pages read hundreds of dead rows. Deleting notes the post; the feed-deleted-posts job
// (private.purge_deleted_feed_posts) deletes its rows from every recipient's inbox by primary key.
import { describe, expect, it } from "vitest";
import { createGroup } from "../groups/fixtures.ts";
import { type Actor, type TestDatabase, useTestDatabase } from "../helpers/db.ts";
import { follow, idOf } from "../people/graph.ts";
import { expectFeedMatches, post } from "./world.ts";

describe("deleted posts leave every inbox when the purge job runs", () => {
  const db = useTestDatabase();

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
  const deletePost = (d: TestDatabase, author: Actor, id: string) =>
    d.request(author, (tx) => tx`delete from public.posts where id = ${id}`, { path: "/posts" });

  it("a post deleted by its author leaves the inboxes of its author, followers, members and group followers", async () => {
    const d = db();
    const author = await d.newUser("deleting_author");
    const follower = await d.newUser("deleting_follower");
    const member = await d.newUser("deleting_member");
    const groupFollower = await d.newUser("deleting_group_follower");
    await follow(d, follower, author);
    const group = await createGroup(d, author, { join_question: null });
    await d.rpc(member, "join_group", { group_id: group.id, answer: null });
    await d.request(groupFollower, (tx) => tx`insert into public.group_follows (group_id) values (${group.id})`, {
      path: "/group_follows",
    });
    const profilePost = await post(d, author);
    const groupPost = await post(d, author, group);
    const kept = await post(d, author);
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
    const [left] = await d.admin<{ n: number }[]>`select count(*)::int as n from private.feed_deleted_posts`;
    expect(left?.n).toBe(0);
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
    expect(await rowsOf(d, posts)).toBe(6 * 4);
    await d.request(author, (tx) => tx`delete from public.posts where id = any (${posts}::uuid[])`, { path: "/posts" });
    await d.deleteAuthUser(idOf(leaving));
    expect(await orphanRows(d)).toBeGreaterThan(0);

    expect(await purge(d)).toBe(6 + 6);
    expect(await orphanRows(d)).toBe(0);
    for (const r of readers) await expectFeedMatches(d, r, "home_feed", {}, 5, `after the purge, ${r.user?.username}`);
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
