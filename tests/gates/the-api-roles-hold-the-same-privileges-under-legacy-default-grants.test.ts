// A project with Supabase's legacy default grants (platform/legacy-default-grants.sql: every new
// public table, function and sequence granted to anon, authenticated and service_role) must end up
// with exactly the privileges of a project without them, or column grants protect nothing (issue 15:
// a user set their own followers_count to 1,000,000). This builds the chain in the other mode than the
// run's template (TEST_DEFAULT_GRANTS=legacy builds the template with the legacy grants) and compares
// every privilege the API roles and PUBLIC hold on our objects, then attacks the legacy-built database.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiPrivilegeCatalogue } from "../../scripts/lib/api-grants.ts";
import {
  applyLegacyDefaultGrants,
  applyPlatformBootstrap,
  createDatabase,
  dropDatabase,
  pushMigrations,
  withDatabase,
} from "../../scripts/lib/database.ts";
import { idOf, TestDatabase } from "../helpers/db.ts";
import { serverUrl } from "../helpers/env.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const templateIsLegacy = process.env.TEST_DEFAULT_GRANTS === "legacy";
const otherName = `threads_grants_${randomBytes(4).toString("hex")}`;
const other = withDatabase(serverUrl, otherName);
const template = () => withDatabase(serverUrl, inject("templateDatabase"));
let legacyGrantedANewTable = false;

async function catalogue(url: string): Promise<string[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await apiPrivilegeCatalogue(sql);
  } finally {
    await sql.end();
  }
}

beforeAll(async () => {
  await createDatabase(other);
  await applyPlatformBootstrap(other);
  if (!templateIsLegacy) {
    await applyLegacyDefaultGrants(other);
    // The legacy defaults bite: a table created now is writable by anon.
    const sql = postgres(other, { max: 1, onnotice: () => {} });
    try {
      await sql`create table public.legacy_probe (id int)`;
      const [row] = await sql<{ granted: boolean }[]>`select has_table_privilege('anon', 'public.legacy_probe', 'insert') as granted`;
      legacyGrantedANewTable = row?.granted ?? false;
      await sql`drop table public.legacy_probe`;
    } finally {
      await sql.end();
    }
  } else {
    legacyGrantedANewTable = true;
  }
  await pushMigrations(other);
}, 180_000);

afterAll(async () => {
  await dropDatabase(other);
});

describe("the API roles' privileges under Supabase's legacy default grants", () => {
  it("are what the legacy defaults would otherwise widen (the test mode bites)", () => {
    expect(legacyGrantedANewTable).toBe(true);
  });

  it("are identical, privilege by privilege, with and without the legacy defaults", async () => {
    const [withLegacy, without] = templateIsLegacy
      ? [await catalogue(template()), await catalogue(other)]
      : [await catalogue(other), await catalogue(template())];
    expect(without.length).toBeGreaterThan(300);
    expect(withLegacy.filter((line) => !without.includes(line))).toEqual([]);
    expect(without.filter((line) => !withLegacy.includes(line))).toEqual([]);
  });

  it("leave nothing to write around the rules on a legacy project: counters, roles, private tables", async () => {
    const legacy = new TestDatabase(templateIsLegacy ? inject("templateDatabase") : otherName);
    try {
      const mallory = await legacy.newUser("legacy_mallory");
      await expectDbError(
        legacy.request(mallory, (tx) => tx`update public.profiles set followers_count = 1000000 where id = ${idOf(mallory)}`),
        "42501",
        /permission denied for table profiles/,
      );
      await expectDbError(
        legacy.request(mallory, (tx) => tx`insert into public.user_roles (user_id, role) values (${idOf(mallory)}, 'admin')`),
        "42501",
        /permission denied for table user_roles/,
      );
      await expectDbError(
        legacy.request(mallory, (tx) => tx`select * from private.usernames`),
        "42501",
        /permission denied for table usernames/,
      );
      const [row] = await legacy.admin<{ followers_count: number }[]>`
        select followers_count from public.profiles where id = ${idOf(mallory)}`;
      expect(row?.followers_count).toBe(0);
    } finally {
      await legacy.close();
    }
  });
});
