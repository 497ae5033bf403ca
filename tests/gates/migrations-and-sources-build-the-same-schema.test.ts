// One source of truth: the deployable migrations (applied by the Supabase CLI to the run's
// template) and the readable sources in sql/ and policies/ (applied directly, in order) must build
// the same schema. The text check (`npm run db:build -- --check`) runs first in npm test; this one
// proves the CLI applies them to the same result.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { applyPlatformBootstrap, createDatabase, dropDatabase, withDatabase } from "../../scripts/lib/database.ts";
import { renderMigrations, repoRoot } from "../../scripts/lib/migrations.ts";
import { useTestDatabase } from "../helpers/db.ts";
import { serverUrl } from "../helpers/env.ts";

const run = promisify(execFile);
const db = useTestDatabase();
const fromSources = withDatabase(serverUrl, `threads_src_${randomBytes(4).toString("hex")}`);

async function schemaDump(url: string): Promise<string> {
  const { stdout } = await run("pg_dump", ["--schema-only", "--no-owner", "--exclude-schema=supabase_migrations", url], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout
    .split("\n")
    .filter((line) => !line.startsWith("--") && !line.startsWith("\\restrict") && !line.startsWith("\\unrestrict"))
    .join("\n");
}

afterAll(async () => {
  await dropDatabase(fromSources);
});

describe("schema sources", () => {
  it("build exactly the schema the migrations build", async () => {
    await createDatabase(fromSources);
    await applyPlatformBootstrap(fromSources);
    const sql = postgres(fromSources, { max: 1, onnotice: () => {} });
    try {
      for (const migration of renderMigrations()) {
        for (const source of migration.sources) await sql.unsafe(readFileSync(join(repoRoot, source), "utf8"));
      }
    } finally {
      await sql.end();
    }
    const [migrated, sourced] = await Promise.all([schemaDump(db().url), schemaDump(fromSources)]);
    expect(migrated.length).toBeGreaterThan(1000);
    expect(sourced).toBe(migrated);
  });
});
