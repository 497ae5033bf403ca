// Creating, bootstrapping, migrating and seeding a database: shared by db:reset, dev, tests, bench.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { repoRoot } from "./migrations.ts";

const run = promisify(execFile);
const supabaseBin = join(repoRoot, "node_modules/.bin/supabase");

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres";
}

/** A URL the Supabase CLI accepts for a plain local server (no TLS). */
export function cliUrl(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has("sslmode")) u.searchParams.set("sslmode", "disable");
  return u.toString();
}

function adminConnection(url: string) {
  return postgres(withDatabase(url, "postgres"), { max: 1, onnotice: () => {} });
}

/** True when the database is a real Supabase one (the platform's own admin role exists). */
export async function isSupabasePlatform(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ real: boolean }[]>`
      select exists (select from pg_roles where rolname = 'supabase_admin') as real`;
    return row?.real ?? false;
  } finally {
    await sql.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const admin = adminConnection(url);
  try {
    await admin.unsafe(`drop database if exists "${databaseName(url)}" with (force)`);
  } finally {
    await admin.end();
  }
}

/** Drops and recreates the database; `template` clones an already migrated one. */
export async function createDatabase(url: string, template?: string): Promise<void> {
  const admin = adminConnection(url);
  const name = databaseName(url);
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"${template ? ` template "${template}"` : ""}`);
  } finally {
    await admin.end();
  }
}

/** Recreates the Supabase platform interfaces in a plain PostgreSQL (never on a real project). */
export async function applyPlatformBootstrap(url: string): Promise<void> {
  if (await isSupabasePlatform(url)) return;
  const script = readFileSync(join(repoRoot, "platform/bootstrap.sql"), "utf8");
  // The bootstrap creates and alters cluster-wide roles: two at once on one server (parallel test
  // files, `npm run dev` beside them, another checkout's tests) can fail with "tuple concurrently
  // updated". The script runs as one implicit transaction, so trying again is safe.
  for (let attempt = 1; ; attempt++) {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(script);
      return;
    } catch (error) {
      if (attempt >= 5 || !/tuple concurrently (updated|deleted)|deadlock detected/.test(String(error))) throw error;
    } finally {
      await sql.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt + Math.random() * 300));
  }
}

/**
 * Supabase's legacy default grants (platform/legacy-default-grants.sql): every new public object
 * granted to the API roles. Tests only; applied after the bootstrap and before the migrations.
 */
export async function applyLegacyDefaultGrants(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(readFileSync(join(repoRoot, "platform/legacy-default-grants.sql"), "utf8"));
  } finally {
    await sql.end();
  }
}

/** Applies every pending migration (of `workdir`/supabase/migrations) with the real Supabase CLI. */
export async function pushMigrations(url: string, workdir = repoRoot): Promise<void> {
  try {
    await run(supabaseBin, ["db", "push", "--db-url", cliUrl(url), "--yes", "--workdir", workdir], {
      cwd: workdir,
      env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`supabase db push failed:\n${e.stderr ?? ""}${e.stdout ?? ""}${e.message}`);
  }
}

/** The seed files, in the order config.toml's [db.seed] applies them. */
export function seedFiles(): string[] {
  const dir = join(repoRoot, "seed");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => join(dir, f));
}

export async function applySeed(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const file of seedFiles()) await sql.unsafe(readFileSync(file, "utf8"));
  } finally {
    await sql.end();
  }
}

/** The whole contract of `npm run db:reset`. */
export async function resetDatabase(url: string, options: { seed?: boolean } = {}): Promise<void> {
  await createDatabase(url);
  await applyPlatformBootstrap(url);
  await pushMigrations(url);
  if (options.seed) await applySeed(url);
}
