// Issue 14, finding 3: a deleted message's text survives nowhere. Realtime stores every broadcast in
// realtime.messages (Broadcast Replay reads it back, backups keep it): editing a message scrubs its old
// body from every stored payload, deleting it scrubs every body, and so does a message that goes with
// its conversation. Payloads carry the message id at the top level ("id").
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { deleteMessage, edit, follow, send, startConversation } from "../messaging/dm.ts";

const db = useTestDatabase();

async function storedContaining(text: string): Promise<{ event: string }[]> {
  return db().admin<{ event: string }[]>`select event from realtime.messages where payload::text like ${`%${text}%`} order by inserted_at`;
}

let n = 0;
async function pair() {
  n++;
  const a = await db().newUser(`scrub_a_${n}`);
  const b = await db().newUser(`scrub_b_${n}`);
  await follow(db(), b, a);
  return { a, b, conversation: await startConversation(db(), a, b) };
}

describe("stored broadcasts of a direct message", () => {
  it("lose the old body when the message is edited, and keep the new one", async () => {
    const { a, conversation } = await pair();
    const m = await send(db(), a, conversation, "first-secret-wording");
    expect((await storedContaining("first-secret-wording")).map((r) => r.event)).toEqual(["message_created"]);
    await edit(db(), a, m.id, "second-secret-wording");
    expect(await storedContaining("first-secret-wording")).toEqual([]);
    expect((await storedContaining("second-secret-wording")).map((r) => r.event)).toEqual(["message_updated"]);
    await edit(db(), a, m.id, "third wording");
    expect(await storedContaining("second-secret-wording")).toEqual([]);
    const stored = await db().admin<{ payload: Record<string, unknown> }[]>`
      select payload from realtime.messages where payload ->> 'id' = ${m.id} order by inserted_at`;
    expect(stored.map((r) => r.payload.body ?? null)).toEqual([null, null, "third wording"]);
  });

  it("lose every body when the message is deleted", async () => {
    const { a, b, conversation } = await pair();
    const m = await send(db(), a, conversation, "delete-me-secret");
    await edit(db(), a, m.id, "delete-me-secret-v2");
    const other = await send(db(), b, conversation, "an-unrelated-reply");
    await deleteMessage(db(), a, m.id);
    expect(await storedContaining("delete-me-secret")).toEqual([]);
    // Only that message is scrubbed; the broadcasts still name it and its deletion.
    expect(await storedContaining("an-unrelated-reply")).toHaveLength(1);
    const events = await db().admin<{ event: string }[]>`
      select event from realtime.messages where payload ->> 'id' = ${m.id} order by inserted_at`;
    expect(events.map((r) => r.event)).toEqual(["message_created", "message_updated", "message_deleted"]);
    expect(other.body).toBe("an-unrelated-reply");
  });

  it("lose the deleted account's bodies; the other side keeps the conversation and its own (issue 18)", async () => {
    const { a, b, conversation } = await pair();
    await send(db(), a, conversation, "kept-by-the-other-side");
    await send(db(), b, conversation, "gone-with-the-account");
    await db().admin`delete from auth.users where id = ${b.user?.id ?? ""}`;
    expect(await storedContaining("gone-with-the-account")).toEqual([]);
    expect(await storedContaining("kept-by-the-other-side")).toHaveLength(1);
  });
});
