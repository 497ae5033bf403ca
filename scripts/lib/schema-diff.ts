// Forward migrations by diff (docs/decisions/0004-forward-migrations-by-diff.md): two throwaway
// databases on a real PostgreSQL server, one built by the migration chain (Supabase CLI), one built
// straight from the sources (sql/NN_name.sql, then policies/NN_name.sql, in order), compared by
// `pg_dump --schema-only` and diffed by @supabase/pg-delta.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { applyPlatformBootstrap, createDatabase, dropDatabase, pushMigrations, withDatabase } from "./database.ts";
import { migrationFiles, recordHistory, recordSourcesFingerprint, repoRoot, sourceFiles } from "./migrations.ts";

const run = promisify(execFile);
/** Applies the sources to an empty (bootstrapped) database. */
export async function applySources(url: string, root = repoRoot): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const file of sourceFiles(root)) {
      try {
        await sql.unsafe(readFileSync(join(root, file), "utf8"));
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`);
      }
    }
  } finally {
    await sql.end();
  }
}

/**
 * The schema as pg_dump prints it, without comments and the CLI's own bookkeeping. Each run of
 * GRANT/REVOKE lines is sorted: pg_dump prints an object's privileges in ACL order, which records
 * the order of grants (a revoke and re-grant moves a role to the end) but not what anyone may do.
 */
export async function schemaDump(url: string): Promise<string> {
  const { stdout } = await run("pg_dump", ["--schema-only", "--no-owner", "--exclude-schema=supabase_migrations", url], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = stdout
    .split("\n")
    .filter((line) => !line.startsWith("--") && !line.startsWith("\\restrict") && !line.startsWith("\\unrestrict"));
  const out: string[] = [];
  let acl: string[] = [];
  for (const line of [...lines, ""]) {
    if (/^(GRANT|REVOKE) /.test(line)) {
      acl.push(line);
      continue;
    }
    out.push(...acl.sort(), line);
    acl = [];
  }
  return out.slice(0, -1).join("\n");
}

/**
 * The rows the schema itself writes (settings defaults, reserved names, buckets, scheduled jobs): a
 * schema dump cannot see them, and db:diff's engine does not carry data, so a migration that forgets
 * an insert or a cron.schedule would otherwise pass. On a freshly built database every row in public
 * and private is such a row. Timestamps (when the row was written) and generated ids are left out.
 */
export async function configurationDump(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<{ name: string }[]>`
      select format('%I.%I', n.nspname, c.relname) as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname in ('public', 'private', 'storage')
        and format('%I.%I', n.nspname, c.relname) <> 'storage.migrations'
      order by 1`;
    const out: string[] = [];
    for (const { name } of tables) {
      const rows = await sql.unsafe<{ row: string }[]>(
        `select (to_jsonb(t) - array(
           select a.attname::text from pg_attribute a
           where a.attrelid = '${name}'::regclass and a.attnum > 0 and not a.attisdropped
             and (a.atttypid in ('timestamptz'::regtype, 'timestamp'::regtype) or a.attname in ('id', 'owner', 'owner_id'))
         ))::text as row from ${name} t order by 1`,
      );
      for (const { row } of rows) out.push(`${name} ${row}`);
    }
    const cron = await sql<{ present: boolean }[]>`select to_regclass('cron.job') is not null as present`;
    if (cron[0]?.present) {
      const jobs = await sql.unsafe<{ row: string }[]>(
        "select format('%s %s %s', jobname, schedule, command) as row from cron.job order by 1",
      );
      for (const { row } of jobs) out.push(`cron.job ${row}`);
    }
    return out.join("\n");
  } finally {
    await sql.end();
  }
}

/** The first lines where two dumps differ, for a human. */
export function dumpDifference(from: string, to: string, limit = 20): string[] {
  const a = new Set(from.split("\n"));
  const b = new Set(to.split("\n"));
  const out: string[] = [];
  for (const line of to.split("\n")) if (!a.has(line) && line.trim()) out.push(`+ ${line}`);
  for (const line of from.split("\n")) if (!b.has(line) && line.trim()) out.push(`- ${line}`);
  return out.length > limit ? [...out.slice(0, limit), `… ${out.length - limit} more lines`] : out;
}

/** A throwaway database name on the server of `serverUrl` (the caller drops it). */
export function scratchDatabase(serverUrl: string, label: string): string {
  return withDatabase(serverUrl, `threads_${label}_${randomBytes(4).toString("hex")}`);
}

export async function buildFromMigrations(url: string, root = repoRoot): Promise<void> {
  await createDatabase(url);
  await applyPlatformBootstrap(url);
  await pushMigrations(url, root);
}

export async function buildFromSources(url: string, root = repoRoot): Promise<void> {
  await createDatabase(url);
  await applyPlatformBootstrap(url);
  await applySources(url, root);
}

/** Applies one SQL file (a new migration) to a database, as `supabase db push` would. */
export async function applySqlFile(url: string, file: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(readFileSync(file, "utf8"));
  } finally {
    await sql.end();
  }
}

const pgdelta = join(repoRoot, "node_modules/@supabase/pg-delta/dist/cli/main.js");

/**
 * The DDL that turns `from` into `to`, as @supabase/pg-delta plans it. `from` is a throwaway copy
 * whose CLI bookkeeping schema (supabase_migrations) is dropped first, so the plan never touches it.
 */
export async function diffDatabases(from: string, to: string): Promise<string> {
  const conn = postgres(from, { max: 1, onnotice: () => {} });
  try {
    await conn.unsafe("drop schema if exists supabase_migrations cascade");
  } finally {
    await conn.end();
  }
  const dir = mkdtempSync(join(tmpdir(), "db-diff-"));
  try {
    const plan = join(dir, "plan.json");
    const opts = { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 };
    await pgDelta(["plan", "--source", from, "--desired", to, "--renames", "off", "--out", plan], opts);
    if (!existsSync(plan)) return "";
    // Exit code 3: the plan has no actions, no file written.
    if (!(await pgDelta(["render", "--plan", plan, "--out", join(dir, "migration.sql"), "--allow-drops"], opts))) return "";
    const files = readdirSync(dir).filter((f) => f.endsWith(".sql"));
    const ddl = files
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
      .map((f) => readFileSync(join(dir, f), "utf8").trim())
      .join("\n\n");
    return ddl ? `${ddl}\n${await columnGrantRepair(ddl, to)}` : "";
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs pg-delta; false when it reports "no actions" (exit 3). */
async function pgDelta(args: string[], opts: { cwd: string; maxBuffer: number }): Promise<boolean> {
  try {
    await run(process.execPath, [pgdelta, ...args], opts);
    return true;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    if (e.code === 3) return false;
    throw new Error(`pg-delta ${args[0]} failed:\n${e.stderr ?? ""}${e.stdout ?? ""}`);
  }
}

/**
 * pg-delta 1.0.0-alpha.34 re-grants a table's privileges with `REVOKE ALL ON TABLE t FROM r` and
 * assumes r's column grants survive; PostgreSQL revokes them too. For every such statement this
 * appends r's column grants on t as the desired database has them (GRANT is idempotent).
 */
export async function columnGrantRepair(ddl: string, desired: string): Promise<string> {
  const revokes = [...ddl.matchAll(/^REVOKE ALL ON TABLE "([^"]+)"\."([^"]+)" FROM ("[^"]+"|PUBLIC);$/gm)].map((m) => ({
    schema: m[1] as string,
    table: m[2] as string,
    role: (m[3] as string).replaceAll('"', ""),
  }));
  if (revokes.length === 0) return "";
  const sql = postgres(desired, { max: 1, onnotice: () => {} });
  const lines: string[] = [];
  try {
    for (const r of revokes) {
      const rows = await sql<{ privilege: string; column: string }[]>`
        select acl.privilege_type as privilege, a.attname as column
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        cross join lateral aclexplode(a.attacl) acl
        where n.nspname = ${r.schema} and c.relname = ${r.table} and a.attnum > 0 and not a.attisdropped
          and acl.grantee = (case when ${r.role} = 'PUBLIC' then 0 else (select oid from pg_roles where rolname = ${r.role}) end)
        order by a.attnum, acl.privilege_type`;
      for (const row of rows) {
        const grantee = r.role === "PUBLIC" ? "PUBLIC" : `"${r.role}"`;
        lines.push(`GRANT ${row.privilege} ("${row.column}") ON TABLE "${r.schema}"."${r.table}" TO ${grantee};`);
      }
    }
  } finally {
    await sql.end();
  }
  if (lines.length === 0) return "";
  return `\n-- db:diff: the table-level REVOKE ALL above also revoked these column grants; restored as the sources have them.\n${lines.join("\n")}\n`;
}

/** Statement kinds that deserve a second look even when the schemas converge. */
export function reviewWarnings(ddl: string): string[] {
  const warnings: string[] = [];
  if (/^DROP (TABLE|COLUMN)|DROP COLUMN/im.test(ddl)) warnings.push("drops a table or column: data is lost; was it a rename?");
  if (/^DROP POLICY/im.test(ddl) && /^CREATE POLICY/im.test(ddl))
    warnings.push("drops and creates policies: a renamed policy is briefly absent; check the pair.");
  if (/column grants; restored/.test(ddl)) warnings.push("re-grants column privileges after a table-level REVOKE ALL (a pg-delta gap).");
  if (/^ALTER TABLE .* (ALTER COLUMN .* TYPE|ADD COLUMN .* NOT NULL)/im.test(ddl))
    warnings.push("changes a column type or adds a NOT NULL column: check it on tables with rows.");
  return warnings;
}

export const diffEngine = "@supabase/pg-delta 1.0.0-alpha.34";

export type DiffOutcome =
  | { status: "no changes"; recorded: string[] }
  | { status: "written"; file: string; warnings: string[]; recorded: string[] }
  | { status: "needs hand edits"; file?: string; difference: string[] };

function timestamp(now: Date, after: string | undefined): string {
  let version = now.toISOString().replace(/\D/g, "").slice(0, 14);
  if (after && version <= after) version = String(BigInt(after) + 1n);
  return version;
}

function header(name: string, warnings: string[]): string {
  return [
    `-- ${name}: <purpose: what this migration changes and why, in a sentence or two>`,
    `-- Generated by \`npm run db:diff -- ${name}\` (${diffEngine}) from sql/ and policies/, reviewed by hand.`,
    "-- Once committed this file is history: never edit it, add a new migration instead.",
    ...warnings.map((w) => `-- REVIEW: ${w}`),
    "",
    "",
  ].join("\n");
}

