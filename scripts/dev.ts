// npm run dev: a running local backend. The database is DATABASE_URL, or an embedded Postgres
// (PGlite over the wire protocol on 127.0.0.1:54322, data in .dev/pglite). Bootstrap, migrations and
// seed are applied when needed (a second start keeps the data). Edge functions run on Deno behind
// http://127.0.0.1:54321/functions/v1/<name>, next to a development stand-in for Supabase Auth's
// password grant at /auth/v1/token, so auth-login works end to end.
// SIGINT and SIGTERM (and the end of the npm process that started it) stop everything it started:
// Deno runs in a process group of its own that is killed whole. A taken port, an unreachable server
// or a missing database is one line, not a stack trace (a missing database is created).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import postgres from "postgres";
import { developmentJwtSecret, passwordGrant, signAccessToken } from "./lib/auth.ts";
import { applyPlatformBootstrap, applySeed, databaseName, pushMigrations, withDatabase } from "./lib/database.ts";
import { repoRoot, reportSourcesDrift } from "./lib/migrations.ts";
import { startPglite } from "./lib/pglite-server.ts";

if (existsSync(join(repoRoot, ".env"))) process.loadEnvFile(join(repoRoot, ".env"));

const apiPort = Number(process.env.API_PORT ?? 54321);
const dbPort = Number(process.env.DB_PORT ?? 54322);
const functionsPort = apiPort + 10;
const stops: (() => Promise<void>)[] = [];
/** Child process groups to kill if this process ends any other way (exit, crash). */
const childGroups = new Set<number>();

let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error(e));
  }
  process.exit(code);
}
process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));
process.once("SIGHUP", () => void stopAll(0));
process.on("exit", () => {
  for (const group of childGroups) killGroup(group, "SIGKILL");
});
// Started by npm (or anything else) that then died without passing a signal on: stop too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stopAll(0);
}, 1000).unref();

/** A problem the developer can fix: one line and exit 1, not a stack trace. */
class DevFailure extends Error {}
function fail(message: string): never {
  throw new DevFailure(message);
}
function onFatal(error: unknown): void {
  const e = error as Error;
  console.error(`npm run dev: ${e?.message ?? String(error)}`);
  if (!(error instanceof DevFailure) && process.env.DEBUG) console.error(e?.stack);
  void stopAll(1);
}
process.on("uncaughtException", onFatal);
process.on("unhandledRejection", onFatal);

function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // already gone
  }
}

async function ensurePortFree(port: number, variable: string): Promise<void> {
  const probe = createNetServer();
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    probe.once("error", (e: NodeJS.ErrnoException) => resolve(e));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(null)));
  });
  if (error?.code === "EADDRINUSE")
    fail(`port ${port} is already in use (${variable}); stop what holds it or set ${variable} to another port`);
  if (error) fail(`cannot listen on 127.0.0.1:${port} (${variable}): ${error.message}`);
}

/** Connects to DATABASE_URL, creating the database when the server is there and it is not. */
async function ensureDatabase(url: string): Promise<void> {
  const shown = url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  const probe = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await probe`select 1`;
    return;
  } catch (error) {
    const e = error as { code?: string; message: string };
    if (e.code !== "3D000") fail(`PostgreSQL is not reachable at ${shown} (${e.message})`);
  } finally {
    await probe.end({ timeout: 1 });
  }
  const admin = postgres(withDatabase(url, "postgres"), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${databaseName(url).replaceAll('"', '""')}"`);
    console.log(`created database ${databaseName(url)}`);
  } catch (error) {
    fail(`database ${databaseName(url)} does not exist and could not be created (${(error as Error).message})`);
  } finally {
    await admin.end({ timeout: 1 });
  }
}

await ensurePortFree(apiPort, "API_PORT");
await ensurePortFree(functionsPort, "API_PORT (functions use API_PORT + 10)");
let databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  await ensurePortFree(dbPort, "DB_PORT");
  const pglite = await startPglite({ dataDir: join(repoRoot, ".dev/pglite"), host: "127.0.0.1", port: dbPort });
  stops.push(pglite.stop);
  databaseUrl = pglite.url;
} else {
  await ensureDatabase(databaseUrl);
}

const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
stops.push(() => sql.end());
const [state] = await sql<{ migrated: boolean }[]>`select to_regclass('supabase_migrations.schema_migrations') is not null as migrated`;
const firstStart = !state?.migrated;
await applyPlatformBootstrap(databaseUrl);
await pushMigrations(databaseUrl);
reportSourcesDrift(); // sources edited without a migration: say so and how to fix it (decision 0004)
if (firstStart) await applySeed(databaseUrl);
const secondJobs = await runEverySecondJobs();

