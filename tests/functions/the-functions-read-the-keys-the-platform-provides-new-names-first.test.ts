// functions/_shared/env.ts on real Deno, with the variables a hosted project provides
// (https://supabase.com/docs/guides/functions/secrets, "Default secrets"): the JSON dictionaries
// SUPABASE_PUBLISHABLE_KEYS / SUPABASE_SECRET_KEYS first, then the legacy SUPABASE_ANON_KEY /
// SUPABASE_SERVICE_ROLE_KEY, then the singular fallbacks. Each case runs `deno eval` in a process
// whose environment holds exactly the listed variables.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/migrations.ts";

const base = { SUPABASE_URL: "https://abcdefghijklmnop.supabase.co", SUPABASE_DB_URL: "postgres://postgres@127.0.0.1:5432/postgres" };

/** loadEnv() in Deno with exactly these variables: the keys it resolved, or the error it threw. */
function loadEnvInDeno(vars: Record<string, string>): { ok: true; keys: Record<string, unknown> } | { ok: false; error: string } {
  const script = `
    import { loadEnv } from ${JSON.stringify(join(repoRoot, "functions/_shared/env.ts"))};
    try {
      const env = loadEnv();
      console.log(JSON.stringify({ ok: true, keys: { publishable: env.PUBLISHABLE_KEY, secret: env.SECRET_KEY ?? null, jwtSecret: env.JWT_SECRET ?? null, from: env.MAIL_FROM ?? null } }));
    } catch (error) {
      console.log(JSON.stringify({ ok: false, error: error.message }));
    }`;
  const result = spawnSync(
    join(repoRoot, "node_modules/.bin/deno"),
    ["eval", "--node-modules-dir=manual", "--config", join(repoRoot, "functions/deno.json"), script],
    { cwd: repoRoot, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NO_COLOR: "1", ...vars }, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`deno eval failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
}

describe("the functions' environment", () => {
  it("takes the default key of SUPABASE_PUBLISHABLE_KEYS / SUPABASE_SECRET_KEYS before the legacy keys", () => {
    expect(
      loadEnvInDeno({
        ...base,
        SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ web: "sb_publishable_web", default: "sb_publishable_default" }),
        SUPABASE_SECRET_KEYS: JSON.stringify({ default: "sb_secret_default" }),
        SUPABASE_ANON_KEY: "legacy-anon-jwt",
        SUPABASE_SERVICE_ROLE_KEY: "legacy-service-jwt",
      }),
    ).toEqual({ ok: true, keys: { publishable: "sb_publishable_default", secret: "sb_secret_default", jwtSecret: null, from: null } });
  });

  it("takes the first key of a dictionary without a default one", () => {
    expect(
      loadEnvInDeno({
        ...base,
        SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ mobile: "sb_publishable_mobile" }),
        SUPABASE_SECRET_KEYS: "{}",
      }),
    ).toMatchObject({ ok: true, keys: { publishable: "sb_publishable_mobile", secret: null } });
  });

  it("falls back to the legacy SUPABASE_ANON_KEY / SUPABASE_SERVICE_ROLE_KEY, then to the singular names", () => {
    expect(loadEnvInDeno({ ...base, SUPABASE_ANON_KEY: "legacy-anon-jwt", SUPABASE_SERVICE_ROLE_KEY: "legacy-service-jwt" })).toMatchObject(
      {
        ok: true,
        keys: { publishable: "legacy-anon-jwt", secret: "legacy-service-jwt" },
      },
    );
    expect(loadEnvInDeno({ ...base, SUPABASE_PUBLISHABLE_KEY: "sb_publishable_one", SUPABASE_SECRET_KEY: "sb_secret_one" })).toMatchObject({
      ok: true,
      keys: { publishable: "sb_publishable_one", secret: "sb_secret_one" },
    });
  });

  it("reads our own settings under names of our own (SUPABASE_* cannot be set as secrets): AUTH_JWT_SECRET, MAIL_FROM", () => {
    expect(
      loadEnvInDeno({
        ...base,
        SUPABASE_ANON_KEY: "a",
        AUTH_JWT_SECRET: "operator-given-secret",
        MAIL_FROM: "Threads <no-reply@threads.example>",
      }),
    ).toMatchObject({ ok: true, keys: { jwtSecret: "operator-given-secret", from: "Threads <no-reply@threads.example>" } });
  });

  it("refuses to start without a publishable key, or with a key dictionary that is not JSON, naming the variable", () => {
    const none = loadEnvInDeno({ ...base });
    expect(none).toMatchObject({ ok: false });
    expect((none as { error: string }).error).toMatch(
      /PUBLISHABLE_KEY.*SUPABASE_PUBLISHABLE_KEYS, SUPABASE_ANON_KEY or SUPABASE_PUBLISHABLE_KEY/,
    );
    const broken = loadEnvInDeno({ ...base, SUPABASE_ANON_KEY: "a", SUPABASE_SECRET_KEYS: "sb_secret_not_json" });
    expect(broken).toMatchObject({ ok: false });
    expect((broken as { error: string }).error).toMatch(/SUPABASE_SECRET_KEYS: not a JSON object of keys/);
  });
});
