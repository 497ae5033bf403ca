// npm run dev: a running local backend. The database is DATABASE_URL, or an embedded Postgres
// (PGlite over the wire protocol on 127.0.0.1:54322, data in .dev/pglite). Bootstrap, migrations and
// seed are applied when needed (a second start keeps the data). Edge functions run on Deno behind
// http://127.0.0.1:54321/functions/v1/<name>, next to a development stand-in for Supabase Auth's
// password grant at /auth/v1/token, so auth-login works end to end.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import postgres from "postgres";
import { developmentJwtSecret, passwordGrant, signAccessToken } from "./lib/auth.ts";
import { applyPlatformBootstrap, applySeed, pushMigrations } from "./lib/database.ts";
import { repoRoot, reportSourcesDrift } from "./lib/migrations.ts";
import { startPglite } from "./lib/pglite-server.ts";

if (existsSync(join(repoRoot, ".env"))) process.loadEnvFile(join(repoRoot, ".env"));

const apiPort = Number(process.env.API_PORT ?? 54321);
const dbPort = Number(process.env.DB_PORT ?? 54322);
const functionsPort = apiPort + 10;
const stops: (() => Promise<void>)[] = [];

async function stopAll(code: number): Promise<never> {
  for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error(e));
  process.exit(code);
}
process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));

let databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  const pglite = await startPglite({ dataDir: join(repoRoot, ".dev/pglite"), host: "127.0.0.1", port: dbPort });
  stops.push(pglite.stop);
  databaseUrl = pglite.url;
}

const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
stops.push(() => sql.end());
const [state] = await sql<{ migrated: boolean }[]>`select to_regclass('supabase_migrations.schema_migrations') is not null as migrated`;
const firstStart = !state?.migrated;
await applyPlatformBootstrap(databaseUrl);
await pushMigrations(databaseUrl);
reportSourcesDrift(); // sources edited without a migration: say so and how to fix it (decision 0004)
if (firstStart) await applySeed(databaseUrl);

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
stops.push(
  () =>
    new Promise<void>((resolve) => {
      if (deno.exitCode !== null) return resolve();
      deno.once("exit", () => resolve());
      deno.kill("SIGTERM");
    }),
);

async function waitForFunctions(): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (deno.exitCode !== null) throw new Error("the functions server exited");
    const ok = await fetch(`http://127.0.0.1:${functionsPort}/functions/v1/`).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the functions server did not start");
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
await new Promise<void>((resolve) => server.listen(apiPort, "127.0.0.1", resolve));
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

  seeded accounts (password Password123): ada (admin), ben, cleo (private), dan (moderator), eve (unconfirmed)
  log in:       curl -s -X POST http://127.0.0.1:${apiPort}/functions/v1/auth-login -H 'content-type: application/json' \\
                  -d '{"identifier":"ben","password":"Password123"}'
  a token:      DATABASE_URL='${databaseUrl}' npm run token -- ben@example.com
  anon key:     ${anonKey}

Ctrl-C stops everything.`);
