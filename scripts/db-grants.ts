// npm run db:grants: prints the grants tail of the migration that makes the API roles' privileges
// independent of the project's default grants (scripts/lib/api-grants.ts). It builds a throwaway
// database from the sources (sql/ + policies/) on the test server and reads its grants. Append the output to the branch's migration after the diff, then run
// `npm run db:diff` again to record it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { apiGrantsTail } from "./lib/api-grants.ts";
import { dropDatabase } from "./lib/database.ts";
import { repoRoot } from "./lib/migrations.ts";
import { buildFromSources, scratchDatabase } from "./lib/schema-diff.ts";

if (existsSync(join(repoRoot, ".env"))) process.loadEnvFile(join(repoRoot, ".env"));
const server = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const url = scratchDatabase(server, "grants");
try {
  await buildFromSources(url);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    process.stdout.write(await apiGrantsTail(sql));
  } finally {
    await sql.end();
  }
} catch (error) {
  console.error(`db:grants: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await dropDatabase(url);
}
