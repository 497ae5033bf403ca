// A throwaway PostgreSQL 15 cluster of the test's own (initdb in a temp dir, a free port, trust auth),
// for what the shared server cannot be reconfigured for: pg_cron in shared_preload_libraries, and a
// `postgres` role that is not a superuser (the hosted one). Never touches the shared server.
import { execFile } from "node:child_process";
import { chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { applyPlatformBootstrap, pushMigrations } from "../../scripts/lib/database.ts";
import { migrationFiles, migrationsDir, repoRoot } from "../../scripts/lib/migrations.ts";

const run = promisify(execFile);
const bin = process.env.PG15_BIN ?? "/usr/lib/postgresql/15/bin";
/** The cluster's superuser. Not `supabase_admin`: that name marks a real platform (the bootstrap refuses it). */
export const clusterSuperuser = "cluster_admin";

/** initdb refuses to run as root: there the cluster belongs to the `postgres` OS user. */
async function asClusterOwner(command: string, args: string[]): Promise<void> {
  if (process.getuid?.() === 0) await run("runuser", ["-u", "postgres", "--", command, ...args]);
  else await run(command, args);
}

async function clusterOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface Cluster {
  port: number;
  /** A URL to a database of the cluster, as a role (trust auth: no password). */
  url(database: string, user?: string): string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** Starts a cluster with pg_cron preloaded for `cronDatabase`; `postgres` exists as a plain login role. */
export async function startCluster(options: { cronDatabase: string }): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "threads-cluster-"));
  const data = join(dir, "data");
  const owner = await clusterOwner();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const port = await freePort();
  await asClusterOwner(join(bin, "initdb"), ["-D", data, "-U", clusterSuperuser, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const conf = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "shared_buffers = 32MB",
    "max_connections = 40",
    "shared_preload_libraries = 'pg_cron'",
    `cron.database_name = '${options.cronDatabase}'`,
    "cron.host = '127.0.0.1'",
  ].join("\n");
  writeFileSync(join(data, "postgresql.auto.conf"), `${conf}\n`);
  if (owner) chownSync(join(data, "postgresql.auto.conf"), owner.uid, owner.gid);
  const ctl = (args: string[]) => asClusterOwner(join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "log"), "-w", "-t", "60", ...args]);
  await ctl(["start"]);
  const url = (database: string, user = clusterSuperuser) => `postgres://${user}@127.0.0.1:${port}/${database}`;
  const sql = postgres(url("postgres"), { max: 1, onnotice: () => {} });
  try {
    await sql`create role postgres login`;
  } finally {
    await sql.end();
  }
  return {
    port,
    url,
    restart: () => ctl(["restart", "-m", "fast"]),
    async stop() {
      try {
        await ctl(["stop", "-m", "immediate"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A database as hosted Supabase has it: bootstrapped by the superuser, `postgres` given the hosted
 * privileges (platform/hosted-postgres.sql), then every migration pushed by the Supabase CLI connected
 * as that non-superuser `postgres`. pg_cron is enabled by the superuser (standing in for supautils,
 * which lets hosted postgres create it) just before the first migration that needs it: the frozen
 * migrations before it schedule '1 seconds' jobs wherever a cron schema exists, a syntax the pg_cron
 * of this machine (1.4) refuses and the platform's (1.6) accepts.
 */
export async function pushAsHostedPostgres(cluster: Cluster, database: string): Promise<void> {
  const admin = postgres(cluster.url("postgres"), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  await applyPlatformBootstrap(cluster.url(database));
  const sql = postgres(cluster.url(database), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(readFileSync(join(repoRoot, "platform/hosted-postgres.sql"), "utf8"));
  } finally {
    await sql.end();
  }
  const files = migrationFiles();
  const first = files.findIndex((f) => /create extension pg_cron/i.test(readFileSync(join(migrationsDir, f), "utf8")));
  if (first > 0) {
    const workdir = mkdtempSync(join(tmpdir(), "threads-push-"));
    try {
      mkdirSync(join(workdir, "supabase/migrations"), { recursive: true });
      copyFileSync(join(repoRoot, "supabase/config.toml"), join(workdir, "supabase/config.toml"));
      for (const f of files.slice(0, first)) copyFileSync(join(migrationsDir, f), join(workdir, "supabase/migrations", f));
      await pushMigrations(cluster.url(database, "postgres"), workdir);
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  }
  const cron = postgres(cluster.url(database), { max: 1, onnotice: () => {} });
  try {
    await cron.unsafe(`create extension if not exists pg_cron with schema pg_catalog;
      grant usage on schema cron to postgres;
      grant all privileges on all tables in schema cron to postgres;`);
  } finally {
    await cron.end();
  }
  await pushMigrations(cluster.url(database, "postgres"));
}