const anonKey = await signAccessToken({ iss: "supabase-dev", role: "anon", exp: 4102444800 }, developmentJwtSecret);
const deno: ChildProcess = spawn(
  join(repoRoot, "node_modules/.bin/deno"),
  [
    "run",
    "--node-modules-dir=manual",
    "--config",
    "functions/deno.json",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "functions/_dev/serve.ts",
  ],
  {
    cwd: repoRoot,
    // A process group of its own: stopping kills Deno and anything it started, whatever the signal path.
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PORT: String(functionsPort),
      SUPABASE_URL: `http://127.0.0.1:${apiPort}`,
      SUPABASE_DB_URL: databaseUrl,
      SUPABASE_ANON_KEY: anonKey,
      SUPABASE_JWT_SECRET: developmentJwtSecret,
    },
  },
);
const denoGroup = deno.pid;
if (denoGroup) childGroups.add(denoGroup);
stops.push(
  () =>
    new Promise<void>((resolve) => {
      if (!denoGroup || deno.exitCode !== null || deno.signalCode !== null) return resolve();
      const force = setTimeout(() => killGroup(denoGroup, "SIGKILL"), 3000);
      deno.once("exit", () => {
        clearTimeout(force);
        childGroups.delete(denoGroup);
        resolve();
      });
      killGroup(denoGroup, "SIGTERM");
    }),
);

/**
 * pg_cron runs the jobs of sql/98_jobs.sql on the platform. Where the bootstrap put its stand-in (PGlite,
 * or a server whose pg_cron is not preloaded for this database) jobs are recorded and never run, so the
 * sub-minute ones (the feed queue's drain, mention delivery) run here, each at its interval and never
 * twice at once. The longer ones call edge functions through pg_net or tidy up; dev does without them.
 */
async function runEverySecondJobs(): Promise<string[]> {
  const [cron] = await sql<{ stand_in: boolean }[]>`
    select coalesce(obj_description(to_regnamespace('cron'), 'pg_namespace') like 'platform-bootstrap: stand-in%', false) as stand_in`;
  if (!cron?.stand_in) return [];
  const jobs = await sql<{ jobname: string; command: string; seconds: number }[]>`
    select jobname, command, (regexp_match(schedule, '^([0-9]+) seconds$'))[1]::integer as seconds
    from cron.job where active and schedule ~ '^[0-9]+ seconds$' order by jobname`;
  for (const job of jobs) {
    let running = false;
    const timer = setInterval(() => {
      if (running || stopping) return;
      running = true;
      sql
        .unsafe(job.command)
        .catch((e: Error) => console.error(`job ${job.jobname}: ${e.message}`))
        .finally(() => {
          running = false;
        });
    }, job.seconds * 1000);
    stops.push(async () => clearInterval(timer));
  }
  return jobs.map((j) => j.jobname);
}

async function waitForFunctions(): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (deno.exitCode !== null) fail("the functions server (Deno) exited; see its output above");
    const ok = await fetch(`http://127.0.0.1:${functionsPort}/functions/v1/`).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fail(`the functions server did not answer on 127.0.0.1:${functionsPort} within 30 s`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", `http://127.0.0.1:${apiPort}`);
  const body = await readBody(req);
  if (url.pathname === "/auth/v1/token" && url.searchParams.get("grant_type") === "password" && req.method === "POST") {
    const input = JSON.parse(body.toString() || "{}") as { email?: string; password?: string };
    const answer = await passwordGrant(sql, String(input.email ?? ""), String(input.password ?? ""), developmentJwtSecret);
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    return;
  }
  if (url.pathname.startsWith("/functions/v1/")) {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host") headers.set(k, v);
    const upstream = await fetch(`http://127.0.0.1:${functionsPort}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(body),
    });
    res.writeHead(upstream.status, Object.fromEntries(upstream.headers)).end(Buffer.from(await upstream.arrayBuffer()));
    return;
  }
  res
    .writeHead(404, { "content-type": "application/json" })
    .end(JSON.stringify({ error: { code: "not_found", message: "not served by npm run dev" } }));
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    res
      .writeHead(502, { "content-type": "application/json" })
      .end(JSON.stringify({ error: { code: "bad_gateway", message: String(error) } }));
  });
});
await new Promise<void>((resolve) => {
  server.once("error", (e: NodeJS.ErrnoException) =>
    fail(e.code === "EADDRINUSE" ? `port ${apiPort} is already in use (API_PORT)` : `cannot listen on ${apiPort}: ${e.message}`),
  );
  server.listen(apiPort, "127.0.0.1", resolve);
});
stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));

await waitForFunctions();
const functionNames = readdirSync(join(repoRoot, "functions"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
  .map((d) => d.name);
console.log(`
threads backend is running${firstStart ? " (fresh database: bootstrapped, migrated and seeded)" : " (existing data kept; pending migrations applied)"}

  database    psql '${databaseUrl}'
  functions   ${functionNames.map((n) => `http://127.0.0.1:${apiPort}/functions/v1/${n}`).join("\n              ")}
  auth (dev)  POST http://127.0.0.1:${apiPort}/auth/v1/token?grant_type=password  (stand-in for Supabase Auth)
  jobs        ${secondJobs.length > 0 ? `${secondJobs.join(", ")} run here at their intervals (pg_cron runs them on the platform)` : "run by pg_cron"}

  seeded accounts (password Password123): ada (admin), ben, cleo (private), dan (moderator), eve (unconfirmed), fay, gus, hal (private), ivy, jon (@example.com)
  log in:       curl -s -X POST http://127.0.0.1:${apiPort}/functions/v1/auth-login -H 'content-type: application/json' \\
                  -d '{"identifier":"ben","password":"Password123"}'
  a token:      DATABASE_URL='${databaseUrl}' npm run token -- ben@example.com
  anon key:     ${anonKey}

Ctrl-C stops everything.`);
