import { beforeEach, describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { deleteMessage, edit, expectNoEffect, expectRefused, follow, idOf, type MessageRow, send, startConversation } from "./dm.ts";

const db = useTestDatabase();

let n = 0;
let a: Actor;
let b: Actor;
let stranger: Actor;
let conversation: string;

beforeEach(async () => {
  n++;
  a = await db().newUser(`sender_${n}`);
  b = await db().newUser(`receiver_${n}`);
  stranger = await db().newUser(`stranger_${n}`);
  await follow(db(), b, a); // no request: b follows a
  conversation = await startConversation(db(), a, b);
});

async function stored(id: string): Promise<MessageRow | undefined> {
  const [row] = await db().admin<MessageRow[]>`select * from public.messages where id = ${id}`;
  return row ? { ...row } : undefined;
}

describe("sending", () => {
  it("lets both participants send, numbering the messages and trimming surrounding whitespace", async () => {
    const first = await send(db(), a, conversation, "  hello\n");
    const second = await send(db(), b, conversation, "hi!");
    expect(first).toMatchObject({ sender_id: idOf(a), seq: "1", body: "hello", edited_at: null, deleted_at: null });
    expect(second).toMatchObject({ sender_id: idOf(b), seq: "2", body: "hi!" });
  });

  it("accepts 1 and 4,000 characters and refuses, changing nothing, an empty, blank or longer body", async () => {
    await send(db(), a, conversation, "x");
    await send(db(), a, conversation, "y".repeat(4000));
    await send(db(), a, conversation, ` ${"é".repeat(4000)} `);
    for (const body of ["", "   \n\t ", "z".repeat(4001)]) {
      await expectRefused(db(), () => send(db(), a, conversation, body), "22023", /^message body must be 1–4,000 characters$/);
    }
    await expectRefused(
      db(),
      () => db().request(a, (tx) => tx`insert into public.messages (conversation_id) values (${conversation})`),
      "22023",
      /^message body must be 1–4,000 characters$/,
    );
  });

  it("is refused, changing nothing, to strangers, anon, unconfirmed users and in someone else's name", async () => {
    const unconfirmed = await db().newUser(`unconfirmed_sender_${n}`, { confirm: false });
    const theirs = await startConversation(db(), a, unconfirmed);
    await expectRefused(db(), () => send(db(), stranger, conversation, "let me in"), "PT404", /^conversation not found$/);
    await expectRefused(db(), () => send(db(), anon, conversation, "hi"), "42501", /^permission denied for table messages$/);
    await expectRefused(db(), () => send(db(), unconfirmed, theirs, "hi"), "42501", /^confirm your email address before you do this$/);
    await expectRefused(
      db(),
      () =>
        db().request(
          b,
          (tx) => tx`insert into public.messages (conversation_id, sender_id, body) values (${conversation}, ${idOf(a)}, 'forged')`,
        ),
      "42501",
      /^permission denied for table messages$/,
    );
    await expectRefused(
      db(),
      () => db().request(a, (tx) => tx`insert into public.messages (conversation_id, body, seq) values (${conversation}, 'x', 99)`),
      "42501",
      /^permission denied for table messages$/,
    );
  });

  it("refuses a missing conversation", async () => {
    await expectRefused(db(), () => send(db(), a, "00000000-0000-4000-8000-000000000000", "hi"), "PT404", /^conversation not found$/);
  });

  it("lets service_role send in a participant's name, with the same rules, and nobody else's", async () => {
    const sent = await db().request(
      serviceRole,
      (tx) =>
        tx<
          MessageRow[]
        >`insert into public.messages (conversation_id, sender_id, body) values (${conversation}, ${idOf(a)}, 'from the server') returning *`,
    );
    expect(sent[0]).toMatchObject({ sender_id: idOf(a), seq: "1", body: "from the server" });
    await expectRefused(
      db(),
      () =>
        db().request(
          serviceRole,
          (tx) => tx`insert into public.messages (conversation_id, sender_id, body) values (${conversation}, ${idOf(stranger)}, 'x')`,
        ),
      "PT404",
      /^conversation not found$/,
    );
  });
});

describe("editing", () => {
  it("lets the sender change the body, stamping edited_at", async () => {
    const m = await send(db(), a, conversation, "helo");
    const [edited] = await edit(db(), a, m.id, " hello ");
    expect(edited).toMatchObject({ body: "hello", created_at: m.created_at });
    expect(edited?.edited_at).toBeInstanceOf(Date);
    const [same] = await edit(db(), a, m.id, "hello");
    expect(same?.edited_at).toEqual(edited?.edited_at); // no change, no new stamp
  });

  it("changes nothing for the other participant, strangers, and refuses anon", async () => {
    const m = await send(db(), a, conversation, "mine");
    await expectNoEffect(db(), () => edit(db(), b, m.id, "yours now"));
    await expectNoEffect(db(), () => edit(db(), stranger, m.id, "mine now"));
    await expectRefused(db(), () => edit(db(), anon, m.id, "x"), "42501", /^permission denied for table messages$/);
  });

  it("allows the body only: every other column is refused by its grant", async () => {
    const m = await send(db(), a, conversation, "original");
    for (const column of ["sender_id", "conversation_id", "seq", "created_at", "edited_at", "deleted_at"]) {
      await expectRefused(
        db(),
        () => db().request(a, (tx) => tx.unsafe(`update public.messages set ${column} = ${column} where id = $1`, [m.id])),
        "42501",
        /^permission denied for table messages$/,
      );
    }
    await expectRefused(db(), () => edit(db(), a, m.id, "  "), "22023", /^message body must be 1–4,000 characters$/);
    expect((await stored(m.id))?.body).toBe("original");
  });

  it("refuses a deleted message", async () => {
    const m = await send(db(), a, conversation, "gone soon");
    await deleteMessage(db(), a, m.id);
    await expectRefused(db(), () => edit(db(), a, m.id, "back"), "PT409", /^a deleted message cannot change$/);
  });
});

describe("deleting", () => {
  it("leaves a tombstone: the body erased, deleted_at set, the message still in place", async () => {
    const m = await send(db(), a, conversation, "regrettable");
    await deleteMessage(db(), a, m.id);
    expect(await stored(m.id)).toMatchObject({ id: m.id, seq: "1", body: null, sender_id: idOf(a) });
    expect((await stored(m.id))?.deleted_at).toBeInstanceOf(Date);
    const seen = await db().request(b, (tx) => tx`select body, deleted_at from public.messages where id = ${m.id}`);
    expect(seen[0]?.body).toBeNull();
  });

  it("is refused, changing nothing, for someone else's message, twice, to strangers, anon and unknown ids", async () => {
    const m = await send(db(), a, conversation, "keep me");
    await expectRefused(db(), () => deleteMessage(db(), b, m.id), "42501", /^you can only delete your own messages$/);
    await expectRefused(db(), () => deleteMessage(db(), stranger, m.id), "PT404", /^message not found$/);
    await expectRefused(db(), () => deleteMessage(db(), anon, m.id), "42501", /^permission denied for function delete_message$/);
    await expectRefused(db(), () => deleteMessage(db(), a, "00000000-0000-4000-8000-000000000000"), "PT404", /^message not found$/);
    await expectRefused(
      db(),
      () => db().request(a, (tx) => tx`delete from public.messages where id = ${m.id}`),
      "42501",
      /^permission denied for table messages$/,
    );
    await deleteMessage(db(), a, m.id);
    await expectRefused(db(), () => deleteMessage(db(), a, m.id), "PT409", /^this message is already deleted$/);
  });

  it("by service_role through an update of deleted_at leaves the same tombstone", async () => {
    const m = await send(db(), a, conversation, "moderated");
    await db().request(serviceRole, (tx) => tx`update public.messages set deleted_at = now() where id = ${m.id}`);
    expect(await stored(m.id)).toMatchObject({ body: null });
  });
});
