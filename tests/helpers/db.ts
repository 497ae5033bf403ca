// A fresh database per test file, and clients that reach it exactly as the platform's services do:
// PostgREST (authenticator → set local role + request.jwt.claims, one transaction per request) and
// GoTrue (supabase_auth_admin writing auth.users, calling our access-token hook).
import { randomBytes, randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, inject } from "vitest";
import { findAuthUser, runAccessTokenHook } from "../../scripts/lib/auth.ts";
import { createDatabase, dropDatabase, withDatabase } from "../../scripts/lib/database.ts";
import type { Database } from "../../types/database.ts";
import { serverUrl } from "./env.ts";

type Public = Database["public"];
/** A row of a public table or view, as supabase-js types it (types/database.ts). */
export type TableRow<T extends keyof (Public["Tables"] & Public["Views"])> = (Public["Tables"] & Public["Views"])[T] extends {
  Row: infer R;
}
  ? R
  : never;
/**
 * A table row as postgres.js reads it (db.request, db.admin): the named timestamp columns arrive as
 * Date (PostgREST's JSON has strings there, which is what TableRow and the RPC results say).
 */
export type DriverRow<T extends keyof (Public["Tables"] & Public["Views"]), Dates extends keyof TableRow<T> = never> = Omit<
  TableRow<T>,
  Dates
> & { [K in Dates]: Date | Extract<TableRow<T>[K], null> };
/** Every RPC a client can call, with its named arguments and what it returns (types/database.ts). */
export type RpcName = keyof Public["Functions"] & string;
/** Named arguments; null is SQL null, as PostgREST passes a JSON null. */
export type RpcArgs<N extends RpcName> = { [K in keyof Public["Functions"][N]["Args"]]: Public["Functions"][N]["Args"][K] | null };
export type RpcReturns<N extends RpcName> = Public["Functions"][N]["Returns"];
/** One row of an RPC that returns rows (a set, or the one row PostgREST answers as an object). */
export type RpcRow<N extends RpcName> = RpcReturns<N> extends readonly (infer R)[] ? R : RpcReturns<N>;
/** The first id of an actor's user (tests always sign in users with one). */
export function idOf(actor: Actor): string {
  if (!actor.user) throw new Error("this actor has no user");
  return actor.user.id;
}

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
export type Claims = Record<string, unknown>;

export interface User {
  id: string;
  email: string;
  username: string;
  displayName: string;
}

/** Who makes a request: the role PostgREST switches to and the JWT claims it sets. */
export interface Actor {
  role: "anon" | "authenticated" | "service_role";
  claims: Claims;
  user?: User;
}

export const anon: Actor = { role: "anon", claims: { iss: "supabase", role: "anon" } };
export const serviceRole: Actor = { role: "service_role", claims: { iss: "supabase", role: "service_role" } };

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  path?: string;
}

export class TestDatabase {
  readonly url: string;
  /** Superuser connection: arranging fixtures the API cannot and inspecting what changed. */
  readonly admin: Sql;
  private readonly api: Sql;
  private readonly auth: Sql;
  private counter = 0;

  /** `url`: another server's database (a throwaway cluster, tests/helpers/cluster.ts); its superuser is `admin`. */
  constructor(
    readonly name: string,
    url = withDatabase(serverUrl, name),
  ) {
    this.url = url;
    const quiet = { onnotice: () => {}, max: 4 };
    this.admin = postgres(this.url, quiet);
    this.api = postgres(withUser(this.url, "authenticator"), quiet);
    this.auth = postgres(withUser(this.url, "supabase_auth_admin"), { ...quiet, max: 2 });
  }

  /** One PostgREST request: a transaction with role, claims, method and path set locally. */
  async request<T>(actor: Actor, body: (tx: Tx) => Promise<T>, options: RequestOptions = {}): Promise<T> {
    const result = await this.api.begin(async (tx) => {
      await tx`select
        set_config('search_path', '"public", "extensions"', true),
        set_config('role', ${actor.role}, true),
        set_config('request.jwt.claims', ${JSON.stringify(actor.claims)}, true),
        set_config('request.method', ${options.method ?? "POST"}, true),
        set_config('request.path', ${options.path ?? "/"}, true),
        set_config('request.headers', '{}', true)`;
      return body(tx);
    });
    return result as T;
  }

  /**
   * POST /rpc/<fn> with named arguments, as PostgREST calls a function: the result comes back as
   * PostgREST's JSON (to_json: timestamps as strings, bigint as numbers, void as null), so it is
   * what supabase-js gets and what types/database.ts says.
   */
  rpc<N extends RpcName>(actor: Actor, fn: N, args?: RpcArgs<N>): Promise<RpcReturns<N>> {
    return this.rpcUnchecked(actor, fn, args as Record<string, unknown> | undefined) as Promise<RpcReturns<N>>;
  }

  /** A set-returning RPC, as PostgREST selects from it (GET /rpc/<fn>): the rows as JSON. */
  rpcRows<N extends RpcName>(actor: Actor, fn: N, args?: RpcArgs<N>): Promise<RpcRow<N>[]> {
    return this.rpcRowsUnchecked(actor, fn, args as Record<string, unknown> | undefined) as Promise<RpcRow<N>[]>;
  }

  /** `rpc` without the types: for calls that are malformed on purpose (wrong types, unknown arguments). */
  async rpcUnchecked(actor: Actor, fn: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const names = Object.keys(args);
    const call = `select case when pg_typeof(r) = 'void'::regtype then null else to_json(r) end as result
      from (select public.${quoteIdent(fn)}(${names.map((n, i) => `${quoteIdent(n)} := $${i + 1}`).join(", ")}) as r) as call`;
    const rows = await this.request(
      actor,
      (tx) =>
        tx.unsafe(
          call,
          names.map((n) => toParam(args[n])),
        ),
      { path: `/rpc/${fn}` },
    );
    return (rows[0] as unknown as { result: unknown }).result;
  }

