// Kysely over postgres.js on SUPABASE_DB_URL. `prepare: false` keeps it working behind Supavisor's
// transaction pooler. Work runs as the caller (RLS applies) unless a step truly needs more.
import { Kysely, sql, type Transaction } from "kysely";
import { PostgresJSDialect } from "kysely-postgres-js";
import postgres from "postgres";
import type { Claims } from "./auth.ts";

/** The functions reach the database through RPCs and policies; rows are typed per query. */
export type Database = Record<string, never>;

export function connect(url: string): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PostgresJSDialect({ postgres: postgres(url, { prepare: false, max: 5, onnotice: () => {} }) }),
  });
}

/** Runs `work` in one transaction as PostgREST would for this caller: role and claims set locally. */
export function asCaller<T>(
  db: Kysely<Database>,
  claims: Pick<Claims, "role"> & Partial<Claims>,
  work: (tx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await sql`select set_config('role', ${claims.role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`.execute(
      tx,
    );
    return work(tx);
  });
}

/** Runs `work` as service_role (no user: auth.uid() is null), for steps that must see past RLS. */
export function asService<T>(db: Kysely<Database>, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  return asCaller(db, { role: "service_role" }, work);
}
