import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { broadcastsOn, canJoin, canSend } from "../helpers/realtime.ts";
import { createPost } from "../posts/fixtures.ts";

const db = useTestDatabase();

/** Workflows and triggers write notifications through private.notify; here service_role does. */
async function notify(recipient: Actor, actor: Actor | null, kind: string, subject: string | null = null): Promise<void> {
  await db().request(
    serviceRole,
    (tx) => tx`select private.notify(${recipient.user?.id ?? ""}, ${actor?.user?.id ?? null}, ${kind}, ${subject}, '{}')`,
  );
}

async function listOf(actor: Actor) {
  return db().request(actor, (tx) => tx`select kind, actor_id, actor_count, read_at from public.notifications order by created_at, id`);
}

describe("notifications", () => {
  it("are readable by their recipient only", async () => {
    const alice = await db().newUser("notif_alice");
    const bob = await db().newUser("notif_bob");
    await notify(alice, bob, "follow");
    expect(await listOf(alice)).toEqual([{ kind: "follow", actor_id: bob.user?.id, actor_count: 1, read_at: null }]);
    expect(await listOf(bob)).toEqual([]);
    await expectDbError(
      db().request(anon, (tx) => tx`select * from public.notifications`),
      "42501",
      /permission denied/,
    );
  });

  it("are never written to oneself", async () => {
    const self = await db().newUser("notif_self");
    await notify(self, self, "reaction", self.user?.id ?? null);
    expect(await listOf(self)).toEqual([]);
  });

  it("group floods: reactions on one subject stay one unread notification with a count, until read", async () => {
    const author = await db().newUser("notif_author");
    const fans = await Promise.all(["fan_a", "fan_b", "fan_c"].map((n) => db().newUser(n)));
    // A real post of the author's: notifications are written only about what the recipient can see.
    const post = (await createPost(db(), author)).id;
    for (const fan of fans) await notify(author, fan, "reaction", post);
    expect(await listOf(author)).toEqual([{ kind: "reaction", actor_id: fans[2]?.user?.id, actor_count: 3, read_at: null }]);
    await db().rpc(author, "mark_notifications_read");
    await notify(author, fans[0] as Actor, "reaction", post);
    const rows = await listOf(author);
    expect(rows.map((r) => [r.actor_count, r.read_at === null])).toEqual([
      [3, false],
      [1, true],
    ]);
  });

  it("cannot be written, forged or re-addressed by clients", async () => {
    const alice = await db().newUser("forger_alice");
    const bob = await db().newUser("forger_bob");
    await expectDbError(
      db().request(
        alice,
        (tx) =>
          tx`insert into public.notifications (recipient_id, actor_id, kind) values (${bob.user?.id ?? ""}, ${alice.user?.id ?? ""}, 'follow')`,
      ),
      "42501",
    );
    await expectDbError(
      db().request(alice, (tx) => tx`select private.notify(${bob.user?.id ?? ""}, ${alice.user?.id ?? ""}, 'follow', null, '{}')`),
      "42501",
    );
    await notify(alice, bob, "follow");
    await expectDbError(
      db().request(alice, (tx) => tx`update public.notifications set recipient_id = ${bob.user?.id ?? ""}`),
      "42501",
    );
    expect(await listOf(bob)).toEqual([]);
  });

  it("are marked read by id or all at once, only the caller's own, and counted while unread", async () => {
    const alice = await db().newUser("reader_alice");
    const bob = await db().newUser("reader_bob");
    await notify(alice, bob, "follow");
    await notify(alice, bob, "follow_accepted");
    await notify(bob, alice, "follow");
    expect(await db().rpc(alice, "unread_notification_count")).toBe(2);
    const [first] = await db().request(alice, (tx) => tx`select id from public.notifications where kind = 'follow'`);
    const [bobs] = await db().request(bob, (tx) => tx`select id from public.notifications`);
    expect(await db().rpc(alice, "mark_notifications_read", { ids: [first?.id, bobs?.id] })).toBe(1);
    expect(await db().rpc(alice, "unread_notification_count")).toBe(1);
    expect(await db().rpc(bob, "unread_notification_count")).toBe(1);
    expect(await db().rpc(alice, "mark_notifications_read", { ids: null })).toBe(1);
    expect(await db().rpc(alice, "mark_notifications_read")).toBe(0);
    expect(await db().rpc(alice, "unread_notification_count")).toBe(0);
  });

  it("are dismissed (deleted) by their recipient only", async () => {
    const alice = await db().newUser("dismiss_alice");
    const bob = await db().newUser("dismiss_bob");
    await notify(alice, bob, "follow");
    expect(await db().request(bob, (tx) => tx`delete from public.notifications returning id`)).toEqual([]);
    expect(await db().request(alice, (tx) => tx`delete from public.notifications returning id`)).toHaveLength(1);
  });

  it("are broadcast on user:<recipient> with what the recipient may read anyway", async () => {
    const alice = await db().newUser("topic_alice");
    const bob = await db().newUser("topic_bob");
    await notify(alice, bob, "follow");
    await db().rpc(alice, "mark_notifications_read");
    const sent = await broadcastsOn(db(), `user:${alice.user?.id}`);
    expect(sent.map((m) => m.event)).toEqual(["notification_created", "notification_updated"]);
    expect(sent[0]?.payload).toMatchObject({ kind: "follow", actor_id: bob.user?.id, read_at: null });
    expect(Object.keys(sent[0]?.payload ?? {})).not.toContain("recipient_id");
  });

  it("topics: only the user joins user:<own id>, nobody sends on it, anon joins nothing", async () => {
    const alice = await db().newUser("join_alice");
    const bob = await db().newUser("join_bob");
    const topic = `user:${alice.user?.id}`;
    expect(await canJoin(db(), alice, topic)).toBe(true);
    expect(await canJoin(db(), bob, topic)).toBe(false);
    expect(await canJoin(db(), anon, topic)).toBe(false);
    expect(await canSend(db(), alice, topic)).toBe(false);
    expect(await canSend(db(), bob, topic)).toBe(false);
    expect(await canJoin(db(), alice, "user:")).toBe(false);
  });

  it("older than 90 days are pruned by the retention job, newer ones kept", async () => {
    const alice = await db().newUser("prune_alice");
    const bob = await db().newUser("prune_bob");
    await notify(alice, bob, "follow");
    await notify(alice, bob, "follow_accepted");
    await db()
      .admin`update public.notifications set created_at = now() - interval '91 days' where recipient_id = ${alice.user?.id ?? ""} and kind = 'follow'`;
    const [pruned] = await db().request(serviceRole, (tx) => tx`select private.prune_notifications() as n`);
    expect(pruned?.n).toBeGreaterThanOrEqual(1);
    expect((await listOf(alice)).map((r) => r.kind)).toEqual(["follow_accepted"]);
  });
});