  /** `rpcRows` without the types: for calls that are malformed on purpose. */
  async rpcRowsUnchecked(actor: Actor, fn: string, args: Record<string, unknown> = {}): Promise<unknown[]> {
    const names = Object.keys(args);
    const call = `select coalesce(json_agg(r), '[]') as result
      from public.${quoteIdent(fn)}(${names.map((n, i) => `${quoteIdent(n)} := $${i + 1}`).join(", ")}) as r`;
    const rows = await this.request(
      actor,
      (tx) =>
        tx.unsafe(
          call,
          names.map((n) => toParam(args[n])),
        ),
      { method: "GET", path: `/rpc/${fn}` },
    );
    return (rows[0] as unknown as { result: unknown[] }).result;
  }

  /** GoTrue's email sign-up, statement by statement, as supabase_auth_admin in one transaction. */
  async signUp(input: {
    username: string;
    displayName?: string;
    email?: string;
    data?: Record<string, unknown>;
    confirm?: boolean;
  }): Promise<User> {
    const id = randomUUID();
    const email = (input.email ?? `${input.username.toLowerCase()}.${++this.counter}@example.test`).toLowerCase();
    const clientData = input.data ?? { username: input.username, display_name: input.displayName ?? input.username };
    await this.auth.begin(async (tx) => {
      await tx`insert into auth.users (
          instance_id, id, aud, role, email, encrypted_password, raw_app_meta_data, raw_user_meta_data,
          created_at, updated_at, confirmation_token, recovery_token, email_change_token_new, email_change,
          is_sso_user, is_anonymous)
        values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', '', ${email},
          '$2a$10$placeholder.bcrypt.hash.for.tests.only.............', ${tx.json({ provider: "email", providers: ["email"] })},
          ${tx.json(clientData as postgres.JSONValue)}, now(), now(), '', '', '', '', false, false)`;
      await tx`update auth.users set role = 'authenticated', updated_at = now() where id = ${id}`;
      const identity = { sub: id, email, email_verified: false, phone_verified: false, ...clientData };
      await tx`update auth.users set raw_user_meta_data = ${tx.json(identity as postgres.JSONValue)}, updated_at = now() where id = ${id}`;
      await tx`update auth.users set confirmation_token = ${randomBytes(16).toString("hex")},
        confirmation_sent_at = now(), updated_at = now() where id = ${id}`;
    });
    const user: User = {
      id,
      email,
      username: String(clientData.username ?? ""),
      displayName: String(clientData.display_name ?? ""),
    };
    if (input.confirm ?? true) await this.confirmEmail(user);
    return user;
  }

  /** GoTrue's Confirm(): the email is verified. */
  async confirmEmail(user: User): Promise<void> {
    await this.auth`update auth.users set confirmation_token = '', email_confirmed_at = now(),
        raw_user_meta_data = raw_user_meta_data || '{"email_verified": true}'::jsonb, updated_at = now()
      where id = ${user.id}`;
  }

  /** GoTrue issues a new session (a sign-in of any kind, not a refresh): it stamps last_sign_in_at. */
  async recordSignIn(user: User): Promise<void> {
    await this.auth`update auth.users set last_sign_in_at = now(), updated_at = now() where id = ${user.id}`;
  }

  /** GoTrue's admin delete (DELETE /auth/v1/admin/users/<id>): the auth.users row goes, as supabase_auth_admin. */
  async deleteAuthUser(id: string): Promise<void> {
    await this.auth`delete from auth.users where id = ${id}`;
  }

  /** The claims of a new access token: GoTrue's event through our hook (scripts/lib/auth.ts). */
  async issueToken(user: User): Promise<Claims> {
    const row = await findAuthUser(this.auth, { id: user.id });
    if (!row) throw new Error(`no auth user ${user.id}`);
    return runAccessTokenHook(this.auth, row);
  }

  /** A signed-in client of this user, holding a freshly issued token. */
  async signIn(user: User): Promise<Actor> {
    return { role: "authenticated", claims: await this.issueToken(user), user };
  }

  /** Sign up (confirmed by default) and sign in. */
  async newUser(username: string, options: { confirm?: boolean; displayName?: string } = {}): Promise<Actor> {
    return this.signIn(await this.signUp({ username, ...options }));
  }

  /** Makes a user a platform admin the way an operator does: as service_role. */
  async makeAdmin(actor: Actor): Promise<Actor> {
    const id = actor.user?.id;
    await this.request(serviceRole, (tx) => tx`insert into public.user_roles (user_id, role) values (${id ?? null}, 'admin')`);
    return this.signIn(actor.user as User);
  }

  async close(): Promise<void> {
    await Promise.all([this.admin.end(), this.api.end(), this.auth.end()]);
  }
}

function withUser(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = "";
  return u.toString();
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected identifier ${name}`);
  return name;
}

/** Values go as they are: postgres.js serializes objects for json/jsonb parameters itself. */
function toParam(value: unknown): postgres.ParameterOrJSON<never> {
  return value as never;
}

/** A database of this test file's own, cloned from the run's migrated template. */
export function useTestDatabase(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    const name = `threads_t_${randomBytes(5).toString("hex")}`;
    await createDatabase(withDatabase(serverUrl, name), inject("templateDatabase"));
    db = new TestDatabase(name);
  });
  afterAll(async () => {
    if (!db) return;
    await db.close();
    await dropDatabase(db.url);
  });
  return () => {
    if (!db) throw new Error("the test database is not ready (use it inside tests or hooks)");
    return db;
  };
}
