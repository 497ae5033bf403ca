// moderation_queue: open reports grouped per target, most distinct reporters first, then oldest, with
// category counts, the target's state and a preview (a reported message: its frozen evidence), keyset
// paged; platform moderators see everything, a group's owners and admins their groups' posts and
// comments, nobody reports about themselves; others are refused.
import { describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castOf, idOf, moderate, report, rpc, rpcRows, sendMessage, unique } from "./cast.ts";

const db = useTestDatabase();

interface Item {
  target_kind: string;
  target_id: string;
  reporter_count: number;
  report_count: number;
  category_counts: Record<string, number>;
  report_ids: string[];
  target_state: Record<string, unknown>;
  target_preview: unknown;
  cursor: string;
}

function queue(actor: Actor, args: Record<string, unknown> = {}): Promise<Item[]> {
  return rpcRows<Item>(db(), actor, "moderation_queue", { page_size: 20, ...args });
}

describe("the moderation queue", () => {
  it("groups per target in order, pages by keyset, filters, and scopes by who handles what", async () => {
    const c = await castOf(db());
    const extra = await Promise.all([1, 2].map(() => db().newUser(unique("r"))));
    for (const g of extra) await rpc(db(), g, "join_group", { group_id: c.groupId });
    await report(db(), c.reporter, "post", c.profilePost, "spam");
    await report(db(), c.reporter, "post", c.groupPost, "spam");
    await report(db(), c.bystander, "post", c.groupPost, "hate");
    await report(db(), extra[0] as Actor, "post", c.groupPost, "hate");
    await report(db(), c.reporter, "comment", c.groupComment, "harassment");
    await report(db(), c.bystander, "comment", c.groupComment, "harassment");
    await report(db(), c.reporter, "profile", idOf(c.reported), "impersonation");

    const all = await queue(c.moderator);
    expect(all.map((i) => [i.target_kind, i.reporter_count])).toEqual([
      ["post", 3],
      ["comment", 2],
      ["post", 1],
      ["profile", 1],
    ]);
    expect(all[0]).toMatchObject({
      target_id: c.groupPost,
      report_count: 3,
      category_counts: { spam: 1, hate: 2 },
      target_state: { removed_at: null, locked_at: null, exists: true },
    });
    expect(all[0]?.report_ids).toHaveLength(3);
    // Keyset pages of 1 give the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: Item[] = await queue(c.admin, { page_size: 1, cursor });
      if (page.length === 0) break;
      paged.push((page[0] as Item).target_id);
      cursor = (page[0] as Item).cursor;
    }
    expect(paged).toEqual(all.map((i) => i.target_id));
    // Filters.
    expect((await queue(c.moderator, { target_kind: "comment" })).map((i) => i.target_id)).toEqual([c.groupComment]);
    expect((await queue(c.moderator, { category: "hate" })).map((i) => i.target_id)).toEqual([c.groupPost]);
    // A group's managers see only their groups' posts and comments.
    const mine = (await queue(c.groupAdmin)).map((i) => i.target_id);
    expect(mine).toEqual([c.groupPost, c.groupComment]);
    expect((await queue(c.groupOwner)).map((i) => i.target_id)).toEqual([c.groupPost, c.groupComment]);
    // The admin of another group has an empty queue; people who manage nothing are refused.
    expect(await queue(c.otherGroupAdmin)).toEqual([]);
    for (const actor of [c.reporter, c.bystander, c.reported]) {
      await expectDbError(queue(actor), "42501", /have a moderation queue/);
    }
    await expectDbError(queue(anon), "42501", /permission denied/);
    await expectDbError(queue(c.moderator, { cursor: "nonsense" }), "22023", /cursor is not valid/);
    await expectDbError(queue(c.moderator, { page_size: 0 }), "22023", /page_size/);
    // Handled items leave the queue at once.
    await moderate(db(), c.groupAdmin, "remove", "post", c.groupPost, "spam");
    expect((await queue(c.moderator)).map((i) => i.target_id)).not.toContain(c.groupPost);
  });

  it("nobody sees reports about themselves in the queue", async () => {
    const c = await castOf(db());
    const ownPost = await rpcRows<{ id: string }>(db(), c.groupAdmin, "create_post", {
      content: { blocks: [{ type: "text", value: "admin's post" }] },
      title: "t",
      group_id: c.groupId,
    });
    const postId = (ownPost[0] as { id: string }).id;
    await report(db(), c.reporter, "post", postId);
    expect((await queue(c.groupAdmin)).map((i) => i.target_id)).not.toContain(postId);
    expect((await queue(c.groupOwner)).map((i) => i.target_id)).toContain(postId);
    await expectDbError(moderate(db(), c.groupAdmin, "dismiss", "post", postId, null), "42501", /cannot moderate yourself/);
  });

  it("a reported message carries frozen evidence that handlers read without opening the conversation", async () => {
    const c = await castOf(db());
    await sendMessage(db(), c.reporter, c.conversationId, "please stop");
    const reportId = await report(db(), c.reporter, "message", c.message, "harassment");
    // Later edits and messages do not change the evidence.
    await db().request(c.reported, (tx) => tx`update public.messages set body = 'just kidding' where id = ${c.message}`);
    await sendMessage(db(), c.reported, c.conversationId, "after the report");
    const [item] = await queue(c.moderator, { target_kind: "message" });
    const evidence = item?.target_preview as { body: string; sender_id: string }[];
    expect(evidence.map((m) => m.body)).toEqual(["hello", "hi, who are you?", "you will regret it"]);
    expect(
      await db().request(c.moderator, (tx) => tx`select evidence is not null as has from public.reports where id = ${reportId}`),
    ).toEqual([{ has: true }]);
    // The moderator still cannot read the conversation itself.
    expect(await db().request(c.moderator, (tx) => tx`select 1 from public.messages where conversation_id = ${c.conversationId}`)).toEqual(
      [],
    );
    await expectDbError(rpcRows(db(), c.moderator, "conversation_messages", { conversation_id: c.conversationId }), "PT404");
  });

  it("moderators get one grouped notification for severe items entering the queue", async () => {
    const c = await castOf(db());
    await report(db(), c.reporter, "post", c.profilePost, "self_harm");
    await report(db(), c.bystander, "post", c.profilePost, "illegal");
    await report(db(), c.reporter, "comment", c.groupComment, "illegal");
    await report(db(), c.reporter, "post", c.groupPost, "spam");
    const notes = await db().request(
      c.moderator,
      (tx) => tx`select kind, actor_id, actor_count, data from public.notifications where kind = 'moderation_queue'`,
    );
    expect(notes).toEqual([{ kind: "moderation_queue", actor_id: null, actor_count: 2, data: { items: 2, latest_category: "illegal" } }]);
    expect(JSON.stringify(notes)).not.toContain(idOf(c.reporter));
    expect(await db().request(c.groupAdmin, (tx) => tx`select 1 from public.notifications where kind = 'moderation_queue'`)).toEqual([]);
  });
});
