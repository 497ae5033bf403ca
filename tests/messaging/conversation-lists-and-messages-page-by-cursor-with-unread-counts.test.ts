import { describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { parallelClients } from "../people/graph.ts";
import {
  type ConversationItem,
  deleteMessage,
  edit,
  expectRefused,
  follow,
  idOf,
  inbox,
  markRead,
  messagesOf,
  send,
  startConversation,
} from "./dm.ts";

const db = useTestDatabase();

let n = 0;
async function user(prefix: string): Promise<Actor> {
  n++;
  return db().newUser(`${prefix}_${n}`);
}

/** A conversation me ↔ other, in both inboxes (other follows me). */
async function open(me: Actor, other: Actor): Promise<string> {
  await follow(db(), other, me);
  return startConversation(db(), me, other);
}

async function allPages(actor: Actor, pageSize: number): Promise<ConversationItem[][]> {
  const pages: ConversationItem[][] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await inbox(db(), actor, { cursor, pageSize });
    if (page.length === 0) return pages;
    pages.push(page);
    cursor = page[page.length - 1]?.cursor ?? null;
  }
}

describe("my_conversations", () => {
  it("lists conversations with messages, latest activity first, with the other's card and the last message", async () => {
    const me = await user("lister");
    const ann = await db().newUser(`ann_${n}`, { displayName: "Ann" });
    const bob = await db().newUser(`bob_${n}`, { displayName: "Bob" });
    const quiet = await user("quiet");
    const withAnn = await open(me, ann);
    const withBob = await open(me, bob);
    await open(me, quiet); // no messages: not listed
    await send(db(), me, withAnn, "hi Ann");
    await send(db(), bob, withBob, "hi from Bob");
    await send(db(), ann, withAnn, "hi back");
    const list = await inbox(db(), me);
    expect(
      list.map((c) => [c.conversation_id, c.other_user_id, c.other_display_name, c.last_message_body, c.last_message_sender_id]),
    ).toEqual([
      [withAnn, idOf(ann), "Ann", "hi back", idOf(ann)],
      [withBob, idOf(bob), "Bob", "hi from Bob", idOf(bob)],
    ]);
    expect(list.every((c) => c.state === "accepted" && c.started_by === idOf(me))).toBe(true);
  });

  it("shows a deleted last message as a tombstone and an edited one with its new body", async () => {
    const me = await user("previewer");
    const other = await user("previewed");
    const id = await open(me, other);
    const m = await send(db(), other, id, "first draft");
    await edit(db(), other, m.id, "final");
    expect((await inbox(db(), me))[0]).toMatchObject({ last_message_body: "final", last_message_deleted_at: null });
    await deleteMessage(db(), other, m.id);
    const [row] = await inbox(db(), me);
    expect(row?.last_message_body).toBeNull();
    // PostgREST answers timestamps as ISO strings (json): a real timestamp is there.
    expect(Number.isNaN(Date.parse(row?.last_message_deleted_at ?? ""))).toBe(false);
    expect(row?.unread_count).toBe(0);
  });

  it("pages by cursor with no row twice and none missed, even when activity ties", async () => {
    const me = await user("pager");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const other = await user(`peer${i}`);
      const id = await open(me, other);
      await send(db(), other, id, `m${i}`);
      ids.push(id);
    }
    // Three conversations share one timestamp: the id breaks the tie.
    await db().admin`update public.conversation_participants set last_message_at = '2026-01-01T00:00:00Z'
      where user_id = ${idOf(me)} and conversation_id = any (${ids.slice(0, 3)}::uuid[])`;
    const pages = await allPages(me, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const seen = pages.flat().map((c) => c.conversation_id);
    expect(new Set(seen).size).toBe(7);
    expect(seen.slice(0, 4)).toEqual([...ids.slice(3)].reverse());
    expect(seen.slice(4)).toEqual([...ids.slice(0, 3)].sort().reverse());
  });

  it("counts unread messages from the other side only, not tombstones, until mark_conversation_read", async () => {
    const me = await user("reader");
    const other = await user("writer");
    const id = await open(me, other);
    await send(db(), me, id, "mine");
    const a = await send(db(), other, id, "one");
    await send(db(), other, id, "two");
    await send(db(), other, id, "three");
    await deleteMessage(db(), other, a.id);
    expect((await inbox(db(), me))[0]?.unread_count).toBe(2);
    expect((await inbox(db(), other))[0]?.unread_count).toBe(0);
    expect(await markRead(db(), me, id)).toBe(2);
    expect((await inbox(db(), me))[0]?.unread_count).toBe(0);
    expect(await markRead(db(), me, id)).toBe(0);
    await send(db(), other, id, "four");
    expect((await inbox(db(), me))[0]?.unread_count).toBe(1);
    await send(db(), me, id, "replying reads everything");
    expect((await inbox(db(), me))[0]?.unread_count).toBe(0);
  });

  it("waits for a message being sent, then reads it: the count returned and the read mark agree", async () => {
    const me = await user("early_reader");
    const other = await user("slow_writer");
    const id = await open(me, other);
    await send(db(), other, id, "seen");
    const clients = parallelClients(db(), 1);
    let release: () => void = () => {};
    try {
      let inserted: () => void = () => {};
      const messageInserted = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const sending = clients.request(other, async (tx) => {
        await tx`insert into public.messages (conversation_id, body) values (${id}, 'in flight')`;
        inserted();
        await released;
      });
      await messageInserted;
      const marking = markRead(db(), me, id);
      for (let i = 0; i < 200; i++) {
        const [row] = await db().admin<{ n: number }[]>`
          select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where not l.granted and a.datname = current_database()`;
        if ((row?.n ?? 0) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      release();
      await sending;
      expect(await marking).toBe(2);
    } finally {
      release();
      await clients.end();
    }
    expect((await inbox(db(), me))[0]?.unread_count).toBe(0);
  });

  it("leaves a message sent after mark_conversation_read unread, whatever the clocks of the two transactions say", async () => {
    const me = await user("clock_reader");
    const other = await user("clock_writer");
    const id = await open(me, other);
    await send(db(), other, id, "old");
    // The sender's transaction starts (and takes its now()) before the read mark moves, and commits after.
    await db().request(other, async (tx) => {
      await tx`select now()`;
      expect(await markRead(db(), me, id)).toBe(1);
      await tx`insert into public.messages (conversation_id, body) values (${id}, 'new')`;
    });
    const [row] = await inbox(db(), me);
    expect(row?.unread_count).toBe(1);
    expect(row?.last_message_body).toBe("new");
  });

  it("refuses a malformed cursor and a page size outside 1–100; anon may not call it", async () => {
    const me = await user("picky_pager");
    for (const cursor of ["nonsense", "2026-13-45T00:00:00.000000Z/00000000-0000-4000-8000-000000000000"]) {
      await expectDbError(inbox(db(), me, { cursor }), "22023", /^cursor is not valid$/);
    }
    for (const pageSize of [0, 101]) await expectDbError(inbox(db(), me, { pageSize }), "22023", /^page_size must be between 1 and 100$/);
    await expectDbError(inbox(db(), anon), "42501", /^permission denied for function my_conversations$/);
  });
});

describe("conversation_messages", () => {
  it("pages a conversation newest first by cursor", async () => {
    const me = await user("historian");
    const other = await user("chatter");
    const id = await open(me, other);
    for (let i = 1; i <= 5; i++) await send(db(), i % 2 ? me : other, id, `message ${i}`);
    const first = await messagesOf(db(), other, id, { pageSize: 2 });
    expect(first.map((m) => m.body)).toEqual(["message 5", "message 4"]);
    const second = await messagesOf(db(), other, id, { pageSize: 2, cursor: first[1]?.cursor });
    expect(second.map((m) => m.body)).toEqual(["message 3", "message 2"]);
    const third = await messagesOf(db(), other, id, { pageSize: 2, cursor: second[1]?.cursor });
    expect(third.map((m) => m.body)).toEqual(["message 1"]);
    expect(await messagesOf(db(), other, id, { cursor: third[0]?.cursor })).toEqual([]);
    expect(first[0]).toMatchObject({ conversation_id: id, sender_id: idOf(me), seq: 5, edited_at: null, deleted_at: null });
  });

  it("is the same as a plain table read ordered by seq (the documented alternative)", async () => {
    const me = await user("table_reader");
    const other = await user("table_writer");
    const id = await open(me, other);
    for (let i = 1; i <= 3; i++) await send(db(), other, id, `t${i}`);
    const viaTable = await db().request(
      me,
      (tx) => tx`select body from public.messages where conversation_id = ${id} and seq < 3 order by seq desc limit 30`,
      { method: "GET" },
    );
    expect(viaTable.map((r) => r.body)).toEqual(["t2", "t1"]);
    expect((await messagesOf(db(), me, id, { cursor: "3" })).map((m) => m.body)).toEqual(["t2", "t1"]);
  });

  it("is refused to non-participants, with a bad cursor or page size, and to anon", async () => {
    const me = await user("guarded");
    const other = await user("guarded_peer");
    const stranger = await user("peeker");
    const id = await open(me, other);
    await send(db(), me, id, "private");
    await expectDbError(messagesOf(db(), stranger, id), "PT404", /^conversation not found$/);
    await expectDbError(messagesOf(db(), me, id, { cursor: "-1" }), "22023", /^cursor is not valid$/);
    await expectDbError(messagesOf(db(), me, id, { pageSize: 1000 }), "22023", /^page_size must be between 1 and 100$/);
    await expectDbError(messagesOf(db(), anon, id), "42501", /^permission denied for function conversation_messages$/);
  });
});

describe("mark_conversation_read", () => {
  it("is refused, changing nothing, to strangers, unknown conversations, unconfirmed users and anon", async () => {
    const me = await user("marker");
    const other = await user("marked");
    const stranger = await user("nosy");
    const unconfirmed = await db().newUser(`unconfirmed_reader_${n}`, { confirm: false });
    const id = await open(me, other);
    await send(db(), other, id, "hi");
    const toUnconfirmed = await startConversation(db(), me, unconfirmed);
    await send(db(), me, toUnconfirmed, "hello newcomer");
    await expectRefused(db(), () => markRead(db(), stranger, id), "PT404", /^conversation not found$/);
    await expectRefused(db(), () => markRead(db(), me, "00000000-0000-4000-8000-000000000000"), "PT404", /^conversation not found$/);
    await expectRefused(db(), () => markRead(db(), unconfirmed, toUnconfirmed), "42501", /^confirm your email address before you do this$/);
    await expectRefused(db(), () => markRead(db(), anon, id), "42501", /^permission denied for function mark_conversation_read$/);
  });
});