/**
 * `npm run db:diff`: builds the migration chain (A) and the sources (B) on `server`, writes the
 * migration that turns A into B, then proves it by building chain + migration and comparing with B.
 * With nothing to diff it writes nothing, records any reviewed migrations and the sources' fingerprint.
 */
export async function generateMigration(options: { server: string; name?: string; root?: string; now?: Date }): Promise<DiffOutcome> {
  const root = options.root ?? repoRoot;
  const chain = scratchDatabase(options.server, "diff_chain");
  const sources = scratchDatabase(options.server, "diff_sources");
  const proof = scratchDatabase(options.server, "diff_proof");
  let written: string | undefined;
  try {
    // Sequential on purpose: the bootstrap creates cluster-wide roles.
    await buildFromMigrations(chain, root);
    await buildFromSources(sources, root);
    const [chainDump, sourcesDump] = [await schemaDump(chain), await schemaDump(sources)];
    if (chainDump === sourcesDump) {
      const recorded = recordHistory(root);
      recordSourcesFingerprint(root);
      return { status: "no changes", recorded };
    }
    if (!options.name) throw new Error("the sources differ from the migration chain: name the migration (npm run db:diff -- <name>)");
    const ddl = await diffDatabases(chain, sources);
    if (!ddl.trim()) return { status: "needs hand edits", difference: dumpDifference(chainDump, sourcesDump) };
    const warnings = reviewWarnings(ddl);
    const last = migrationFiles(root).at(-1)?.split("_")[0];
    written = `supabase/migrations/${timestamp(options.now ?? new Date(), last)}_${options.name}.sql`;
    writeFileSync(join(root, written), `${header(options.name, warnings)}${ddl.trim()}\n`);
    try {
      await buildFromMigrations(proof, root);
    } catch (error) {
      return { status: "needs hand edits", file: written, difference: [(error as Error).message] };
    }
    const proofDump = await schemaDump(proof);
    if (proofDump !== sourcesDump) return { status: "needs hand edits", file: written, difference: dumpDifference(proofDump, sourcesDump) };
    const recorded = recordHistory(root);
    recordSourcesFingerprint(root);
    return { status: "written", file: written, warnings, recorded };
  } finally {
    for (const db of [chain, sources, proof]) await dropDatabase(db);
  }
}
