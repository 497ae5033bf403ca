// Decision 0004: a migration in the chain's history never changes. supabase/migration-history.sha256
// lists every migration with its sha256 and only ever grows (db:diff appends); this refuses an
// edited, deleted or unlisted migration, and a sources fingerprint that the chain was not proven on.
import { execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  historyFile,
  historyProblems,
  migrationFiles,
  readHistory,
  recordedSourcesFingerprint,
  repoRoot,
  sourcesDriftNotice,
  sourcesFingerprint,
} from "../../scripts/lib/migrations.ts";

const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the repository's migrations, history and sources to break on purpose. */
function copy(): string {
  const root = mkdtempSync(join(tmpdir(), "history-"));
  copies.push(root);
  for (const dir of ["sql", "policies", "supabase"]) cpSync(join(repoRoot, dir), join(root, dir), { recursive: true });
  return root;
}

/** The history as committed on main, where git and a main branch are at hand. */
function historyOnMain(): string | undefined {
  for (const ref of ["main", "origin/main"]) {
    try {
      return execFileSync("git", ["show", `${ref}:${historyFile}`], { cwd: repoRoot, stdio: ["ignore", "pipe", "ignore"] }).toString();
    } catch {
      // no such ref, or main has no history yet
    }
  }
  return undefined;
}

describe("the migration history", () => {
  it("lists every migration, each unchanged since it was recorded", () => {
    expect(historyProblems()).toEqual([]);
    expect(readHistory().map((h) => h.file)).toEqual(migrationFiles());
    expect(migrationFiles().length).toBeGreaterThanOrEqual(13);
  });

  it("only grows: main's history is a prefix of this one", () => {
    const onMain = historyOnMain();
    const here = readHistory()
      .map((h) => `${h.hash}  ${h.file}`)
      .join("\n");
    if (onMain !== undefined) expect(`${here}\n`.startsWith(onMain)).toBe(true);
    expect(here.length).toBeGreaterThan(0);
  });

  it("refuses an edited migration", () => {
    const root = copy();
    appendFileSync(join(root, "supabase/migrations/20261127000044_bookmarks.sql"), "\n-- a later thought\n");
    expect(historyProblems(root)).toEqual([
      "20261127000044_bookmarks.sql is in the history but was edited; restore it and add a new migration (npm run db:diff -- <name>)",
    ]);
  });

  it("refuses a deleted migration", () => {
    const root = copy();
    rmSync(join(root, "supabase/migrations/20261127000060_messaging.sql"));
    expect(historyProblems(root)).toEqual(["20261127000060_messaging.sql is in the history but was deleted; restore it"]);
  });

  it("refuses a migration nobody recorded, and one slipped in before the last", () => {
    const root = copy();
    const last = migrationFiles(root).at(-1) as string;
    writeFileSync(join(root, "supabase/migrations/29991231000000_later.sql"), "select 1;\n");
    writeFileSync(join(root, "supabase/migrations/20261127000045_sneaky.sql"), "select 1;\n");
    expect(historyProblems(root)).toEqual([
      `20261127000045_sneaky.sql is not in the history and sorts before ${last}: a new migration must come after the last one`,
      "29991231000000_later.sql is not in the history yet: review it, then run npm run db:diff (it verifies and records it)",
    ]);
  });
});

describe("the sources fingerprint", () => {
  it("is the fingerprint of the sources the chain was proven to build", () => {
    // On failure: sql/ or policies/ changed; run npm run db:diff -- <name> (or without a name if no change).
    expect(recordedSourcesFingerprint()).toBe(sourcesFingerprint());
    expect(sourcesDriftNotice()).toBeUndefined();
  });

  it("makes npm run dev say so, with the fix, when the sources moved on", () => {
    const root = copy();
    appendFileSync(join(root, "sql/44_bookmarks.sql"), "\ncomment on table public.bookmarks is 'Saved posts.';\n");
    expect(sourcesDriftNotice(root)).toMatch(/sql\/ or policies\/ changed since the last migration[\s\S]*npm run db:diff -- <name>/);
    rmSync(join(root, "supabase/schema-sources.sha256"));
    expect(sourcesDriftNotice(root)).toMatch(/schema-sources\.sha256 is missing[\s\S]*npm run db:diff -- <name>/);
  });
});
