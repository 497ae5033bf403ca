// npm run db:diff -- <name>: turns the difference between the migration chain and the sources
// (sql/ + policies/) into a new forward migration, supabase/migrations/<UTC timestamp>_<name>.sql,
// and proves it. Exits non-zero when the migration needs hand edits. Without changes, writes nothing.
// See docs/decisions/0004-forward-migrations-by-diff.md.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./lib/migrations.ts";
import { generateMigration } from "./lib/schema-diff.ts";

if (existsSync(join(repoRoot, ".env"))) process.loadEnvFile(join(repoRoot, ".env"));

const name = process.argv.slice(2).find((a) => !a.startsWith("-"));
if (name !== undefined && !/^[a-z][a-z0-9_]{0,62}$/.test(name)) {
  console.error(`db:diff: "${name}" is not a migration name: use lowercase letters, digits and _ (e.g. add_bookmark_notes)`);
  process.exit(2);
}
// The server db:diff creates its throwaway databases on: the one the tests use.
const server = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

try {
  const outcome = await generateMigration({ server, name });
  if (outcome.status === "no changes") {
    console.log("db:diff: no changes: the migration chain builds exactly what sql/ and policies/ describe; nothing written.");
    for (const f of outcome.recorded) console.log(`  recorded ${f} in supabase/migration-history.sha256 (verified)`);
  } else if (outcome.status === "written") {
    console.log(`db:diff: wrote ${outcome.file}\n  verified: the chain plus this migration builds exactly what the sources describe.`);
    console.log("  next: replace the <purpose> line of its header, review it like code, commit it with the sources.");
    for (const w of outcome.warnings) console.warn(`  REVIEW BY HAND: ${w}`);
  } else {
    console.error(
      outcome.file
        ? `db:diff: wrote ${outcome.file}, but the chain plus it does NOT build what the sources describe: it needs hand edits.`
        : "db:diff: the sources differ from the chain but the diff engine produced nothing: write the migration by hand.",
    );
    for (const line of outcome.difference) console.error(`  ${line}`);
    console.error(
      '  (+ only in the sources, - only in chain + migration). After editing, run npm run db:diff again: it says "no changes" and records the migration.',
    );
    process.exit(1);
  }
} catch (error) {
  console.error(`db:diff: ${(error as Error).message}`);
  process.exit(1);
}
