// Issue 14, finding 7: Realtime Authorization judges realtime.topic() (the topic the Realtime server
// sets for the join being authorized). A raw-SQL session as `authenticated` can set that topic to one
// it may use and then read or write rows of other topics, unless the policies also require the row's
// own topic to be that topic. Both policies (select and insert) must check the row.
import { describe, expect, it } from "vitest";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { broadcastsOn } from "../helpers/realtime.ts";
import { follow } from "../people/graph.ts";

const db = useTestDatabase();

class Rollback extends Error {}

/** A session as the actor with realtime.topic set, as a raw-SQL attacker would arrange it. */
async function asSession<T>(actor: Actor, topic: string, body: (tx: import("postgres").TransactionSql) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await db()
    .admin.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(actor.claims)}, true),
        set_config('realtime.topic', ${topic}, true), set_config('role', ${actor.role}, true)`;
      result = await body(tx);
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return result as T;
}

const idOf = (a: Actor) => a.user?.id as string;

describe("realtime.messages policies", () => {
  it("let a session whose topic is its own user:<id> read only the rows of that topic", async () => {
    const alice = await db().newUser("rt7_alice");
    const bob = await db().newUser("rt7_bob");
    // Bob gets a notification (a broadcast on user:<bob>), Alice one on user:<alice>.
    await follow(db(), alice, bob);
    await follow(db(), bob, alice);
    expect((await broadcastsOn(db(), `user:${idOf(bob)}`)).length).toBeGreaterThan(0);
    const topics = await asSession(
      alice,
      `user:${idOf(alice)}`,
      (tx) => tx<{ topic: string }[]>`select distinct topic from realtime.messages`,
    );
    expect(topics.map((r) => r.topic)).toEqual([`user:${idOf(alice)}`]);
  });

  it("refuse an insert whose row topic is not the session's topic", async () => {
    const alice = await db().newUser("rt7_carol");
    const bob = await db().newUser("rt7_dave");
    await follow(db(), bob, alice);
    const conversation = await db().rpc(alice, "start_conversation", { other_user: idOf(bob) });
    const mine = `dm:${conversation}`;
    const insert = (topic: string) =>
      asSession(alice, mine, async (tx) => {
        try {
          await tx.savepoint(
            (sp) => sp`insert into realtime.messages (topic, extension, private, payload, event)
            values (${topic}, 'broadcast', true, '{}', 'typing')`,
          );
          return "inserted";
        } catch (error) {
          return (error as { code?: string }).code;
        }
      });
    expect(await insert(mine)).toBe("inserted");
    expect(await insert(`user:${idOf(bob)}`)).toBe("42501");
    expect(await insert("dm:00000000-0000-0000-0000-000000000000")).toBe("42501");
  });
});
