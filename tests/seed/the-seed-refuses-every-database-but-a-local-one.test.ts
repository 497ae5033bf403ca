// The seed (published password, a platform admin) must never reach a hosted project: its first file,
// seed/000_local_only.sql, raises on a Supabase database that is not `supabase start`'s, so that
// `supabase db reset --linked` or `supabase db push --include-seed` stop before any row is written.
// Simulated faithfully in a test database: a hosted project is a Supabase database (the platform's
// own schemas exist, here `pgbouncer`, which every Supabase Postgres image carries and our bootstrap
// never creates) whose app.settings.jwt_secret is unset or the project's own; `supabase start`'s
// database is the same with the CLI's well-known local secret (set by the CLI's local init).
import { beforeEach, describe, expect, it } from "vitest";
import { applySeed } from "../../scripts/lib/database.ts";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();
const seededAdmin = "a0000000-0000-4000-8000-000000000001";
const cliLocalSecret = "super-secret-jwt-token-with-at-least-32-characters-long";

const dbName = () => new URL(db().url).pathname.slice(1);
const seeded = async () => (await db().admin`select count(*)::int as n from auth.users where id = ${seededAdmin}`)[0]?.n;

async function asSupabaseDatabase(jwtSecret: string | null): Promise<void> {
  await db().admin`create schema if not exists pgbouncer`;
  if (jwtSecret === null) await db().admin.unsafe(`alter database "${dbName()}" reset "app.settings.jwt_secret"`);
  else await db().admin.unsafe(`alter database "${dbName()}" set "app.settings.jwt_secret" to '${jwtSecret}'`);
}

beforeEach(async () => {
  await db().admin`drop schema if exists pgbouncer`;
  await db().admin.unsafe(`alter database "${dbName()}" reset "app.settings.jwt_secret"`);
});

describe("the seed", () => {
  it("refuses a hosted project (no local JWT secret, or the project's own), writing nothing", async () => {
    for (const secret of [null, "a-hosted-projects-own-jwt-secret-0123456789abcdef"]) {
      await asSupabaseDatabase(secret);
      await expect(applySeed(db().url)).rejects.toMatchObject({
        code: "P0001",
        message: "seed/ is for local databases only: this is a Supabase database that is not `supabase start`'s",
      });
      expect(await seeded()).toBe(0);
    }
  });

  it("seeds `supabase start`'s database (the CLI's local JWT secret)", async () => {
    await asSupabaseDatabase(cliLocalSecret);
    await applySeed(db().url);
    expect(await seeded()).toBe(1);
  });

  it("seeds a plain local PostgreSQL with the platform bootstrap (npm run dev, db:reset, the tests)", async () => {
    await applySeed(db().url);
    expect(await seeded()).toBe(1);
  });
});
