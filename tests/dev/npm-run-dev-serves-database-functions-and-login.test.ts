// `npm run dev` against a DATABASE_URL (the embedded PGlite path has its own test): a fresh
// database is bootstrapped, migrated and seeded; auth-login logs a seeded user in through the local
// Supabase Auth stand-in, and the token carries the roles our hook adds; a second start keeps the
// data; the every-second jobs run (a mention is told); Ctrl-C stops everything.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase, dropDatabase, withDatabase } from "../../scripts/lib/database.ts";
import { repoRoot } from "../../scripts/lib/migrations.ts";
import { freePort } from "../helpers/edge-functions.ts";
import { serverUrl } from "../helpers/env.ts";

const url = withDatabase(serverUrl, `threads_dev_${randomBytes(4).toString("hex")}`);

async function startDev(apiPort: number): Promise<{ child: ChildProcess; banner: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts"], {
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
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev did not start:\n${output}`)), 60_000);
    const poll = setInterval(() => {
      if (output.includes("Ctrl-C stops everything")) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    child.once("exit", (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`dev exited with ${code}:\n${output}`));
    });
  });
  return { child, banner: output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGINT");
  });
}

afterAll(async () => {
  await dropDatabase(url);
});

describe("npm run dev with DATABASE_URL", () => {
  it("comes up on an empty database, logs a seeded user in, keeps data across starts and stops on Ctrl-C", async () => {
    await createDatabase(url);
    const apiPort = await freePort();
    const first = await startDev(apiPort);
    expect(first.banner).toContain("fresh database: bootstrapped, migrated and seeded");
    expect(first.banner).toContain(`http://127.0.0.1:${apiPort}/functions/v1/auth-login`);

    const response = await fetch(`http://127.0.0.1:${apiPort}/functions/v1/auth-login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ identifier: "ada", password: "Password123" }),
    });
    expect(response.status).toBe(200);
    const session = (await response.json()) as { access_token: string };
    expect(decodeJwt(session.access_token)).toMatchObject({
      role: "authenticated",
      email: "ada@example.com",
      user_roles: ["admin", "user"],
    });

    const sql = postgres(url, { max: 1 });
    // The every-second jobs run here as pg_cron runs them on the platform: a mention is told.
    expect(first.banner).toMatch(/jobs +feed-delivery, feed-queue-drain, mention-delivery, post-index run here at their intervals/);
    const ada = "a0000000-0000-4000-8000-000000000001";
    const ben = "b0000000-0000-4000-8000-000000000002";
    const content = { blocks: [{ type: "text", value: "hi @ben", meta: { mentions: [{ user_id: ben, start: 3, end: 7 }] } }] };
    const [post] = await sql<
      { id: string }[]
    >`insert into public.posts (author_id, content) values (${ada}, ${sql.json(content)}) returning id`;
    let told = 0;
    for (let i = 0; i < 100 && told === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from public.notifications where recipient_id = ${ben} and kind = 'mention' and subject_id = ${post?.id ?? null}`;
      told = row?.n ?? 0;
    }
    expect(told).toBe(1);
    await sql`update public.profiles set bio = 'kept across starts' where id = 'b0000000-0000-4000-8000-000000000002'`;
    expect(await stop(first.child)).toBe(0);
    await expect(fetch(`http://127.0.0.1:${apiPort}/functions/v1/auth-login`)).rejects.toThrow();

    const second = await startDev(apiPort);
    expect(second.banner).toContain("existing data kept");
    const [row] = await sql`select bio from public.profiles where id = 'b0000000-0000-4000-8000-000000000002'`;
    expect(row?.bio).toBe("kept across starts");
    await sql.end();
    expect(await stop(second.child)).toBe(0);
  });
});
