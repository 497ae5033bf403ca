// Races held open on purpose: a transaction on its own connection, left open at the exact point of a
// race, and a check that some other statement is waiting for a lock behind it. Call
// useHeldTransactions() inside a describe: it closes the connections after the file's tests.
import postgres from "postgres";
import { afterAll } from "vitest";
import type { Actor, TestDatabase } from "./db.ts";

export interface HeldTransaction {
  /** runs a statement in the open transaction; its rows */
  run: (text: string) => Promise<Record<string, unknown>[]>;
  commit: () => Promise<void>;
}

export function useHeldTransactions() {
  const connections: postgres.Sql[] = [];
  afterAll(async () => {
    for (const c of connections) await c.end();
  });

  /** A transaction held open on its own connection, as the actor (PostgREST-shaped) or, with null, as the owner. */
  async function held(d: TestDatabase, actor: Actor | null): Promise<HeldTransaction> {
    const sql = postgres(d.url, { max: 1, onnotice: () => {} });
    connections.push(sql);
    const conn = await sql.reserve();
    await conn`begin`;
    if (actor)
      await conn`select set_config('search_path', '"public", "extensions"', true),
        set_config('role', ${actor.role}, true), set_config('request.jwt.claims', ${JSON.stringify(actor.claims)}, true)`;
    return {
      run: async (text: string) => [...(await conn.unsafe(text))],
      commit: async () => {
        await conn`commit`;
        conn.release();
      },
    };
  }

  /** Some backend is waiting for a lock while running a statement that contains `text` (polled for up to 5 s). */
  async function waitsOnLock(d: TestDatabase, text: string): Promise<boolean> {
    for (let i = 0; i < 100; i++) {
      const [row] = await d.admin<{ waiting: boolean }[]>`
        select exists (
          select from pg_stat_activity a
          where a.wait_event_type = 'Lock' and a.query like ${`%${text}%`} and a.pid <> pg_backend_pid()
        ) as waiting`;
      if (row?.waiting) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  return { held, waitsOnLock };
}
