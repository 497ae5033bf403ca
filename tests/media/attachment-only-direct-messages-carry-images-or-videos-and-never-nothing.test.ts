// A direct message may be attachments only (images or videos, no text): send_message inserts the
// message and its attachments in one request. Every such message is still checked: the attachments
// are the sender's own message-media images or videos, and a live message without text keeps at
// least one attachment, on every path (checked at commit).
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, idOf, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, edit, follow, send, startConversation, unblock } from "../messaging/dm.ts";
import { attach, mediaIdOf, ownPath, reads, upload } from "./media.ts";

const db = useTestDatabase();

let a: Actor;
let b: Actor;
let outsider: Actor;
let conversation: string;

beforeAll(async () => {
  [a, b, outsider] = await Promise.all([db().newUser("ao_a"), db().newUser("ao_b"), db().newUser("ao_out")]);
  await follow(db(), b, a); // b follows a: a's messages are not a request
  conversation = await startConversation(db(), a, b);
  await send(db(), b, conversation, "hi"); // both sides accepted: no one-message request limit
});

/** supabase.rpc('send_message', { conversation_id, body, media_ids }). */
function sendMessage(actor: Actor, body: string | null, mediaIds: string[] | null, conv = conversation) {
  return db().rpc(actor, "send_message", { conversation_id: conv, body: body as string, media_ids: mediaIds as string[] });
}

async function uploaded(actor: Actor, bucket: string, mimetype: string): Promise<{ path: string; id: string }> {
  const path = ownPath(actor, mimetype.startsWith("video") ? "mp4" : "png");
  await upload(db(), actor, bucket, path, { mimetype });
  return { path, id: await mediaIdOf(db(), bucket, path) };
}

const messageCount = async () => Number((await db().admin`select count(*)::int as n from public.messages`)[0]?.n);

describe("attachment-only direct messages", () => {
  it("a message with only an image, or only videos, is sent; the other participant reads it and its objects", async () => {
    const photo = await uploaded(a, "message-media", "image/png");
    const sent = await sendMessage(a, null, [photo.id]);
    expect(sent).toMatchObject({ sender_id: idOf(a), body: null, deleted_at: null });
    const [clip1, clip2] = [await uploaded(a, "message-media", "video/mp4"), await uploaded(a, "message-media", "video/mp4")];
    const both = await sendMessage(a, "   ", [clip1.id, clip2.id]);
    expect(both.body).toBeNull();
    const rows = await db().request(
      b,
      (tx) => tx`select message_id, media_id, position from public.message_media where message_id = ${both.id} order by position`,
    );
    expect(rows).toEqual([
      { message_id: both.id, media_id: clip1.id, position: 0 },
      { message_id: both.id, media_id: clip2.id, position: 1 },
    ]);
    expect(await reads(db(), b, "message-media", photo.path)).toBe(true);
    expect(await reads(db(), outsider, "message-media", photo.path)).toBe(false);
    expect(await reads(db(), anon, "message-media", photo.path)).toBe(false);
    // Text and attachments together still work, and text alone through the same RPC.
    const withText = await sendMessage(a, " look ", [(await uploaded(a, "message-media", "image/png")).id]);
    expect(withText.body).toBe("look");
    expect((await sendMessage(a, "just text", null)).body).toBe("just text");
  });

  it("no text and no attachment is refused on every path, changing nothing", async () => {
    const before = await messageCount();
    await expectDbError(sendMessage(a, null, null), "22023", /^message body must be 1–4,000 characters$/);
    await expectDbError(sendMessage(a, "  ", []), "22023", /^message body must be 1–4,000 characters$/);
    await expectDbError(
      db().request(a, (tx) => tx`insert into public.messages (conversation_id) values (${conversation})`),
      "22023",
      /^message body must be 1–4,000 characters$/,
    );
    expect(await messageCount()).toBe(before);
  });

  it("the attachments are checked: someone else's, post-media, not an image or video, more than 10; nothing is sent", async () => {
    const before = await messageCount();
    const theirs = await uploaded(b, "message-media", "image/png");
    await expectDbError(sendMessage(a, null, [theirs.id]), "22023", /no uploaded media/);
    const inPosts = await uploaded(a, "post-media", "image/png");
    await expectDbError(sendMessage(a, null, [inPosts.id]), "22023", /no uploaded media/);
    await expectDbError(sendMessage(a, null, [crypto.randomUUID()]), "22023", /no uploaded media/);
    const mine = await uploaded(a, "message-media", "image/png");
    await expectDbError(sendMessage(a, null, Array(11).fill(mine.id)), "22023", /at most 10 attachments/);
    expect(await messageCount()).toBe(before);
    expect((await db().admin`select ref_count from public.media where id = ${mine.id}`)[0]).toEqual({ ref_count: 0 });
  });

  it("outsiders, anon and a blocked participant cannot send one", async () => {
    const photo = await uploaded(outsider, "message-media", "image/png");
    await expectDbError(sendMessage(outsider, null, [photo.id]), "PT404", /conversation not found/);
    await expectDbError(sendMessage(anon, null, [photo.id]), "42501", /permission denied/);
    const mine = await uploaded(a, "message-media", "image/png");
    await block(db(), b, a);
    try {
      await expectDbError(sendMessage(a, null, [mine.id]), "42501", /cannot message this user/);
    } finally {
      await unblock(db(), b, a);
    }
  });

  it("a message without text keeps at least one attachment: the last one cannot be detached, nor the text cleared without one", async () => {
    const [p1, p2] = [await uploaded(a, "message-media", "image/png"), await uploaded(a, "message-media", "image/png")];
    const m = await sendMessage(a, null, [p1.id, p2.id]);
    const detach = (mediaId: string) =>
      db().request(a, (tx) => tx`delete from public.message_media where message_id = ${m.id} and media_id = ${mediaId} returning media_id`);
    expect(await detach(p1.id)).toEqual([{ media_id: p1.id }]);
    await expectDbError(detach(p2.id), "22023", /^message body must be 1–4,000 characters$/);
    expect(await db().admin`select media_id from public.message_media where message_id = ${m.id}`).toEqual([{ media_id: p2.id }]);
    // Adding text then lets the last attachment go; clearing the text of a message with an attachment is fine.
    await edit(db(), a, m.id, "now with words");
    expect(await detach(p2.id)).toEqual([{ media_id: p2.id }]);
    await expectDbError(edit(db(), a, m.id, "  "), "22023", /^message body must be 1–4,000 characters$/);
    const p3 = await uploaded(a, "message-media", "image/png");
    await attach(db(), a, m.id, p3.id);
    const [cleared] = await edit(db(), a, m.id, "  ");
    expect(cleared?.body).toBeNull();
    // Deleting the message (a tombstone) releases its attachments: no text, no attachment, and allowed.
    await db().rpc(a, "delete_message", { message_id: m.id });
    expect(await db().admin`select body, deleted_at is not null as deleted from public.messages where id = ${m.id}`).toEqual([
      { body: null, deleted: true },
    ]);
  });
});
