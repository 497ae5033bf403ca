// Realtime Authorization exactly as the Realtime server checks it (lib/realtime/tenants/authorization.ex):
// - joining a private channel: in one transaction, insert a probe row per extension for the topic,
//   switch to the subscriber's role and claims with realtime.topic set, select the probes under RLS,
//   roll back; the join is allowed when broadcast or presence is readable;
// - sending: insert a probe row under the subscriber's role in a savepoint; 42501 means no.
import type { Actor, TestDatabase } from "./db.ts";

class Rollback extends Error {}

async function probe<T>(
  db: TestDatabase,
  actor: Actor,
  topic: string,
  body: (tx: import("postgres").TransactionSql) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  await db.admin
    .begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(actor.claims)}, true),
        set_config('request.jwt.claim.sub', ${String(actor.claims.sub ?? "")}, true),
        set_config('request.jwt.claim.role', ${actor.role}, true),
        set_config('realtime.topic', ${topic}, true)`;
      result = await body(tx);
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return result as T;
}

/** Which extensions (broadcast, presence) the actor may receive on a private topic. */
export async function readableExtensions(db: TestDatabase, actor: Actor, topic: string): Promise<string[]> {
  return probe(db, actor, topic, async (tx) => {
    const ids = await tx<{ id: string; extension: string }[]>`
      insert into realtime.messages (topic, extension, private, payload, event)
      values (${topic}, 'broadcast', true, '{}', 'probe'), (${topic}, 'presence', true, '{}', 'probe')
      returning id, extension`;
    await tx`select set_config('role', ${actor.role}, true)`;
    const visible = await tx<{ extension: string }[]>`
      select extension from realtime.messages where id in ${tx(ids.map((r) => r.id))} order by extension`;
    return visible.map((r) => r.extension);
  });
}

export async function canJoin(db: TestDatabase, actor: Actor, topic: string): Promise<boolean> {
  return (await readableExtensions(db, actor, topic)).length > 0;
}

/** Whether the actor may send (broadcast) on a private topic. */
export async function canSend(
  db: TestDatabase,
  actor: Actor,
  topic: string,
  extension: "broadcast" | "presence" = "broadcast",
): Promise<boolean> {
  return probe(db, actor, topic, async (tx) => {
    await tx`select set_config('role', ${actor.role}, true)`;
    try {
      await tx.savepoint(async (sp) => {
        await sp`insert into realtime.messages (topic, extension, private, payload, event) values (${topic}, ${extension}, true, '{}', 'probe')`;
      });
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === "42501") return false;
      throw error;
    }
  });
}

/** Broadcasts the database sent on a topic (as Realtime's replication would pick them up). */
export async function broadcastsOn(db: TestDatabase, topic: string): Promise<{ event: string; payload: Record<string, unknown> }[]> {
  return db.admin<{ event: string; payload: Record<string, unknown> }[]>`
    select event, payload from realtime.messages where topic = ${topic} and event <> 'probe' order by inserted_at, id`;
}
