// The materialized home feed stays exactly right, and a reader paging through it sees no row twice and
// misses none, across every change that invalidates it: follows, requests, removals, blocks, mutes and
// their expiry, joins, leaves, removals from groups, group follows, privacy changes, edits, deletions.
// Runs twice: with the default settings, and with a tiny inbox cap, backfill and fan-out threshold
// (most authors then go through the fan-out queue, which drains midway). Ordinary posts reach
// their readers by the feed-delivery job (decision 0010), run here where the job would have.
import { describe, expect, it } from "vitest";
import { createGroup, slugFor } from "../groups/fixtures.ts";
import { type Actor, type TestDatabase, useTestDatabase } from "../helpers/db.ts";
import { accept, block, follow, idOf, mute, setPrivate, unblock, unfollow } from "../people/graph.ts";
import {
  deliverPosts,
  drainQueue,
  expectFeedMatches,
  expectStableAcross,
  feedSettings,
  oracle,
  post,
  readAll,
  textContent,
} from "./world.ts";

/** Which of these posts wait in the feed-delivery job's queue. */
async function awaitingDelivery(d: TestDatabase, ids: string[]): Promise<string[]> {
  const rows = await d.admin<{ post_id: string }[]>`
    select post_id from private.feed_delivery_queue where post_id = any (${ids}::uuid[])`;
  const queued = new Set(rows.map((r) => r.post_id));
  return ids.filter((id) => queued.has(id));
}

