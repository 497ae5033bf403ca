// `npm run token -- <email>`: a token for an existing account; for an unknown one, one line saying the
// account does not exist, and exit 1.
import { spawnSync } from "node:child_process";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/migrations.ts";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

function token(email: string) {
  return spawnSync("npm", ["run", "--silent", "token", "--", email], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: db().url },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("npm run token", () => {
  it("mints a token for an existing account", async () => {
    const user = await db().signUp({ username: "token_owner" });
    const result = token(user.email);
    expect(result.status, result.stderr).toBe(0);
    expect(decodeJwt(result.stdout.trim())).toMatchObject({ sub: user.id, role: "authenticated" });
  });

  it("says in one line that an unknown account does not exist, and exits 1", () => {
    const result = token("nobody@example.test");
    expect(result.status).toBe(1);
    expect(result.stdout.trim()).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^npm run token: no account with the email nobody@example.test exists/),
    ]);
  });
});
