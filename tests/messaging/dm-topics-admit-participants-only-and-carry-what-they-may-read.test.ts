// Realtime Authorization for dm:<conversation id>, probed exactly as the Realtime server does it
// (tests/helpers/realtime.ts), and the broadcasts the message triggers write to realtime.messages.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { broadcastsOn, canJoin, canSend, readableExtensions } from "../helpers/realtime.ts";
import { block, deleteMessage, edit, follow, idOf, send, startConversation, unblock } from "./dm.ts";

const db = useTestDatabase();

let n = 0;
async function conversation(): Promise<{ a: Actor; b: Actor; id: string; topic: string }> {
  n++;
  const a = await db().newUser(`rt_a_${n}`);
  const b = await db().newUser(`rt_b_${n}`);
  await follow(db(), b, a);
  const id = await startConversation(db(), a, b);
  return { a, b, id, topic: `dm:${id}` };
}

describe("dm:<conversation id> topics", () => {
  it("let both participants receive broadcast and presence, and send typing (broadcast) and presence", async () => {
    const { a, b, topic } = await conversation();
    for (const p of [a, b]) {
      expect(await readableExtensions(db(), p, topic)).toEqual(["broadcast", "presence"]);
      expect(await canSend(db(), p, topic, "broadcast")).toBe(true);
      expect(await canSend(db(), p, topic, "presence")).toBe(true);
    }
  });

  it("admit nobody else: strangers, admins, anon, service_role's claims without a user", async () => {
    const { topic } = await conversation();
    const stranger = await db().newUser(`rt_stranger_${n}`);
    const admin = await db().makeAdmin(await db().newUser(`rt_admin_${n}`));
    for (const outsider of [stranger, admin, anon]) {
      expect(await canJoin(db(), outsider, topic)).toBe(false);
      expect(await canSend(db(), outsider, topic, "broadcast")).toBe(false);
      expect(await canSend(db(), outsider, topic, "presence")).toBe(false);
    }
    // service_role bypasses RLS on the platform too (it is the server's key); it is not a subscriber.
    expect(await canJoin(db(), serviceRole, topic)).toBe(true);
  });

  it("admit nobody to a topic that is not exactly dm:<lower-case uuid> of an existing conversation", async () => {
    const { a, id } = await conversation();
    for (const topic of [`dm:${id.toUpperCase()}`, `dm:${id} `, `dm:${id}:x`, "dm:", "dm:not-a-uuid", `dm:${randomUUID()}`, id]) {
      expect(await canJoin(db(), a, topic)).toBe(false);
      expect(await canSend(db(), a, topic)).toBe(false);
    }
  });

  it("let an unconfirmed participant listen but not send", async () => {
    n++;
    const a = await db().newUser(`rt_sender_${n}`);
    const unconfirmed = await db().newUser(`rt_unconfirmed_${n}`, { confirm: false });
    const topic = `dm:${await startConversation(db(), a, unconfirmed)}`;
    expect(await canJoin(db(), unconfirmed, topic)).toBe(true);
    expect(await canSend(db(), unconfirmed, topic, "broadcast")).toBe(false);
    expect(await canSend(db(), unconfirmed, topic, "presence")).toBe(false);
  });

  it("shut both participants out while a block stands, whoever blocked, and let them back when it is lifted", async () => {
    const { a, b, topic } = await conversation();
    await block(db(), a, b);
    for (const p of [a, b]) {
      expect(await canJoin(db(), p, topic)).toBe(false);
      expect(await canSend(db(), p, topic, "broadcast")).toBe(false);
      expect(await canSend(db(), p, topic, "presence")).toBe(false);
    }
    await unblock(db(), a, b);
    expect(await canJoin(db(), b, topic)).toBe(true);
    expect(await canSend(db(), b, topic)).toBe(true);
  });

  it("do not open the participant's user:<id> topic to the other participant", async () => {
    const { a, b } = await conversation();
    expect(await canJoin(db(), b, `user:${idOf(a)}`)).toBe(false);
  });
});

describe("message broadcasts", () => {
  it("send message_created, message_updated and message_deleted on the conversation's topic", async () => {
    const { a, b, id, topic } = await conversation();
    const m = await send(db(), a, id, "hello");
    await send(db(), b, id, "hi");
    await edit(db(), a, m.id, "hello there");
    await edit(db(), a, m.id, "hello there"); // unchanged: nothing broadcast
    const beforeDelete = await broadcastsOn(db(), topic);
    // The edit scrubbed the old body from the stored message_created (issue 14: no old text survives).
    expect(beforeDelete[0]?.payload).toMatchObject({ id: m.id, conversation_id: id, sender_id: idOf(a), seq: 1, deleted_at: null });
    expect(beforeDelete[0]?.payload).not.toHaveProperty("body");
    expect(beforeDelete[1]?.payload).toMatchObject({ body: "hi" });
    expect(beforeDelete[2]?.payload).toMatchObject({ id: m.id, body: "hello there" });
    expect(beforeDelete[2]?.payload.edited_at).not.toBeNull();
    await deleteMessage(db(), a, m.id);
    const sent = await broadcastsOn(db(), topic);
    expect(sent.map((s) => s.event)).toEqual(["message_created", "message_created", "message_updated", "message_deleted"]);
    expect(sent.filter((s) => s.payload.id === m.id).map((s) => s.payload.body ?? null)).toEqual([null, null, null]);
  });

  it("never carry a deleted message's body, nor anything a participant cannot read in the table", async () => {
    const { a, id, topic } = await conversation();
    const m = await send(db(), a, id, "secret");
    await deleteMessage(db(), a, m.id);
    const deleted = (await broadcastsOn(db(), topic)).find((s) => s.event === "message_deleted");
    expect(deleted?.payload).not.toHaveProperty("body");
    expect(JSON.stringify(deleted?.payload)).not.toContain("secret");
    const columns = (
      await db().admin<{ c: string }[]>`select column_name as c from information_schema.columns
      where table_schema = 'public' and table_name = 'messages'`
    ).map((r) => r.c);
    for (const s of await broadcastsOn(db(), topic)) {
      for (const key of Object.keys(s.payload)) expect(columns).toContain(key);
    }
  });

  it("are written as private broadcasts, readable by the participants as Realtime reads them", async () => {
    const { a, b, id, topic } = await conversation();
    await send(db(), a, id, "for b");
    const [row] = await db().admin`select private, extension from realtime.messages where topic = ${topic} and event = 'message_created'`;
    expect({ ...row }).toEqual({ private: true, extension: "broadcast" });
    expect(await canJoin(db(), b, topic)).toBe(true);
  });

  it("are written by security definer triggers, so realtime.send can never lose one to RLS silently", async () => {
    // realtime.send turns an RLS refusal into a WARNING; the trigger functions run as their owner.
    const rows = await db().admin<{ fn: string; definer: boolean; config: string[] }[]>`
      select p.oid::regprocedure::text as fn, p.prosecdef as definer, p.proconfig as config from pg_proc p
      where p.oid in ('private.messages_after_insert()'::regprocedure, 'private.messages_after_update()'::regprocedure)
      order by 1`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { fn: "private.messages_after_insert()", definer: true, config: ['search_path=""'] },
      { fn: "private.messages_after_update()", definer: true, config: ['search_path=""'] },
    ]);
  });

  it("are not written for a refused message", async () => {
    const { a, b, id, topic } = await conversation();
    await block(db(), b, a);
    await expect(send(db(), a, id, "blocked")).rejects.toMatchObject({ code: "42501" });
    expect(await broadcastsOn(db(), topic)).toEqual([]);
  });
});
