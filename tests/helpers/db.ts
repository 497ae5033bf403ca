// A fresh database per test file, and clients that reach it exactly as the platform's services do:
// PostgREST (authenticator → set local role + request.jwt.claims, one transaction per request) and
// GoTrue (supabase_auth_admin writing auth.users, calling our access-token hook).
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { parse } from "smol-toml";
import { afterAll, beforeAll, inject } from "vitest";
import { findAuthUser, runAccessTokenHook } from "../../scripts/lib/auth.ts";
import { createDatabase, dropDatabase, withDatabase } from "../../scripts/lib/database.ts";
import { repoRoot } from "../../scripts/lib/migrations.ts";
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
  /** GET (and HEAD) run READ ONLY, as PostgREST runs them. */
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  /** The path PostgREST sees (behind the gateway's /rest/v1): `/profiles`, `/rpc/home_feed`. */
  path?: string;
  /** Extra request headers (names lower-cased, as PostgREST passes them in request.headers). */
  headers?: Record<string, string>;
  /** READ ONLY regardless of the method: PostgREST's POST to a stable or immutable function. */
  readOnly?: boolean;
}

/** PostgREST's db-max-rows: supabase/config.toml [api] max_rows caps every row set it returns. */
export const maxRows: number = (() => {
  const config = parse(readFileSync(join(repoRoot, "supabase/config.toml"), "utf8")) as { api?: { max_rows?: number } };
  return config.api?.max_rows ?? 1000;
})();

/** The headers supabase-js sends (lower-cased by PostgREST), with a JWT-shaped bearer of the claims. */
function clientHeaders(actor: Actor, method: string): Record<string, string> {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const token = `${part({ alg: "ES256", typ: "JWT" })}.${part(actor.claims)}.test-signature`;
  return {
    host: "127.0.0.1:54321",
    accept: "application/json",
    ...(method === "GET" ? {} : { "content-type": "application/json" }),
    apikey: "test-publishable-key",
    authorization: `Bearer ${token}`,
    "x-client-info": "supabase-js-node/2.119.1",
    "user-agent": "node",
  };
}

export class TestDatabase {
  readonly url: string;
  /** Superuser connection: arranging fixtures the API cannot and inspecting what changed. */
  readonly admin: Sql;
  private readonly api: Sql;
  private readonly auth: Sql;
  private counter = 0;
  private roleSettings: Promise<Map<string, [string, string][]>> | undefined;
  private readonly volatility = new Map<string, Promise<boolean>>();

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

  /**
   * One PostgREST request (PostgREST's PreQuery, shared/reference/supabase-platform-facts.md §2.2): a
   * transaction, READ ONLY for GET and for calls to stable or immutable functions; search_path, the
   * role's own settings (`alter role anon set statement_timeout = '3s'`: PostgREST applies the
   * impersonated role's settings), role, claims, method, path and headers set locally.
   */
  async request<T>(actor: Actor, body: (tx: Tx) => Promise<T>, options: RequestOptions = {}): Promise<T> {
    const method = options.method ?? "POST";
    const readOnly = options.readOnly ?? method === "GET";
    const settings = (await this.settingsOf()).get(actor.role) ?? [];
    const headers = { ...clientHeaders(actor, method), ...options.headers };
    const result = await this.api.begin(readOnly ? "read only" : "read write", async (tx) => {
      for (const [name, value] of settings) await tx`select set_config(${name}, ${value}, true)`;
      await tx`select
        set_config('search_path', '"public", "extensions"', true),
        set_config('role', ${actor.role}, true),
        set_config('request.jwt.claims', ${JSON.stringify(actor.claims)}, true),
        set_config('request.method', ${method}, true),
        set_config('request.path', ${options.path ?? "/"}, true),
        set_config('request.headers', ${JSON.stringify(headers)}, true)`;
      return body(tx);
    });
    return result as T;
  }

  /** Each API role's own settings (role-wide, then this database's, which win), read once. */
  private settingsOf(): Promise<Map<string, [string, string][]>> {
    this.roleSettings ??= this.admin<{ role: string; setting: string }[]>`
      select r.rolname as role, c.setting
      from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
      cross join lateral unnest(s.setconfig) with ordinality as c(setting, n)
      where r.rolname in ('anon', 'authenticated', 'service_role')
        and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
      order by r.rolname, s.setdatabase, c.n`.then((rows) => {
      const map = new Map<string, [string, string][]>();
      for (const { role, setting } of rows) {
        const at = setting.indexOf("=");
        map.set(role, [...(map.get(role) ?? []), [setting.slice(0, at), setting.slice(at + 1)]]);
      }
      return map;
    });
    return this.roleSettings;
  }

  /** True when every public function of that name is stable or immutable: PostgREST calls it READ ONLY. */
  private readOnlyFunction(fn: string): Promise<boolean> {
    let known = this.volatility.get(fn);
    if (!known) {
      known = this.admin<{ read_only: boolean }[]>`
        select coalesce(bool_and(p.provolatile in ('s', 'i')), false) as read_only
        from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname = ${fn}`.then((rows) => rows[0]?.read_only ?? false);
      this.volatility.set(fn, known);
    }
    return known;
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
      { path: `/rpc/${fn}`, readOnly: await this.readOnlyFunction(fn) },
    );
    return (rows[0] as unknown as { result: unknown }).result;
  }

  /**
   * `rpcRows` without the types: for calls that are malformed on purpose. supabase-js's rpc() POSTs;
   * PostgREST runs it READ ONLY when the function is stable or immutable, and returns at most
   * max_rows rows.
   */
  async rpcRowsUnchecked(actor: Actor, fn: string, args: Record<string, unknown> = {}): Promise<unknown[]> {
    const names = Object.keys(args);
    const call = `select coalesce(json_agg(x.rpc_row), '[]') as result
      from (select rpc_row from public.${quoteIdent(fn)}(${names.map((n, i) => `${quoteIdent(n)} := $${i + 1}`).join(", ")}) as rpc_row
            limit ${maxRows}) as x`;
    const rows = await this.request(
      actor,
      (tx) =>
        tx.unsafe(
          call,
          names.map((n) => toParam(args[n])),
        ),
      { path: `/rpc/${fn}`, readOnly: await this.readOnlyFunction(fn) },
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
