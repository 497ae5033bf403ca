// `npm test` checks the machine before anything else: an unreachable PostgreSQL is one explanation
// and the fix, exit 1, at once (no tsc, no vitest, no stack trace).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/migrations.ts";
import { freePort } from "../helpers/edge-functions.ts";

describe("npm test on a machine without PostgreSQL", () => {
  it("says PostgreSQL is not reachable at the URL, gives the command that starts it, and exits 1", async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/test.ts"], {
      cwd: repoRoot,
      env: { ...process.env, TEST_DATABASE_URL: url },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`PostgreSQL is not reachable at ${url}`);
    expect(result.stderr).toContain("pg_ctlcluster --skip-systemctl-redirect 15 main start");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toContain("▶");
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
