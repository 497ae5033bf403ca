// The platform bootstrap must behave like the Supabase interfaces it stands in for, and must never
// run where the real platform is.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { applyPlatformBootstrap, createDatabase, dropDatabase, withDatabase } from "../../scripts/lib/database.ts";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { serverUrl } from "../helpers/env.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const db = useTestDatabase();
const lookalike = withDatabase(serverUrl, `threads_real_${randomBytes(4).toString("hex")}`);

afterAll(async () => {
  await dropDatabase(lookalike);
});

describe("the platform bootstrap", () => {
  it("refuses to run on a database that GoTrue has migrated", async () => {
    await createDatabase(lookalike);
    const sql = postgres(lookalike, { max: 1, onnotice: () => {} });
    await sql`create schema auth`;
    await sql`create table auth.schema_migrations (version text primary key)`;
    await sql.end();
    await expectDbError(applyPlatformBootstrap(lookalike), "P0001", /platform bootstrap refused/);
  });

  it("creates the API roles with Supabase's attributes", async () => {
    const rows = await db().admin`
      select rolname, rolcanlogin as login, rolinherit as inherit, rolbypassrls as bypassrls from pg_roles
      where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_auth_admin') order by rolname`;
    expect(rows).toEqual([
      { rolname: "anon", login: false, inherit: true, bypassrls: false },
      { rolname: "authenticated", login: false, inherit: true, bypassrls: false },
      { rolname: "authenticator", login: true, inherit: false, bypassrls: false },
      { rolname: "service_role", login: false, inherit: true, bypassrls: true },
      { rolname: "supabase_auth_admin", login: true, inherit: false, bypassrls: false },
    ]);
  });

  it("reads the caller from request.jwt.claims, with the legacy per-claim setting winning as on the platform", async () => {
    const sql = db().admin;
    const [a] = await sql.begin(
      (
        tx,
      ) => tx`select set_config('request.jwt.claims', '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated", "email": "a@x.test"}', true),
        auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() ->> 'sub' as jwt_sub`,
    );
    expect(a).toMatchObject({
      uid: "11111111-1111-4111-8111-111111111111",
      role: "authenticated",
      email: "a@x.test",
      jwt_sub: "11111111-1111-4111-8111-111111111111",
    });
    const [b] = await sql.begin(
      (tx) => tx`select set_config('request.jwt.claims', '{"sub": "11111111-1111-4111-8111-111111111111"}', true),
        set_config('request.jwt.claim.sub', '22222222-2222-4222-8222-222222222222', true), auth.uid() as uid`,
    );
    expect(b?.uid).toBe("22222222-2222-4222-8222-222222222222");
    const [c] = await sql`select auth.uid() as uid, auth.jwt() as jwt`;
    expect(c).toEqual({ uid: null, jwt: null });
  });

  it("does not grant new tables to the API roles", async () => {
    await db().admin`create table public.ungranted_probe (id int primary key)`;
    try {
      await expectDbError(
        db().request(anon, (tx) => tx`select * from public.ungranted_probe`),
        "42501",
        /permission denied/,
      );
      await expectDbError(
        db().request(serviceRole, (tx) => tx`select * from public.ungranted_probe`),
        "42501",
        /permission denied/,
      );
    } finally {
      await db().admin`drop table public.ungranted_probe`;
    }
  });

  it("lets realtime.send swallow a refused insert into a warning, dropping the message", async () => {
    const user = await db().newUser("rt_sender");
    const topic = `not-allowed:${randomBytes(4).toString("hex")}`;
    await db().request(user, (tx) => tx`select realtime.send('{"x": 1}', 'evt', ${topic}, true)`);
    const rows = await db().admin`select 1 from realtime.messages where topic = ${topic}`;
    expect(rows).toEqual([]);
  });

  it("refuses direct deletes from storage tables unless the Storage API allows them", async () => {
    await expectDbError(
      db().request(serviceRole, (tx) => tx`delete from storage.objects where name = 'x'`),
      "42501",
      /Direct deletion from storage tables is not allowed/,
    );
  });

  it("provides the storage path helpers", async () => {
    const [row] = await db()
      .admin`select storage.foldername('a/b/c.png') as folders, storage.filename('a/b/c.png') as file, storage.extension('a/b/c.png') as ext`;
    expect(row).toEqual({ folders: ["a", "b"], file: "c.png", ext: "png" });
  });
});
