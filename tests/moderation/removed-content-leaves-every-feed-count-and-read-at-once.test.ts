// Removing a post, comment or message takes it out of every feed page, count and read at once (and
// out of Realtime for a message); its author still reads it, marked removed with the reason; restore
// puts everything back. A locked post takes no new comments or reactions.
import { describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castOf, comment, createPost, idOf, moderate, rpc, rpcRows } from "./cast.ts";

const db = useTestDatabase();

async function feedIds(actor: Actor, fn: string, args: Record<string, unknown>): Promise<string[]> {
  const rows = await rpcRows<{ post_id: string }>(db(), actor, fn, { ...args, page_size: 100 });
  return rows.map((r) => r.post_id);
}

describe("removal", () => {
  it("a removed post is gone from every feed, count and read at once, and back when restored", async () => {
    const c = await castOf(db());
    await db().request(c.bystander, (tx) => tx`insert into public.follows (followee_id) values (${idOf(c.reported)})`);
    const other = await createPost(db(), c.reported, "a harmless post");
    await comment(db(), c.bystander, c.profilePost, "a reply");
    const postsCount = async () =>
      (await db().admin<{ posts_count: number }[]>`select posts_count from public.profiles where id = ${idOf(c.reported)}`)[0]?.posts_count;
    const before = await postsCount();
    const seen = async (actor: Actor) => ({
      home: (await feedIds(actor, "home_feed", {})).includes(c.profilePost),
      profile: (await feedIds(actor, "profile_feed", { user_id: idOf(c.reported) })).includes(c.profilePost),
      table: (await db().request(actor, (tx) => tx`select 1 from public.posts where id = ${c.profilePost}`)).length === 1,
      comments: (await db().request(actor, (tx) => tx`select 1 from public.comments where post_id = ${c.profilePost}`)).length,
    });
    expect(await seen(c.bystander)).toEqual({ home: true, profile: true, table: true, comments: 2 });

    await moderate(db(), c.moderator, "remove", "post", c.profilePost, "selling pills");
    expect(await seen(c.bystander)).toEqual({ home: false, profile: false, table: false, comments: 0 });
    expect(await db().request(anon, (tx) => tx`select 1 from public.posts where id = ${c.profilePost}`)).toEqual([]);
    expect(await postsCount()).toBe((before as number) - 1);
    // Other posts of the author stay.
    expect(await feedIds(c.bystander, "profile_feed", { user_id: idOf(c.reported) })).toContain(other);
    // The author reads it marked removed with the reason (not in feeds).
    expect(await db().request(c.reported, (tx) => tx`select removed_reason from public.posts where id = ${c.profilePost}`)).toEqual([
      { removed_reason: "selling pills" },
    ]);
    expect(await feedIds(c.reported, "home_feed", {})).not.toContain(c.profilePost);
    // Nobody comments on, reacts to or bookmarks it; the author cannot edit it.
    await expectDbError(comment(db(), c.bystander, c.profilePost, "hello?"), "PT404", /post not found/);
    await expectDbError(rpc(db(), c.bystander, "react", { kind: "like", post_id: c.profilePost }), "PT404", /post not found/);
    await expectDbError(
      db().request(c.reported, (tx) => tx`update public.posts set title = 'fixed' where id = ${c.profilePost}`),
      "PT409",
      /a removed post cannot be edited/,
    );

    await moderate(db(), c.moderator, "restore", "post", c.profilePost, null);
    expect(await seen(c.bystander)).toEqual({ home: true, profile: true, table: true, comments: 2 });
    expect(await postsCount()).toBe(before);
  });

  it("a removed group post leaves the group feed; a removed comment leaves the thread and the comment count", async () => {
    const c = await castOf(db());
    const countOf = async () =>
      (await db().admin<{ comment_count: number }[]>`select comment_count from public.posts where id = ${c.groupPost}`)[0]?.comment_count;
    expect(await countOf()).toBe(1);
    await moderate(db(), c.groupAdmin, "remove", "comment", c.groupComment, "off topic");
    expect(await countOf()).toBe(0);
    expect(await db().request(c.bystander, (tx) => tx`select 1 from public.comments where id = ${c.groupComment}`)).toEqual([]);
    expect(await db().request(c.reported, (tx) => tx`select removed_reason from public.comments where id = ${c.groupComment}`)).toEqual([
      { removed_reason: "off topic" },
    ]);
    await expectDbError(rpc(db(), c.bystander, "react", { kind: "like", comment_id: c.groupComment }), "PT404", /comment not found/);
    // Deleting a removed comment does not count it twice.
    await db().request(c.reported, (tx) => tx`delete from public.comments where id = ${c.groupComment}`);
    expect(await countOf()).toBe(0);

    expect(await feedIds(c.bystander, "group_feed", { group_id: c.groupId })).toContain(c.groupPost);
    await moderate(db(), c.groupOwner, "remove", "post", c.groupPost, "spam");
    expect(await feedIds(c.bystander, "group_feed", { group_id: c.groupId })).not.toContain(c.groupPost);
    expect(await feedIds(c.bystander, "home_feed", {})).not.toContain(c.groupPost);
  });

  it("a removed message leaves the other participant's reads, previews and unread count, and Realtime says so", async () => {
    const c = await castOf(db());
    const unread = async () =>
      (await rpcRows<{ unread_count: number; last_message_id: string }>(db(), c.reporter, "my_conversations", { page_size: 10 }))[0];
    // Replying marked the reporter's side read: only the reported message is unread.
    expect(await unread()).toMatchObject({ unread_count: 1, last_message_id: c.message });
    await moderate(db(), c.moderator, "remove", "message", c.message, "threat");
    expect(await unread()).toMatchObject({ unread_count: 0 });
    expect((await unread())?.last_message_id).not.toBe(c.message);
    const messages = await rpcRows<{ id: string }>(db(), c.reporter, "conversation_messages", { conversation_id: c.conversationId });
    expect(messages.map((m) => m.id)).not.toContain(c.message);
    expect(await db().request(c.reported, (tx) => tx`select removed_reason from public.messages where id = ${c.message}`)).toEqual([
      { removed_reason: "threat" },
    ]);
    await expectDbError(
      db().request(c.reported, (tx) => tx`update public.messages set body = 'sorry' where id = ${c.message}`),
      "PT409",
      /a removed message cannot change/,
    );
    const [broadcast] = await db().admin<{ event: string; payload: Record<string, unknown> }[]>`
      select event, payload from realtime.messages where topic = ${`dm:${c.conversationId}`} and event = 'message_removed'`;
    expect(broadcast?.payload).toEqual(expect.objectContaining({ id: c.message }));
    expect(broadcast?.payload).not.toHaveProperty("body");
  });

  it("a locked post takes no new comments or reactions until unlocked", async () => {
    const c = await castOf(db());
    await expectDbError(moderate(db(), c.moderator, "unlock", "post", c.profilePost, null), "PT409", /not locked/);
    await moderate(db(), c.moderator, "lock", "post", c.profilePost, "heated thread");
    await expectDbError(comment(db(), c.bystander, c.profilePost, "one more"), "PT409", /this post is locked/);
    await expectDbError(rpc(db(), c.bystander, "react", { kind: "like", post_id: c.profilePost }), "PT409", /this post is locked/);
    await expectDbError(rpc(db(), c.bystander, "react", { kind: "like", comment_id: c.profileComment }), "PT409", /this post is locked/);
    expect(
      await db().request(c.bystander, (tx) => tx`select locked_at is not null as locked from public.posts where id = ${c.profilePost}`),
    ).toEqual([{ locked: true }]);
    await expectDbError(moderate(db(), c.moderator, "lock", "post", c.profilePost, "again"), "PT409", /already locked/);
    await moderate(db(), c.moderator, "unlock", "post", c.profilePost, null);
    await comment(db(), c.bystander, c.profilePost, "calm now");
  });

  it("a fresh post of a removed author's still shows: removal is per item", async () => {
    const c = await castOf(db());
    await moderate(db(), c.moderator, "remove", "post", c.profilePost, "spam");
    const fresh = await createPost(db(), c.reported, "a new post");
    expect(await feedIds(c.bystander, "profile_feed", { user_id: idOf(c.reported) })).toContain(fresh);
  });
});
