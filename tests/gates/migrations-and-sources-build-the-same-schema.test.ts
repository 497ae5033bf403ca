// The guard of decision 0004: the migration chain (applied by the Supabase CLI to the run's
// template) and the readable sources (sql/NN_name.sql then policies/NN_name.sql, applied directly, in
// order) must build the same schema, by `pg_dump --schema-only`, and write the same configuration rows. When the sources move on, a new
// forward migration (`npm run db:diff -- <name>`) brings the chain along.
import { afterAll, describe, expect, it } from "vitest";
import { dropDatabase } from "../../scripts/lib/database.ts";
import { buildFromSources, configurationDump, dumpDifference, schemaDump, scratchDatabase } from "../../scripts/lib/schema-diff.ts";
import { useTestDatabase } from "../helpers/db.ts";
import { serverUrl } from "../helpers/env.ts";

const db = useTestDatabase();
const fromSources = scratchDatabase(serverUrl, "src");

afterAll(async () => {
  await dropDatabase(fromSources);
});

describe("schema sources", () => {
  it("build exactly the schema the migrations build", async () => {
    await buildFromSources(fromSources);
    const [migrated, sourced] = await Promise.all([schemaDump(db().url), schemaDump(fromSources)]);
    expect(migrated.length).toBeGreaterThan(1000);
    // On failure: the sources changed without a migration; run npm run db:diff -- <name>.
    expect(dumpDifference(migrated, sourced)).toEqual([]);
    expect(sourced).toBe(migrated);
  });

  it("write the same configuration rows as the migrations (settings, buckets, scheduled jobs)", async () => {
    // Runs after the schema comparison, which built the sources' database. A schema diff carries no
    // data: a migration must insert what the sources insert, by hand (see docs/decisions/0004).
    // tests/global-setup.ts switches throttles off in the test template; this clone gets the migration's value back.
    await db().admin`update private.throttle_settings set enabled = true`;
    const [migrated, sourced] = await Promise.all([configurationDump(db().url), configurationDump(fromSources)]);
    expect(migrated).toContain("storage.buckets ");
    expect(dumpDifference(migrated, sourced)).toEqual([]);
  });
});