for (const tiny of [false, true]) {
  describe(`the home feed under change${tiny ? " (tiny cap, backfill and threshold)" : ""}`, () => {
    const db = useTestDatabase();

    it("stays exact and stable through every invalidating change", async () => {
      if (tiny) await feedSettings(db(), { cap: 3, backfill: 2, threshold: 1 });
      const d = db();
      const reader = await d.newUser("reader");
      const pub = await d.newUser("public_author");
      const priv = await d.newUser("private_author");
      const other = await d.newUser("other_member");
      const owner = await d.newUser("group_owner");
      const fan = await d.newUser("fan");
      await setPrivate(d, priv, true);
      await follow(d, fan, pub);
      const open = await createGroup(d, owner, { slug: slugFor("open") });
      const closed = await createGroup(d, owner, { slug: slugFor("closed"), visibility: "private" });
      await d.rpc(other, "join_group", { group_id: open.id });
      const asked = await d.rpc(other, "join_group", { group_id: closed.id });
      expect(asked).toBe("pending");
      await d.rpc(owner, "review_join_request", { group_id: closed.id, user_id: idOf(other), approve: true });
      for (let i = 0; i < 3; i++) {
        await post(d, pub);
        await post(d, priv);
        await post(d, other, open);
        await post(d, other, closed);
        await post(d, owner, open);
        await post(d, reader);
      }
      await deliverPosts(d); // the feed-delivery job's run
      const home = (label: string, change: () => Promise<unknown>) => expectStableAcross(d, reader, "home_feed", {}, change, label);
      const check = async () => {
        for (const u of [reader, fan, other, owner] as Actor[]) await expectFeedMatches(d, u, "home_feed", {}, 2);
      };

      await home("follow a public profile (backfill)", () => follow(d, reader, pub));
      await home("request a private profile", () => follow(d, reader, priv));
      await home("request accepted (backfill)", () => accept(d, priv, reader));
      await home("follower removed by the followee", () => unfollow(d, priv, reader, priv));
      await follow(d, reader, priv);
      await accept(d, priv, reader);
      await home("join a public group (backfill)", () => d.rpc(reader, "join_group", { group_id: open.id }));
      await home("block a group co-member", () => block(d, reader, other));
      await home("unblock", () => unblock(d, reader, other));
      await home("mute a followee", () => mute(d, reader, pub));
      await home("unmute", () =>
        d.request(reader, (tx) => tx`delete from public.mutes where muted_id = ${idOf(pub)}`, { method: "DELETE" }),
      );
      await mute(d, reader, other, new Date(Date.now() + 3_600_000));
      await home(
        "a mute expires",
        // time passing, simulated: the trigger that refuses past expiries is skipped for this write, and
        // the reader's stored context ends when the mute does, as time would have it (tests/feeds/
        // the-readers-context-* waits for a real expiry)
        () =>
          d.admin.begin(async (tx) => {
            await tx`set local session_replication_role = replica`;
            await tx`update public.mutes set expires_at = now() - interval '1 second' where muted_id = ${idOf(other)}`;
            await tx`update private.feed_reader_context set valid_until = now() - interval '1 second' where user_id = ${idOf(reader)}`;
          }),
      );
      await home("leave a group", () => d.rpc(reader, "leave_group", { group_id: open.id }));
      await home("follow a group (backfill)", () =>
        d.request(reader, (tx) => tx`insert into public.group_follows (group_id) values (${open.id})`, { path: "/group_follows" }),
      );
      await home("join a private group (request)", () => d.rpc(reader, "join_group", { group_id: closed.id }));
      await home("join request approved (backfill)", () =>
        d.rpc(owner, "review_join_request", { group_id: closed.id, user_id: idOf(reader), approve: true }),
      );
      await home("removed from a group", () => d.rpc(owner, "remove_group_member", { group_id: closed.id, user_id: idOf(reader) }));
      await home("a followee goes private", () => setPrivate(d, pub, true));
      await home("and public again", () => setPrivate(d, pub, false));
      await home("a followed group goes private", () =>
        d.request(owner, (tx) => tx`update public.groups set visibility = 'private' where id = ${open.id}`, { method: "PATCH" }),
      );
      await home("and public again", () =>
        d.request(owner, (tx) => tx`update public.groups set visibility = 'public' where id = ${open.id}`, { method: "PATCH" }),
      );
      const [oldest] = await d.admin<
        { id: string }[]
      >`select id from public.posts where author_id = ${idOf(pub)} order by created_at limit 1`;
      await home("a post is edited", () =>
        d.request(pub, (tx) => tx`update public.posts set content = ${tx.json(textContent("edited"))} where id = ${oldest?.id ?? null}`, {
          method: "PATCH",
        }),
      );
      await home("a post is deleted", () =>
        d.request(pub, (tx) => tx`delete from public.posts where id = ${oldest?.id ?? null}`, { method: "DELETE" }),
      );
      await home("posts arrive while paging (the delivery job runs)", async () => {
        const byPub = await post(d, pub);
        const inOpen = await post(d, other, open);
        const own = await post(d, reader);
        // every ordinary post waits for the delivery job (tiny: pub is a big author, in the fan-out
        // queue, and the open group a big group, merged at read time); its author has it at once
        const waiting = await awaitingDelivery(d, [byPub, inOpen, own]);
        expect(waiting).toEqual(tiny ? [own] : [byPub, inOpen, own]);
        for (const [author, id] of [
          [pub, byPub],
          [other, inOpen],
          [reader, own],
        ] as const) {
          const rows = await d.admin`select from private.feed_inbox where user_id = ${idOf(author)} and post_id = ${id}`;
          expect(rows, "posts arrive while paging: in the author's inbox").toHaveLength(1);
        }
        // before the job the reader's home feed holds all but the others' posts still waiting
        const beforeJob = await readAll(d, reader, "home_feed", {}, 2);
        const notYet = waiting.filter((id) => id !== own);
        const all = await oracle(d, reader, "home_feed", {});
        expect(all).toEqual(expect.arrayContaining([byPub, inOpen, own]));
        const expected = all.filter((id) => !notYet.includes(id));
        expect(
          beforeJob.map((r) => r.post_id),
          "posts arrive while paging: before the delivery job",
        ).toEqual(expected);
        expect(await deliverPosts(d)).toBe(waiting.length);
      });
      await home("the fan-out queue drains (big sources' posts move to the inboxes)", () => drainQueue(d));
      await home("group unfollowed", () =>
        d.request(reader, (tx) => tx`delete from public.group_follows where group_id = ${open.id}`, { method: "DELETE" }),
      );
      await home("unfollow", () => unfollow(d, reader, reader, pub));
      await home("block a followee (ends the follow)", () => block(d, reader, priv));
      await check();
    });
  });
}
