// `npm run dev` as a developer starts it (through npm): SIGTERM to npm stops every process it
// started and frees its ports; a DATABASE_URL naming a missing database gets it created; a taken
// port is one line and exit 1, not a stack trace.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { dropDatabase, withDatabase } from "../../scripts/lib/database.ts";
import { repoRoot } from "../../scripts/lib/migrations.ts";
import { freePort } from "../helpers/edge-functions.ts";
import { serverUrl } from "../helpers/env.ts";

const url = withDatabase(serverUrl, `threads_devsig_${randomBytes(4).toString("hex")}`);

afterAll(async () => {
  await dropDatabase(url);
});

function npmRunDev(apiPort: number): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn("npm", ["run", "dev"], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: url, API_PORT: String(apiPort) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Every process below `pid`, found through the parent links of ps. */
function descendants(pid: number): number[] {
  const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return check();
}

describe("npm run dev", () => {
  it("creates the missing database, and on SIGTERM to npm stops every process it started and frees its ports", async () => {
    // The ports are picked free, but other test files (throwaway clusters, Deno servers) take
    // ephemeral ports at the same time: a start that lost such a race ("already in use") is retried
    // on other ports; any other early exit fails below with its output.
    let apiPort = 0;
    let dev: ReturnType<typeof npmRunDev> | undefined;
    let running = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      apiPort = await freePort();
      dev = npmRunDev(apiPort);
      const current = dev;
      running = await eventually(() => current.output().includes("threads backend is running") || current.child.exitCode !== null, 240_000);
      if (!(current.child.exitCode !== null && /is already in use/.test(current.output()))) break;
    }
    if (dev === undefined) throw new Error("npm run dev never started");
    expect(running, dev.output()).toBe(true);
    expect(dev.output()).toContain(`created database ${new URL(url).pathname.slice(1)}`);

    expect(dev.child.exitCode, dev.output()).toBeNull();
    const started = descendants(dev.child.pid as number);
    expect(started.length).toBeGreaterThanOrEqual(2); // node (dev.ts) and deno at least
    expect(await portFree(apiPort)).toBe(false);
    expect(await portFree(apiPort + 10)).toBe(false);

    dev.child.kill("SIGTERM");
    await dev.exited;
    expect(await eventually(() => started.every((pid) => !alive(pid))), `still running: ${started.filter(alive).join(", ")}`).toBe(true);
    expect(await portFree(apiPort)).toBe(true);
    expect(await portFree(apiPort + 10)).toBe(true);
  }, 300_000);

  it("says in one line that a port is taken, and exits 1", async () => {
    const holder = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    try {
      const dev = npmRunDev(port);
      const code = await dev.exited;
      expect(code).toBe(1);
      expect(dev.output()).toContain(`npm run dev: port ${port} is already in use (API_PORT)`);
      expect(dev.output()).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  }, 120_000);
});
