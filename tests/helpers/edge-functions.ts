// Runs an edge function on real Deno, as `supabase functions serve` would, against the test
// database: `deno run` of functions/<name>/index.ts with the function's environment, on a free
// port (PORT=0; the port is read from Deno's "Listening on" line). Also signs access tokens the
// way Supabase Auth does (HS256 with the project's JWT secret), from claims the database issued.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { signAccessToken as sign } from "../../scripts/lib/auth.ts";
import { repoRoot } from "../../scripts/lib/migrations.ts";
import type { Claims } from "./db.ts";

export const testJwtSecret = "test-jwt-secret-for-edge-functions-0123456789";

export interface ServedFunction {
  /** http://127.0.0.1:<port>/<name> */
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** The test database URL (db().url). */
  databaseUrl: string;
  env?: Record<string, string | undefined>;
  startTimeoutMs?: number;
}

export async function serveFunction(name: string, options: ServeOptions): Promise<ServedFunction> {
  const deno = join(repoRoot, "node_modules/.bin/deno");
  const entry = join(repoRoot, "functions", name, "index.ts");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
    NO_COLOR: "1",
    PORT: "0",
    SUPABASE_URL: "http://127.0.0.1:54321",
    SUPABASE_ANON_KEY: "test-anon-key",
    SUPABASE_JWT_SECRET: testJwtSecret,
    SUPABASE_DB_URL: options.databaseUrl,
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(
    deno,
    [
      "run",
      "--node-modules-dir=manual",
      "--config",
      join(repoRoot, "functions/deno.json"),
      "--allow-net",
      "--allow-env",
      "--allow-read",
      entry,
    ],
    { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within the timeout:\n${output}`)),
      options.startTimeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/Listening on https?:\/\/[^\s]*?:(\d+)\//);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    output: () => output,
    stop: () => stopProcess(child),
  };
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** An access token as Supabase Auth signs it: HS256 over the claims (exp, aud, sub, role, user_roles…). */
export function signAccessToken(claims: Claims, secret = testJwtSecret): Promise<string> {
  return sign(claims, secret);
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** POST a JSON body, optionally with a bearer token; returns the status and the parsed JSON. */
export async function postJson(url: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text };
  }
  return { status: response.status, body: parsed };
}
