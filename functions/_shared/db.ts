// Kysely over postgres.js on SUPABASE_DB_URL. `prepare: false` keeps it working behind Supavisor's
// transaction pooler. Work runs as the caller (RLS applies) unless a step truly needs more.
// The schema's types come from the generated files (npm run db:types), so `deno check` checks every
// table a query names and every function `call` makes: public tables by name, private ones as
// "private.<name>", functions as "<schema>.<name>" with their named arguments and return type.
import { type ColumnType, Kysely, sql, type Transaction } from "kysely";
import { PostgresJSDialect } from "kysely-postgres-js";
import postgres from "postgres";
import type { Database as PublicSchema } from "../../types/database.ts";
import type { Database as PrivateSchema } from "../../types/private.ts";
import type { Claims } from "./auth.ts";

type Public = PublicSchema["public"];
type Private = PrivateSchema["private"];

interface GeneratedTable {
  Row: Record<string, unknown>;
  Insert?: Record<string, unknown>;
  Update?: Record<string, unknown>;
}

/** A generated table as kysely sees it: selected as Row, inserted as Insert, updated as Update. */
type KyselyTable<T extends GeneratedTable> = {
  [C in keyof T["Row"]]: ColumnType<
    T["Row"][C],
    T["Insert"] extends Record<string, unknown> ? (C extends keyof T["Insert"] ? T["Insert"][C] : never) : never,
    T["Update"] extends Record<string, unknown> ? (C extends keyof T["Update"] ? T["Update"][C] : never) : never
  >;
};

type Relations<S extends { Tables: object; Views: object }, Prefix extends string> = {
  [K in keyof (S["Tables"] & S["Views"]) & string as `${Prefix}${K}`]: (S["Tables"] & S["Views"])[K] extends GeneratedTable
    ? KyselyTable<(S["Tables"] & S["Views"])[K]>
    : never;
};

export type Database = Relations<Public, ""> & Relations<Private, "private.">;

type Qualified<S extends { Functions: object }, Schema extends string> = {
  [K in keyof S["Functions"] & string as `${Schema}.${K}`]: S["Functions"][K];
};

/** Every SQL function of the generated types, by qualified name. */
export type Functions = Qualified<Public, "public"> & Qualified<Private, "private">;
type FunctionName = { [N in keyof Functions]: Functions[N] extends { Args: object; Returns: unknown } ? N : never }[keyof Functions];
type Args<N extends FunctionName> = Functions[N] extends { Args: infer A } ? A : never;
type Returns<N extends FunctionName> = Functions[N] extends { Returns: infer R } ? R : never;

export function connect(url: string): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PostgresJSDialect({ postgres: postgres(url, { prepare: false, max: 5, onnotice: () => {} }) }),
  });
}

/** Calls a scalar SQL function with named arguments (`name => value`), typed by the generated types. */
export async function call<N extends FunctionName>(tx: Kysely<Database>, name: N, args: Args<N>): Promise<Returns<N>> {
  const [schema, fn] = name.split(".") as [string, string];
  const named = Object.entries(args as Record<string, unknown>)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => sql`${sql.id(key)} => ${value}`);
  const { rows } = await sql<{ result: Returns<N> }>`select ${sql.id(schema, fn)}(${sql.join(named)}) as result`.execute(tx);
  return rows[0]?.result as Returns<N>;
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
