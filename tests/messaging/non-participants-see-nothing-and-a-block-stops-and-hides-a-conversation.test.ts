import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { parallelClients } from "../people/graph.ts";
import {
  block,
  deleteMessage,
  edit,
  expectNoEffect,
  expectRefused,
  follow,
  idOf,
  inbox,
  markRead,
  messagesOf,
  send,
  startConversation,
  unblock,
  visibleTo,
} from "./dm.ts";

const db = useTestDatabase();

let n = 0;
/** Two users with an accepted conversation holding one message from each. */
async function talking(): Promise<{ a: Actor; b: Actor; id: string; fromA: string; fromB: string }> {
  n++;
  const a = await db().newUser(`talker_a_${n}`);
  const b = await db().newUser(`talker_b_${n}`);
  await follow(db(), b, a);
  const id = await startConversation(db(), a, b);
  const fromA = (await send(db(), a, id, "hello b")).id;
  const fromB = (await send(db(), b, id, "hello a")).id;
  return { a, b, id, fromA, fromB };
}

/** Polls until a backend of this database waits for a lock (the conversation row, here). */
async function waitUntilSomeoneWaitsOnALock(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [row] = await db().admin<{ n: number }[]>`
      select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where not l.granted and a.datname = current_database()`;
    if ((row?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("nobody waited on a lock");
}

const everything = { conversations: 1, participants: 1, messages: 2 };
const nothing = { conversations: 0, participants: 0, messages: 0 };

describe("who sees a conversation", () => {
  it("its two participants see it, their own side of it and its messages", async () => {
    const { a, b, id } = await talking();
    expect(await visibleTo(db(), a, id)).toEqual(everything);
    expect(await visibleTo(db(), b, id)).toEqual(everything);
  });

  it("strangers, admins and unconfirmed users see nothing; anon is refused", async () => {
    const { id } = await talking();
    const stranger = await db().newUser(`outsider_${n}`);
    const admin = await db().makeAdmin(await db().newUser(`dm_admin_${n}`));
    const unconfirmed = await db().newUser(`dm_unconfirmed_${n}`, { confirm: false });
    for (const viewer of [stranger, admin, unconfirmed]) expect(await visibleTo(db(), viewer, id)).toEqual(nothing);
    for (const table of ["conversations", "conversation_participants", "messages"]) {
      await expectDbError(
        db().request(anon, (tx) => tx.unsafe(`select * from public.${table}`)),
        "42501",
        new RegExp(`^permission denied for table ${table}$`),
      );
    }
    await expectDbError(messagesOf(db(), stranger, id), "PT404", /^conversation not found$/);
    await expectDbError(markRead(db(), stranger, id), "PT404", /^conversation not found$/);
    expect(await inbox(db(), stranger)).toEqual([]);
  });

  it("service_role reads everything (operators and moderation)", async () => {
    const { id } = await talking();
    const rows = await db().request(serviceRole, (tx) => tx`select id from public.messages where conversation_id = ${id}`);
    expect(rows).toHaveLength(2);
  });

  it("clients cannot open, re-address or remove conversations or participants through the tables", async () => {
    const { a, b, id } = await talking();
    const stranger = await db().newUser(`hijacker_${n}`);
    const attempts = [
      () =>
        db().request(
          a,
          (tx) => tx`insert into public.conversations (user_low, user_high, started_by) values (${idOf(a)}, ${idOf(b)}, ${idOf(a)})`,
        ),
      () => db().request(a, (tx) => tx`update public.conversations set started_by = ${idOf(b)} where id = ${id}`),
      () => db().request(a, (tx) => tx`delete from public.conversations where id = ${id}`),
      () =>
        db().request(
          stranger,
          (tx) =>
            tx`insert into public.conversation_participants (conversation_id, user_id, other_user_id, state) values (${id}, ${idOf(stranger)}, ${idOf(a)}, 'accepted')`,
        ),
      () => db().request(b, (tx) => tx`update public.conversation_participants set last_read_seq = 100 where conversation_id = ${id}`),
      () => db().request(b, (tx) => tx`delete from public.conversation_participants where conversation_id = ${id}`),
    ];
    for (const attempt of attempts) await expectRefused(db(), attempt, "42501", /^permission denied for table conversation/);
  });
});

describe("a block between the participants", () => {
  it("hides the conversation and all its messages from both sides, whoever blocked", async () => {
    for (const blockerIsA of [true, false]) {
      const { a, b, id } = await talking();
      await block(db(), blockerIsA ? a : b, blockerIsA ? b : a);
      expect(await visibleTo(db(), a, id)).toEqual(nothing);
      expect(await visibleTo(db(), b, id)).toEqual(nothing);
      expect(await inbox(db(), a)).toEqual([]);
      expect(await inbox(db(), b)).toEqual([]);
      await expectDbError(messagesOf(db(), a, id), "PT404", /^conversation not found$/);
      await expectDbError(messagesOf(db(), b, id), "PT404", /^conversation not found$/);
    }
  });

  it("stops sending both ways with the same words, and stops editing, deleting and marking read", async () => {
    const { a, b, id, fromA } = await talking();
    await block(db(), b, a);
    await expectRefused(db(), () => send(db(), a, id, "why?"), "42501", /^you cannot message this user$/);
    await expectRefused(db(), () => send(db(), b, id, "bye"), "42501", /^you cannot message this user$/);
    await expectNoEffect(db(), () => edit(db(), a, fromA, "edited after the block"));
    await expectRefused(db(), () => deleteMessage(db(), a, fromA), "PT404", /^message not found$/);
    await expectRefused(db(), () => markRead(db(), b, id), "PT404", /^conversation not found$/);
  });

  it("also stops service_role from sending across it", async () => {
    const { a, b, id } = await talking();
    await block(db(), a, b);
    await expectRefused(
      db(),
      () =>
        db().request(
          serviceRole,
          (tx) => tx`insert into public.messages (conversation_id, sender_id, body) values (${id}, ${idOf(b)}, 'via the server')`,
        ),
      "42501",
      /^you cannot message this user$/,
    );
  });

  it("when lifted, gives both sides their conversation back, as it was", async () => {
    const { a, b, id } = await talking();
    await block(db(), a, b);
    await unblock(db(), a, b);
    expect(await visibleTo(db(), a, id)).toEqual(everything);
    expect(await visibleTo(db(), b, id)).toEqual(everything);
    expect(await startConversation(db(), b, a)).toBe(id);
    await send(db(), b, id, "friends again");
  });

  it("orders a send after a block committing at the same time: the send waits for it, then is refused", async () => {
    const { a, b, id } = await talking();
    const clients = parallelClients(db(), 2);
    let release: () => void = () => {};
    try {
      let inserted: () => void = () => {};
      const blockInserted = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const blocking = clients.request(b, async (tx) => {
        await tx`insert into public.blocks (blocked_id) values (${idOf(a)})`;
        inserted();
        await released;
      });
      await blockInserted;
      const sending = send(db(), a, id, "racing").then(
        () => "sent",
        (error: { code: string; message: string }) => error,
      );
      await waitUntilSomeoneWaitsOnALock();
      release();
      await blocking;
      expect(await sending).toMatchObject({ code: "42501", message: "you cannot message this user" });
      expect(await db().admin`select id from public.messages where body = 'racing'`).toEqual([]);
    } finally {
      release();
      await clients.end();
    }
  });

  it("orders a block after a send in flight: the message is sent, nothing after the block is", async () => {
    const { a, b, id } = await talking();
    const clients = parallelClients(db(), 2);
    let release: () => void = () => {};
    try {
      let inserted: () => void = () => {};
      const messageInserted = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const sending = clients.request(a, async (tx) => {
        await tx`insert into public.messages (conversation_id, body) values (${id}, 'just in time')`;
        inserted();
        await released;
      });
      await messageInserted;
      const blocking = block(db(), b, a);
      await waitUntilSomeoneWaitsOnALock();
      release();
      await sending;
      await blocking;
      expect(await db().admin`select id from public.messages where body = 'just in time'`).toHaveLength(1);
      await expectRefused(db(), () => send(db(), a, id, "too late"), "42501", /^you cannot message this user$/);
    } finally {
      release();
      await clients.end();
    }
  });
});
