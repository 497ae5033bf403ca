// `npm run bench`: --help prints the options and exits; a database of the bench's name that the
// bench did not create is refused, never dropped or measured. (The measured run itself is the
// bench's own business: bench/results/latest.* is written only with --record.)
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { dropDatabase, withDatabase } from "../../scripts/lib/database.ts";
import { repoRoot } from "../../scripts/lib/migrations.ts";
import { serverUrl } from "../helpers/env.ts";

const foreign = `threads_notbench_${randomBytes(4).toString("hex")}`;

afterAll(async () => {
  await dropDatabase(withDatabase(serverUrl, foreign));
});

function bench(...args: string[]) {
  return spawnSync("npm", ["run", "--silent", "bench", "--", ...args], {
    cwd: repoRoot,
    env: { ...process.env, BENCH_DATABASE_URL: serverUrl },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("npm run bench", () => {
  it("prints its options with --help and exits 0", () => {
    const result = bench("--help");
    expect(result.status).toBe(0);
    for (const option of ["--scale", "--seconds", "--db", "--reuse", "--record", "--help"]) expect(result.stdout).toContain(option);
  });

  it("refuses an unknown option with the options", () => {
    const result = bench("--recrod");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown or incomplete option --recrod");
  });

  it("refuses a database it did not create, with or without --reuse, and leaves it and its data alone", async () => {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create database ${foreign}`);
      const sql = postgres(withDatabase(serverUrl, foreign), { max: 1, onnotice: () => {} });
      await sql`create table precious (v int)`;
      await sql`insert into precious values (42)`;
      await sql.end();
      for (const args of [
        ["--db", foreign],
        ["--db", foreign, "--reuse"],
      ]) {
        const result = bench(...args, "--scale", "0.001", "--seconds", "0.1");
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(`database ${foreign} exists and was not created by npm run bench`);
      }
      const check = postgres(withDatabase(serverUrl, foreign), { max: 1, onnotice: () => {} });
      expect(await check`select v from precious`).toEqual([{ v: 42 }]);
      await check.end();
    } finally {
      await admin.end();
    }
  });
});
