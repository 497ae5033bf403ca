// The embedded Postgres of `npm run dev` (PGlite over the wire protocol): the platform bootstrap
// goes in through psql, migrations through `supabase db push`, and clients behave as on PostgreSQL
// where our stack needs it. Where PGlite cannot, the test pins the limitation precisely.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/migrations.ts";
import { type PgliteServer, startPglite } from "../../scripts/lib/pglite-server.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "pglite-test-"));
const dataDir = join(work, "data");
const userId = "6a4b0f3e-8f7a-4e0b-9d55-3c1f2a7b9e01";
const otherId = "0d2c9b1e-3a4f-4c6d-8e7f-9a0b1c2d3e4f";
let server: PgliteServer;
let sql: postgres.Sql;

const connect = (url: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}): postgres.Sql =>
  postgres(url, { max: 3, onnotice: () => {}, ...options });
const claims = (sub: string): string => JSON.stringify({ sub, role: "authenticated", aud: "authenticated" });
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = await startPglite({ dataDir, port: 0 });
  sql = connect(server.url);
});

afterAll(async () => {
  await sql?.end();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("PGlite serving the platform bootstrap", () => {
  it("applies bootstrap.sql through psql, failing only at create extension pgcrypto when PGlite ships none (0.3.14)", async () => {
    const { port } = new URL(server.url);
    const { stderr } = await run(
      "psql",
      ["-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres", "-X", "-q", "-f", join(repoRoot, "platform/bootstrap.sql")],
      { env: { ...process.env, PGSSLMODE: "prefer", PGPASSWORD: "" } },
    );
    const errors = stderr.split("\n").filter((line) => line.includes("ERROR:"));
    const [pgcrypto] = await sql<{ available: boolean }[]>`
      select exists (select from pg_available_extensions where name = 'pgcrypto') as available`;
    expect(errors.map((line) => line.replace(/^.*ERROR:\s+/, ""))).toEqual(
      pgcrypto?.available ? [] : ['extension "pgcrypto" is not available'],
    );
    const [objects] = await sql<{ users: string; messages: string; partition: string; uid: string; authenticator: boolean }[]>`
      select to_regclass('auth.users')::text as users, to_regclass('realtime.messages')::text as messages,
             (select relkind::text from pg_class where oid = 'realtime.messages'::regclass) as partition,
             to_regprocedure('auth.uid()')::text as uid,
             (select rolcanlogin from pg_roles where rolname = 'authenticator') as authenticator`;
    expect(objects).toEqual({ users: "auth.users", messages: "realtime.messages", partition: "p", uid: "auth.uid()", authenticator: true });
  });

  it("applies migrations with supabase db push and records them", async () => {
    const project = join(work, "project");
    mkdirSync(join(project, "supabase/migrations"), { recursive: true });
    writeFileSync(join(project, "supabase/config.toml"), 'project_id = "pglite-test"\n');
    writeFileSync(
      join(project, "supabase/migrations/20260101000000_notes.sql"),
      `create table public.notes (
         id bigint generated always as identity primary key,
         owner_id uuid not null default auth.uid() references auth.users (id),
         body text not null,
         words int generated always as (array_length(regexp_split_to_array(body, '\\s+'), 1)) stored
       );
       alter table public.notes enable row level security;
       grant select, insert on public.notes to authenticated;
       create policy notes_read_own on public.notes for select to authenticated using (owner_id = (select auth.uid()));
       create policy notes_write_own on public.notes for insert to authenticated with check (owner_id = (select auth.uid()));
       -- bigger than one 64 KiB TCP chunk: pglite-socket 0.0.19 crashed on this
       comment on table public.notes is '${"x".repeat(100_000)}';`,
    );
    await run(join(repoRoot, "node_modules/.bin/supabase"), ["db", "push", "--db-url", server.url, "--yes", "--workdir", project], {
      cwd: repoRoot,
      env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
    });
    const versions = await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations`;
    expect(versions).toEqual([{ version: "20260101000000" }]);
    await sql`insert into auth.users (id, email, email_confirmed_at) values (${userId}, 'ada@example.com', now()), (${otherId}, 'bob@example.com', now())`;
  });

  it("makes auth.uid() the sub of request.jwt.claims inside a PostgREST-style transaction, and only there", async () => {
    const inside = await sql.begin(async (tx) => {
      await tx`set local role authenticated`;
      await tx`select set_config('request.jwt.claims', ${claims(userId)}, true)`;
      return tx<{ uid: string; role: string; user: string }[]>`select auth.uid() as uid, auth.role() as role, current_user as user`;
    });
    expect(inside).toEqual([{ uid: userId, role: "authenticated", user: "authenticated" }]);
    const after = await sql<{ uid: string | null; user: string }[]>`select auth.uid() as uid, current_user as user`;
    expect(after).toEqual([{ uid: null, user: "postgres" }]);
  });

  it("enforces RLS: own rows only, foreign inserts refused, realtime.send drops a refused message silently", async () => {
    await sql.begin(async (tx) => {
      await tx`set local role authenticated`;
      await tx`select set_config('request.jwt.claims', ${claims(otherId)}, true)`;
      await tx`insert into public.notes (body) values ('bob writes')`;
    });
    const seen = await sql.begin(async (tx) => {
      await tx`set local role authenticated`;
      await tx`select set_config('request.jwt.claims', ${claims(userId)}, true)`;
      await tx`insert into public.notes (body) values ('ada writes two words')`;
      const rows = await tx<{ body: string; words: number }[]>`select body, words from public.notes`;
      await expectDbError(
        tx.savepoint((sp) => sp`insert into public.notes (owner_id, body) values (${otherId}, 'as bob')`),
        "42501",
        /row-level security/,
      );
      await tx`select realtime.send('{"a":1}'::jsonb, 'evt', 'private:topic', true)`;
      return rows;
    });
    expect(seen).toEqual([{ body: "ada writes two words", words: 4 }]);
    const messages = await sql<{ n: number }[]>`select count(*)::int as n from realtime.messages`;
    expect(messages).toEqual([{ n: 0 }]);
  });

  it("logs in as an existing LOGIN role with its role settings and refuses NOLOGIN and unknown roles", async () => {
    const authenticator = connect(server.url.replace("postgres@", "authenticator@"), { max: 1 });
    try {
      const [row] = await authenticator<{ user: string; timeout: string }[]>`
        select session_user as user, current_setting('statement_timeout') as timeout`;
      expect(row).toEqual({ user: "authenticator", timeout: "8s" });
      await expectDbError(authenticator`set role postgres`, "42501", /permission denied to set role/);
    } finally {
      await authenticator.end();
    }
    for (const [user, message] of [
      ["anon", 'role "anon" is not permitted to log in'],
      ["nobody", 'role "nobody" does not exist'],
    ] as const) {
      const client = connect(server.url.replace("postgres@", `${user}@`), { max: 1 });
      await expectDbError(client`select 1`, "28000", message);
      await client.end();
    }
  });

  it("keeps each connection's session settings apart while they take turns", async () => {
    const [a, b] = await Promise.all([sql.reserve(), sql.reserve()]);
    try {
      await a`set search_path = auth`;
      await a`set role authenticated`;
      const [other] = await b<{ path: string; user: string }[]>`select current_setting('search_path') as path, current_user as user`;
      const [own] = await a<{ path: string; user: string }[]>`select current_setting('search_path') as path, current_user as user`;
      expect({ other, own }).toEqual({
        other: { path: '"$user", public', user: "postgres" },
        own: { path: "auth", user: "authenticated" },
      });
      await a`reset role`;
      await a`set search_path = "$user", public`;
    } finally {
      a.release();
      b.release();
    }
  });

  it("runs one transaction at a time (PGlite limitation): another connection waits for the open one instead of running beside it", async () => {
    const other = connect(server.url, { max: 1 });
    try {
      let committed = false;
      const open = sql.begin(async (tx) => {
        await tx`insert into auth.users (id, email) values ('aaaaaaaa-0000-4000-8000-000000000001', 'wait@example.com')`;
        await pause(400);
        committed = true;
      });
      await pause(100);
      const [row] = await other<{ n: number }[]>`select count(*)::int as n from auth.users where email = 'wait@example.com'`;
      await open;
      // On PostgreSQL this select returns 0 at once, without waiting.
      expect({ committed, n: row?.n }).toEqual({ committed: true, n: 1 });
    } finally {
      await other.end();
    }
  });

  it("accepts statement_timeout but never fires it (PGlite limitation)", async () => {
    const started = Date.now();
    await sql.begin(async (tx) => {
      await tx`set local statement_timeout = '50ms'`;
      await tx`select pg_sleep(0.3)`;
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("lacks pg_cron, pg_net and plpgsql_check but ships pgtap and pg_trgm (PGlite limitation)", async () => {
    for (const name of ["pg_cron", "pg_net", "plpgsql_check"]) {
      await expectDbError(sql.unsafe(`create extension ${name}`), "0A000", `extension "${name}" is not available`);
    }
    await sql`create extension if not exists pgtap with schema extensions`;
    await sql`create extension if not exists pg_trgm with schema extensions`;
    const [row] = await sql<{ similarity: number }[]>`select extensions.similarity('threads', 'thread') as similarity`;
    expect(row?.similarity).toBeGreaterThan(0.5);
  });

  it("refuses COPY FROM STDIN with 0A000 (it would abort the WASM backend) and keeps serving", async () => {
    await expectDbError(sql.unsafe("copy public.notes (body) from stdin"), "0A000", /COPY \.\.\. FROM STDIN/);
    const [row] = await sql<{ ok: number }[]>`select 1 as ok`;
    expect(row).toEqual({ ok: 1 });
  });

  it("keeps the data across a stop and a start on the same directory", async () => {
    await sql.end();
    await server.stop();
    server = await startPglite({ dataDir, port: 0 });
    sql = connect(server.url);
    const rows = await sql<{ body: string }[]>`select body from public.notes order by id`;
    expect(rows).toEqual([{ body: "bob writes" }, { body: "ada writes two words" }]);
    const [row] = await sql<{ uid: string }[]>`select to_regprocedure('auth.uid()')::text as uid`;
    expect(row).toEqual({ uid: "auth.uid()" });
  });
});
