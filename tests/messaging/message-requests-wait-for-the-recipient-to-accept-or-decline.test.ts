import { describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { parallelClients } from "../people/graph.ts";
import {
  accept,
  decline,
  expectRefused,
  follow,
  idOf,
  inbox,
  mute,
  requestInbox,
  send,
  setDmPolicy,
  sideOf,
  startConversation,
} from "./dm.ts";

const db = useTestDatabase();

let n = 0;
async function pair(): Promise<[Actor, Actor]> {
  n++;
  return [await db().newUser(`requester_${n}`), await db().newUser(`recipient_${n}`)];
}

async function requestNotifications(recipient: Actor) {
  return db().request(recipient, (tx) => tx`select kind, actor_id, subject_id from public.notifications where kind = 'message_request'`);
}

const waiting = /^your message request is waiting for this user to accept it$/;

describe("a message request", () => {
  it("lands in the recipient's request inbox, not the inbox, with one message from the sender", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    expect(await requestInbox(db(), recipient)).toEqual([]); // empty conversations are not listed
    await send(db(), sender, id, "hi, I liked your post");
    expect((await requestInbox(db(), recipient)).map((c) => [c.conversation_id, c.state, c.last_message_body])).toEqual([
      [id, "request", "hi, I liked your post"],
    ]);
    expect(await inbox(db(), recipient)).toEqual([]);
    expect((await inbox(db(), sender)).map((c) => c.conversation_id)).toEqual([id]);
    expect(await requestInbox(db(), sender)).toEqual([]);
  });

  it("lets the sender send one message until it is accepted, then any number", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    await send(db(), sender, id, "first");
    const e = await expectDbError(send(db(), sender, id, "second"), "PT409", waiting);
    expect(e.hint).toBe("Until they accept, you can send one message.");
    await expectRefused(db(), () => send(db(), sender, id, "second"), "PT409", waiting);
    await accept(db(), recipient, id);
    expect(await sideOf(db(), recipient, id)).toMatchObject({ state: "accepted" });
    await send(db(), sender, id, "second");
    await send(db(), sender, id, "third");
    expect((await inbox(db(), recipient)).map((c) => [c.conversation_id, c.last_message_body, c.unread_count])).toEqual([[id, "third", 3]]);
  });

  it("lets only one of several first messages sent at once through", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    const clients = parallelClients(db(), 4);
    try {
      const results = await Promise.allSettled(
        [1, 2, 3, 4].map((i) =>
          clients.request(sender, async (tx) => {
            await tx`insert into public.messages (conversation_id, body) values (${id}, ${`attempt ${i}`})`;
            await tx`select pg_sleep(0.03)`;
          }),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "PT409", message: waiting.source.slice(1, -1) });
      }
    } finally {
      await clients.end();
    }
    expect(await db().admin`select seq from public.messages where conversation_id = ${id}`).toEqual([{ seq: "1" }]);
  });

  it("counts a deleted request message: deleting it does not free another", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    const first = await send(db(), sender, id, "oops");
    await db().rpc(sender, "delete_message", { message_id: first.id });
    await expectRefused(db(), () => send(db(), sender, id, "again"), "PT409", waiting);
  });

  it("is accepted when the recipient replies", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    await send(db(), sender, id, "hello?");
    await send(db(), recipient, id, "hello!");
    expect(await sideOf(db(), recipient, id)).toMatchObject({ state: "accepted" });
    expect(await requestInbox(db(), recipient)).toEqual([]);
    expect((await inbox(db(), recipient)).map((c) => c.conversation_id)).toEqual([id]);
    await send(db(), sender, id, "great");
  });

  it("is skipped when the recipient follows the sender: the conversation is in the inbox at once", async () => {
    const [sender, recipient] = await pair();
    await follow(db(), recipient, sender);
    const id = await startConversation(db(), sender, recipient);
    await send(db(), sender, id, "one");
    await send(db(), sender, id, "two");
    expect((await inbox(db(), recipient)).map((c) => c.conversation_id)).toEqual([id]);
    expect(await requestNotifications(recipient)).toEqual([]);
  });

  it("notifies the recipient once, with kind message_request about the conversation", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    expect(await requestNotifications(recipient)).toEqual([]); // opening alone notifies nobody
    await send(db(), sender, id, "ping");
    expect(await requestNotifications(recipient)).toEqual([{ kind: "message_request", actor_id: idOf(sender), subject_id: id }]);
    expect(await requestNotifications(sender)).toEqual([]);
  });

  it("is not notified from a user the recipient mutes, but still arrives in the request inbox", async () => {
    const [sender, recipient] = await pair();
    await mute(db(), recipient, sender);
    const id = await startConversation(db(), sender, recipient);
    await send(db(), sender, id, "ping");
    expect(await requestNotifications(recipient)).toEqual([]);
    expect((await requestInbox(db(), recipient)).map((c) => c.conversation_id)).toEqual([id]);
  });

  it("declined: leaves the recipient's lists, loses its notification, and the sender is stopped without being told", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    await send(db(), sender, id, "buy my stuff");
    await decline(db(), recipient, id);
    expect(await sideOf(db(), recipient, id)).toMatchObject({ state: "declined" });
    expect(await requestInbox(db(), recipient)).toEqual([]);
    expect(await inbox(db(), recipient)).toEqual([]);
    expect(await requestNotifications(recipient)).toEqual([]);
    // The sender sees the same as for a pending request.
    expect((await inbox(db(), sender)).map((c) => [c.conversation_id, c.state])).toEqual([[id, "accepted"]]);
    await expectRefused(db(), () => send(db(), sender, id, "hello??"), "PT409", waiting);
    expect(await db().request(sender, (tx) => tx`select * from public.conversation_participants where user_id <> ${idOf(sender)}`)).toEqual(
      [],
    );
  });

  it("declined before any message: the sender cannot send even the first one", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    await decline(db(), recipient, id);
    await expectRefused(db(), () => send(db(), sender, id, "first"), "PT409", waiting);
  });

  it("declined can be accepted later, or reopened by the recipient's reply", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    await send(db(), sender, id, "hey");
    await decline(db(), recipient, id);
    await accept(db(), recipient, id);
    expect((await inbox(db(), recipient)).map((c) => c.conversation_id)).toEqual([id]);

    const [s2, r2] = await pair();
    const id2 = await startConversation(db(), s2, r2);
    await send(db(), s2, id2, "hey");
    await decline(db(), r2, id2);
    expect(await startConversation(db(), r2, s2)).toBe(id2);
    await send(db(), r2, id2, "changed my mind");
    expect(await sideOf(db(), r2, id2)).toMatchObject({ state: "accepted" });
    await send(db(), s2, id2, "welcome back");
  });

  it("is accepted or declined only by its recipient, only once, and only by a participant", async () => {
    const [sender, recipient] = await pair();
    const stranger = await db().newUser(`meddler_${n}`);
    const unconfirmed = await db().newUser(`unconfirmed_recipient_${n}`, { confirm: false });
    const id = await startConversation(db(), sender, recipient);
    await send(db(), sender, id, "hi");
    await expectRefused(db(), () => accept(db(), sender, id), "PT409", /^there is no message request to accept$/);
    await expectRefused(db(), () => decline(db(), sender, id), "PT409", /^there is no message request to decline$/);
    await expectRefused(db(), () => accept(db(), stranger, id), "PT404", /^conversation not found$/);
    await expectRefused(db(), () => decline(db(), stranger, id), "PT404", /^conversation not found$/);
    await expectRefused(db(), () => accept(db(), anon, id), "42501", /^permission denied for function accept_message_request$/);
    await accept(db(), recipient, id);
    await expectRefused(db(), () => accept(db(), recipient, id), "PT409", /^there is no message request to accept$/);
    await expectRefused(db(), () => decline(db(), recipient, id), "PT409", /^there is no message request to decline$/);

    const toUnconfirmed = await startConversation(db(), sender, unconfirmed);
    await send(db(), sender, toUnconfirmed, "welcome");
    await expectRefused(db(), () => accept(db(), unconfirmed, toUnconfirmed), "42501", /^confirm your email address before you do this$/);
  });

  it("stops at the recipient's dm_policy if it closes before the request is sent", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    await setDmPolicy(db(), recipient, "followers");
    await expectRefused(db(), () => send(db(), sender, id, "hi"), "42501", /^this user accepts messages only from people they follow$/);
    await setDmPolicy(db(), recipient, "nobody");
    await expectRefused(db(), () => send(db(), sender, id, "hi"), "42501", /^this user does not accept messages$/);
  });

  it("does not stop an accepted conversation when the recipient's dm_policy closes later", async () => {
    const [sender, recipient] = await pair();
    const id = await startConversation(db(), sender, recipient);
    await send(db(), sender, id, "hi");
    await accept(db(), recipient, id);
    await setDmPolicy(db(), recipient, "nobody");
    await send(db(), sender, id, "still here");
  });
});
