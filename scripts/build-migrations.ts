// Regenerates supabase/migrations from sql/ and policies/; with --check, only reports drift.
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { migrationDrift, migrationsDir, renderMigrations } from "./lib/migrations.ts";

if (process.argv.includes("--check")) {
  const drift = migrationDrift();
  if (drift.length > 0) {
    console.error(`supabase/migrations drifted from sql/ and policies/:\n  ${drift.join("\n  ")}\nRun: npm run db:build`);
    process.exit(1);
  }
  console.log("supabase/migrations match sql/ and policies/");
} else {
  const rendered = renderMigrations();
  for (const f of readdirSync(migrationsDir)) {
    if (f.endsWith(".sql") && !rendered.some((m) => m.fileName === f)) rmSync(join(migrationsDir, f));
  }
  for (const m of rendered) writeFileSync(join(migrationsDir, m.fileName), m.text);
  console.log(`wrote ${rendered.length} migrations to supabase/migrations`);
}
