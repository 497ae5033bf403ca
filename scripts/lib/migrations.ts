// The migration chain (supabase/migrations) is history: a file, once in the chain, never changes.
// supabase/migration-history.sha256 (sha256sum format, one line per migration, only ever grows) is
// the anchor a clean clone can check; supabase/schema-sources.sha256 records which sql/ + policies/
// the chain builds, so `npm run dev` can tell when the sources moved on without a migration.
// See docs/decisions/0004-forward-migrations-by-diff.md.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const repoRoot = new URL("../../", import.meta.url).pathname;
export const migrationsDir = join(repoRoot, "supabase/migrations");
export const historyFile = "supabase/migration-history.sha256";
export const sourcesFingerprintFile = "supabase/schema-sources.sha256";

const sourcePattern = /^(\d{2})_([a-z0-9_]+)\.sql$/;

/** The source files in the order they apply: each sql/NN_name.sql, then its policies/NN_name.sql. */
export function sourceFiles(root = repoRoot): string[] {
  const domains = readdirSync(join(root, "sql"))
    .filter((f) => sourcePattern.test(f))
    .sort();
  const policyDir = join(root, "policies");
  const policies = existsSync(policyDir) ? readdirSync(policyDir).filter((f) => sourcePattern.test(f)) : [];
  for (const f of policies) {
    if (!domains.includes(f)) throw new Error(`policies/${f} has no matching sql/${f}`);
  }
  return domains.flatMap((f) => [`sql/${f}`, ...(policies.includes(f) ? [`policies/${f}`] : [])]);
}

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

/** One hash over the sources' names and contents, in apply order. */
export function sourcesFingerprint(root = repoRoot): string {
  return sha256(
    sourceFiles(root)
      .map((f) => `${f}\n${sha256(readFileSync(join(root, f)))}\n`)
      .join(""),
  );
}

export function recordedSourcesFingerprint(root = repoRoot): string | undefined {
  const file = join(root, sourcesFingerprintFile);
  return existsSync(file) ? readFileSync(file, "utf8").trim().split(/\s+/)[0] : undefined;
}

export function recordSourcesFingerprint(root = repoRoot): void {
  writeFileSync(join(root, sourcesFingerprintFile), `${sourcesFingerprint(root)}  sql/ policies/\n`);
}

export function migrationFiles(root = repoRoot): string[] {
  return readdirSync(join(root, "supabase/migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort();
}

export function readHistory(root = repoRoot): { hash: string; file: string }[] {
  const file = join(root, historyFile);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const [hash = "", name = ""] = l.split(/\s+\*?/);
      return { hash, file: name };
    });
}

/** The migrations the history at git HEAD already lists (committed, so frozen); empty outside git. */
function committedHistory(root: string): Set<string> {
  try {
    const text = execFileSync("git", ["show", `HEAD:${historyFile}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return new Set(
      text
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => l.split(/\s+\*?/)[1] ?? ""),
    );
  } catch {
    return new Set();
  }
}

/**
 * Records the migrations not yet in the history, and re-records the ones added since the last commit
 * (so the purpose line of a fresh migration can be written after db:diff); returns their names.
 * A migration listed in the committed history is never re-recorded: editing it stays an error.
 */
export function recordHistory(root = repoRoot): string[] {
  const frozen = committedHistory(root);
  const present = new Set(migrationFiles(root));
  const kept = readHistory(root).filter((h) => frozen.has(h.file) || !present.has(h.file) || h.hash === hashOf(root, h.file));
  const keptNames = new Set(kept.map((h) => h.file));
  const added = migrationFiles(root).filter((f) => !keptNames.has(f));
  const lines = [...kept.map((h) => `${h.hash}  ${h.file}\n`), ...added.map((f) => `${hashOf(root, f)}  ${f}\n`)];
  if (added.length > 0) writeFileSync(join(root, historyFile), lines.join(""));
  return added;
}

const hashOf = (root: string, file: string) => sha256(readFileSync(join(root, "supabase/migrations", file)));

/** Everything that breaks the rule "a migration in the chain's history never changes". */
export function historyProblems(root = repoRoot): string[] {
  const problems: string[] = [];
  const history = readHistory(root);
  const present = migrationFiles(root);
  for (const { hash, file } of history) {
    const path = join(root, "supabase/migrations", file);
    if (!existsSync(path)) problems.push(`${file} is in the history but was deleted; restore it`);
    else if (sha256(readFileSync(path)) !== hash)
      problems.push(`${file} is in the history but was edited; restore it and add a new migration (npm run db:diff -- <name>)`);
  }
  const last = history.at(-1)?.file ?? "";
  for (const file of present) {
    if (history.some((h) => h.file === file)) continue;
    if (file < last) problems.push(`${file} is not in the history and sorts before ${last}: a new migration must come after the last one`);
    else problems.push(`${file} is not in the history yet: review it, then run npm run db:diff (it verifies and records it)`);
  }
  return problems;
}

/**
 * For `npm run dev`: says (never silently) when sql/ or policies/ changed since the migration chain
 * was last proven to build them, since no database built from the chain has those edits.
 */
export function sourcesDriftNotice(root = repoRoot): string | undefined {
  const recorded = recordedSourcesFingerprint(root);
  if (recorded === sourcesFingerprint(root)) return undefined;
  return [
    recorded
      ? "sql/ or policies/ changed since the last migration was generated (supabase/schema-sources.sha256 differs):"
      : `${sourcesFingerprintFile} is missing, so nothing says the migrations build sql/ and policies/:`,
    "  the database was migrated from supabase/migrations, so it does not have those source edits.",
    "  Fix: npm run db:diff -- <name>   (writes and proves the forward migration), then restart npm run dev.",
  ].join("\n");
}

/** Prints sourcesDriftNotice on stderr; true when the sources and the migrations agree. */
export function reportSourcesDrift(root = repoRoot): boolean {
  const notice = sourcesDriftNotice(root);
  if (notice) console.warn(`\n⚠ ${notice}\n`);
  return notice === undefined;
}
