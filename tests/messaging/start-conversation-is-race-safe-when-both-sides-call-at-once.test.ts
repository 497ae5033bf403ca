// Both sides of a pair (and the same side twice) call start_conversation at the same moment on
// separate connections; each request keeps its transaction open a little after the call, so the
// calls overlap while neither has committed. Every caller must get the one conversation of the pair.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { parallelClients } from "../people/graph.ts";
import { idOf } from "./dm.ts";

const db = useTestDatabase();
let clients: ReturnType<typeof parallelClients>;

beforeAll(() => {
  clients = parallelClients(db(), 12);
});

afterAll(async () => {
  await clients.end();
});

/** start_conversation(other) as actor, holding the transaction open 30 ms afterwards. */
async function startHolding(actor: Actor, other: Actor): Promise<{ id: string; pid: number }> {
  return clients.request(actor, async (tx) => {
    const [row] = await tx<{ id: string; pid: number }[]>`
      select public.start_conversation(other_user := ${idOf(other)}) as id, pg_backend_pid() as pid`;
    await tx`select pg_sleep(0.03)`;
    return row as { id: string; pid: number };
  });
}

async function conversationsOf(a: Actor, b: Actor) {
  const rows = await db().admin<{ id: string; participants: number }[]>`
    select c.id, (select count(*)::int from public.conversation_participants p where p.conversation_id = c.id) as participants
    from public.conversations c
    where c.user_low = least(${idOf(a)}::uuid, ${idOf(b)}::uuid) and c.user_high = greatest(${idOf(a)}::uuid, ${idOf(b)}::uuid)`;
  return rows.map((r) => ({ ...r }));
}

let n = 0;
async function pair(): Promise<[Actor, Actor]> {
  n++;
  return [await db().newUser(`racer_a_${n}`), await db().newUser(`racer_b_${n}`)];
}

describe("start_conversation under concurrency", () => {
  it("gives both sides calling at once, in either order, the same single conversation", async () => {
    for (let round = 0; round < 8; round++) {
      const [a, b] = await pair();
      // Even rounds: a's call is issued first; odd rounds: b's.
      const calls = round % 2 === 0 ? [startHolding(a, b), startHolding(b, a)] : [startHolding(b, a), startHolding(a, b)];
      const results = await Promise.all(calls);
      expect(new Set(results.map((r) => r.pid)).size).toBe(2);
      expect(results[0]?.id).toBe(results[1]?.id);
      expect(await conversationsOf(a, b)).toEqual([{ id: results[0]?.id, participants: 2 }]);
    }
  });

  it("gives many simultaneous calls from both sides one conversation", async () => {
    const [a, b] = await pair();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? startHolding(a, b) : startHolding(b, a))));
    expect(new Set(results.map((r) => r.pid)).size).toBeGreaterThan(5);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await conversationsOf(a, b)).toEqual([{ id: results[0]?.id, participants: 2 }]);
  });

  it("keeps the opener's request semantics whoever wins: exactly one side is the opener", async () => {
    const [a, b] = await pair();
    const [first] = await Promise.all([startHolding(a, b), startHolding(b, a)]);
    const sides = await db().admin<{ user_id: string; state: string }[]>`
      select user_id, state from public.conversation_participants where conversation_id = ${first?.id ?? ""} order by state`;
    expect(sides.map((s) => s.state)).toEqual(["request", "accepted"]);
    const [conv] = await db().admin<{ started_by: string }[]>`select started_by from public.conversations where id = ${first?.id ?? ""}`;
    expect(sides.find((s) => s.state === "accepted")?.user_id).toBe(conv?.started_by);
  });
});
