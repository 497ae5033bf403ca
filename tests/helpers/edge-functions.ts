// Runs the repository's edge functions on real Deno (functions/_dev/serve.ts), against a test
// database, on a free local port.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { repoRoot } from "../../scripts/lib/migrations.ts";

export const testJwtSecret = "test-jwt-secret-with-at-least-32-characters!!";

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

export interface RunningFunctions {
  /** Base URL: `${url}/<function name>` */
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function serveFunctions(env: Record<string, string>): Promise<RunningFunctions> {
  const port = await freePort();
  const child: ChildProcess = spawn(
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
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: String(port), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`functions did not start:\n${output}`)), 30_000);
    const check = setInterval(() => {
      if (output.includes("functions listening")) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`functions exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/functions/v1`,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
