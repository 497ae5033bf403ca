// npm test: every check and gate, in order of cost; exits non-zero when any fails. First the machine:
// PostgreSQL reachable and the extensions the gates need (scripts/lib/machine.ts installs them as root).
// The database gates (advisors, plpgsql_check), the migrations-vs-sources schema comparison, the
// frozen migration history and the edge-function tests on Deno are vitest files like the rest.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureTestPrerequisites } from "./lib/machine.ts";
import { repoRoot } from "./lib/migrations.ts";

const bin = (name: string) => join(repoRoot, "node_modules/.bin", name);
const resultsFile = join(repoRoot, ".dev/vitest-results.json");

const steps: { name: string; command: string; args: string[] }[] = [
  { name: "content rules generated from JSON", command: "npx", args: ["tsx", "scripts/build-content-rules.ts", "--check"] },
  { name: "typecheck (tsc --noEmit)", command: bin("tsc"), args: ["--noEmit"] },
  { name: "doc snippets type-check (docs:check)", command: "npx", args: ["tsx", "scripts/check-doc-snippets.ts"] },
  {
    name: "typecheck edge functions (deno check)",
    command: bin("deno"),
    args: ["check", "--node-modules-dir=manual", "--config", "functions/deno.json", "functions/"],
  },
  { name: "lint (biome)", command: bin("biome"), args: ["check", "."] },
  {
    name: "tests (vitest)",
    command: bin("vitest"),
    args: ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${resultsFile}`],
  },
];

await ensureTestPrerequisites(process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");

mkdirSync(join(repoRoot, ".dev"), { recursive: true });
const failed: string[] = [];
for (const step of steps) {
  console.log(`\n▶ ${step.name}`);
  const result = spawnSync(step.command, step.args, { cwd: repoRoot, stdio: "inherit", env: process.env });
  if (result.status !== 0) failed.push(step.name);
}

let passed = 0;
let failedTests = 0;
if (existsSync(resultsFile)) {
  const report = JSON.parse(readFileSync(resultsFile, "utf8")) as { numPassedTests: number; numFailedTests: number };
  passed = report.numPassedTests;
  failedTests = report.numFailedTests;
}
console.log(`\nchecks failed: ${failed.length === 0 ? "none" : failed.join(", ")}`);
console.log(`${passed} passed, ${failedTests + failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);
