// The database gates of `npm test`: Supabase's advisors (splinter) and plpgsql_check, through the
// real Supabase CLI, on a freshly migrated database.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { cliUrl } from "./database.ts";
import { repoRoot } from "./migrations.ts";

const run = promisify(execFile);
const supabaseBin = join(repoRoot, "node_modules/.bin/supabase");

export interface Finding {
  name: string;
  level: string;
  detail: string;
}

/** unused_index is reported for every index of a database no query has touched yet. */
const expectedOnFreshDatabase = new Set(["unused_index"]);

export async function advisorFindings(url: string): Promise<Finding[]> {
  const { stdout } = await run(
    supabaseBin,
    ["db", "advisors", "--db-url", cliUrl(url), "--level", "info", "--type", "all", "--output-format", "json", "--workdir", repoRoot],
    { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
  );
  const parsed = JSON.parse(stdout.trim() || "[]") as Finding[] | { results?: Finding[] };
  const findings = Array.isArray(parsed) ? parsed : (parsed.results ?? []);
  return findings.filter((f) => !expectedOnFreshDatabase.has(f.name));
}

export async function lintFindings(url: string): Promise<string> {
  const { stdout, stderr } = await run(
    supabaseBin,
    ["db", "lint", "--db-url", cliUrl(url), "--schema", "public,private", "--level", "warning", "--fail-on", "none", "--workdir", repoRoot],
    { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
  );
  const out = `${stdout}\n${stderr}`;
  return out.includes("No schema errors found") ? "" : out.trim();
}
