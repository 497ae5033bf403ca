// `supabase config push` sends supabase/config.toml to the hosted project, so nothing local may be
// written in it literally: the site URL and redirect URLs come from env(), and so do Auth's SMTP
// settings (turned on at push time, README "Deploy"). The CLI pinned in package.json (2.117.0) must load
// it without a warning (the old [inbucket] section made every command warn), the CLI's local state
// (supabase/.temp/) is never committed, and every function checks its callers itself, since the
// gateway's verify_jwt cannot verify tokens of the new signing keys
// (https://supabase.com/docs/guides/functions/auth).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/migrations.ts";

const text = readFileSync(join(repoRoot, "supabase/config.toml"), "utf8");
const config = parse(text) as {
  auth: Record<string, unknown> & { email: { smtp: Record<string, unknown> } };
  local_smtp?: { enabled: boolean };
  inbucket?: unknown;
  functions: Record<string, { verify_jwt: boolean }>;
};
const local = /127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0/;

/** Every string value below a table, with its dotted path. */
function strings(value: unknown, path: string): [string, string][] {
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  return [];
}

describe("supabase/config.toml for `supabase config push`", () => {
  it("takes the site URL and the redirect URLs from the environment, and holds no local address in [auth]", () => {
    expect(config.auth.site_url).toBe("env(SITE_URL)");
    expect(config.auth.additional_redirect_urls).toEqual(["env(ADDITIONAL_REDIRECT_URL)"]);
    expect(strings(config.auth, "auth").filter(([, v]) => local.test(v))).toEqual([]);
  });

  it("configures Auth's SMTP from the environment: every setting an env() reference, off unless the push turns it on", () => {
    const smtp = config.auth.email.smtp;
    expect(smtp).toEqual({
      enabled: false,
      host: "env(AUTH_SMTP_HOST)",
      port: 465,
      user: "env(AUTH_SMTP_USER)",
      pass: "env(AUTH_SMTP_PASS)",
      admin_email: "env(AUTH_SMTP_ADMIN_EMAIL)",
      sender_name: "env(AUTH_SMTP_SENDER_NAME)",
    });
  });

  it("uses [local_smtp], not the deprecated [inbucket], and the pinned CLI loads the file without a warning", () => {
    expect(config.inbucket).toBeUndefined();
    expect(config.local_smtp?.enabled).toBe(true);
    // `supabase status` loads and validates the config first; without a running stack it then fails,
    // which is fine here: only what it printed about the config matters.
    const run = spawnSync(join(repoRoot, "node_modules/.bin/supabase"), ["status", "--workdir", repoRoot], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
      timeout: 60_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    expect(output).not.toMatch(/WARN|deprecated|Unknown config fields|failed to read config/i);
  });

  it("never commits the CLI's local state (supabase/.temp/)", () => {
    expect(readFileSync(join(repoRoot, ".gitignore"), "utf8").split("\n")).toContain("supabase/.temp/");
    const tracked = execFileSync("git", ["ls-files", "supabase/.temp"], { cwd: repoRoot, encoding: "utf8" });
    expect(tracked).toBe("");
  });

  it("turns the gateway's JWT check off for every function, each of which checks its callers itself", () => {
    for (const [name, fn] of Object.entries(config.functions)) {
      expect({ name, verify_jwt: fn.verify_jwt }).toEqual({ name, verify_jwt: false });
      const app = readFileSync(join(repoRoot, "functions", name, "app.ts"), "utf8");
      // auth-login is the one public function: it answers with Supabase Auth's own password check.
      if (name === "auth-login") expect(app).toMatch(/passwordIsRight|grant_type=password/);
      else expect(app).toMatch(/verifyBearer\(|isServiceKey\(|requireServiceKey\(/);
    }
  });

  it("documents in .env.example every variable config.toml, the functions and the e2e suite read", () => {
    const example = readFileSync(join(repoRoot, ".env.example"), "utf8");
    const envTs = readFileSync(join(repoRoot, "functions/_shared/env.ts"), "utf8");
    const derived = new Set(["PUBLISHABLE_KEY", "SECRET_KEY", "JWT_SECRET"]); // resolved from the others
    const names = new Set([
      ...[...text.matchAll(/env\(([A-Z0-9_]+)\)/g)].map((m) => m[1] as string),
      ...[...envTs.matchAll(/^ {2}([A-Z0-9_]+): z\./gm)].map((m) => m[1] as string).filter((n) => !derived.has(n)),
      ...[...envTs.matchAll(/source(?:\.|\[")([A-Z0-9_]+)/g)].map((m) => m[1] as string),
      ...[...envTs.matchAll(/namedKey\(source, "([A-Z0-9_]+)"/g)].map((m) => m[1] as string),
      ...[...readFileSync(join(repoRoot, "tests/e2e/stack.ts"), "utf8").matchAll(/process\.env\.([A-Z0-9_]+)/g)].map((m) => m[1] as string),
      "SUPABASE_AUTH_EMAIL_SMTP_ENABLED",
    ]);
    expect(names.size).toBeGreaterThan(25);
    const missing = [...names].filter((n) => !new RegExp(`^#? ?${n}=`, "m").test(example));
    expect(missing).toEqual([]);
  });
});
