// Issue 14, finding 4: blocks cover every write path, insert, update and delete alike. A blocked user
// cannot change an old RSVP, reaction, comment or message across the block (even by an UPDATE without
// a filter, which RLS's read policies do not narrow); a block takes each side's face out of the other's
// notifications, grouped ones included.
import { describe, expect, it } from "vitest";
import type { Actor } from "../helpers/db.ts";
import { useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { send, startConversation } from "../messaging/dm.ts";
import { block, follow } from "../people/graph.ts";
import { comment, createPost, eventBlock, idOf, inDays, react, rsvp } from "../posts/fixtures.ts";

const db = useTestDatabase();

const patch = (actor: Actor, body: (tx: import("postgres").TransactionSql) => Promise<unknown>) =>
  db().request(actor, body, { method: "PATCH" });

describe("a block and old rows of the blocked user", () => {
  it("refuses changing an RSVP to the blocker's event, and the counts stay", async () => {
    const host = await db().newUser("w4_host");
    const guest = await db().newUser("w4_guest");
    const post = await createPost(db(), host, { blocks: [eventBlock("Party", inDays(3))] });
    const [event] = await db().admin<{ id: string }[]>`select id from public.events where post_id = ${post.id}`;
    await rsvp(db(), guest, event?.id as string, "going");
    await block(db(), host, guest);
    const before = await db().admin`select * from public.events where id = ${event?.id ?? ""}`;
    await expectDbError(
      patch(guest, (tx) => tx`update public.event_rsvps set status = 'not_going' where event_id = ${event?.id ?? ""}`),
      "PT404",
      /^event not found$/,
    );
    await expectDbError(
      patch(guest, (tx) => tx`update public.event_rsvps set status = 'interested'`),
      "PT404",
      /^event not found$/,
    );
    expect(await db().admin`select * from public.events where id = ${event?.id ?? ""}`).toEqual(before);
    // Withdrawing stays possible (DELETE by its user, filtered to rows the user may see: none here).
    const [row] = await db().admin`select status from public.event_rsvps where event_id = ${event?.id ?? ""}`;
    expect(row?.status).toBe("going");
  });

  it("refuses changing the kind of a reaction on the blocker's post, even without a filter", async () => {
    const author = await db().newUser("w4_author");
    const fan = await db().newUser("w4_fan");
    const post = await createPost(db(), author);
    await react(db(), fan, "like", { post_id: post.id });
    await block(db(), author, fan);
    await expectDbError(
      patch(fan, (tx) => tx`update public.reactions set kind = 'angry'`),
      "PT404",
      /^post not found$/,
    );
    const [p] = await db().admin<
      { reaction_counts: Record<string, number> }[]
    >`select reaction_counts from public.posts where id = ${post.id}`;
    expect(p?.reaction_counts).toEqual({ like: 1 });
  });

  it("refuses editing a comment under the blocker's post, even without a filter", async () => {
    const author = await db().newUser("w4_cauthor");
    const commenter = await db().newUser("w4_commenter");
    const post = await createPost(db(), author);
    const c = await comment(db(), commenter, post.id, "before the block");
    await block(db(), commenter, author);
    await expectDbError(
      patch(commenter, (tx) => tx`update public.comments set body = 'after'`),
      "PT404",
      /^post not found$/,
    );
    const [row] = await db().admin`select body from public.comments where id = ${c.id}`;
    expect(row?.body).toBe("before the block");
  });

  it("leaves a message unchanged by an edit across the block, even without a filter (the update policy's own rule)", async () => {
    const a = await db().newUser("w4_dm_a");
    const b = await db().newUser("w4_dm_b");
    await follow(db(), b, a);
    const conversation = await startConversation(db(), a, b);
    const m = await send(db(), a, conversation, "before");
    await block(db(), b, a);
    expect(await patch(a, (tx) => tx`update public.messages set body = 'after' returning 1`)).toHaveLength(0);
    const [row] = await db().admin`select body from public.messages where id = ${m.id}`;
    expect(row?.body).toBe("before");
  });
});

describe("a block and notifications", () => {
  it("replaces the blocked user as the actor of a grouped notification, and removes a lone one", async () => {
    const author = await db().newUser("w4_nauthor");
    const first = await db().newUser("w4_first");
    const troll = await db().newUser("w4_troll");
    const post = await createPost(db(), author);
    await react(db(), first, "like", { post_id: post.id });
    await react(db(), troll, "angry", { post_id: post.id });
    await comment(db(), troll, post.id, "only me");
    const read = () =>
      db().admin<{ kind: string; actor_id: string; actor_count: number }[]>`
        select kind, actor_id, actor_count from public.notifications
        where recipient_id = ${idOf(author)} and kind in ('reaction', 'comment') order by kind`;
    expect((await read()).map((r) => ({ ...r }))).toEqual([
      { kind: "comment", actor_id: idOf(troll), actor_count: 1 },
      { kind: "reaction", actor_id: idOf(troll), actor_count: 2 },
    ]);
    await block(db(), author, troll);
    expect((await read()).map((r) => ({ ...r }))).toEqual([{ kind: "reaction", actor_id: idOf(first), actor_count: 1 }]);
  });

  it("takes the blocker out of the blocked user's notifications too", async () => {
    const blocker = await db().newUser("w4_blocker");
    const blocked = await db().newUser("w4_blocked");
    const post = await createPost(db(), blocked);
    await react(db(), blocker, "like", { post_id: post.id });
    await follow(db(), blocker, blocked);
    expect(
      (await db().admin`select 1 from public.notifications where recipient_id = ${idOf(blocked)} and actor_id = ${idOf(blocker)}`).length,
    ).toBeGreaterThan(0);
    await block(db(), blocker, blocked);
    expect(
      await db().admin`select 1 from public.notifications where recipient_id = ${idOf(blocked)} and actor_id = ${idOf(blocker)}`,
    ).toEqual([]);
  });
});
