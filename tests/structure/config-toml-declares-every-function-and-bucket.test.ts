// supabase/config.toml is what deploys; it must agree with the code: every function directory is
// declared (entrypoint under ../functions, verify_jwt explicit) and served by the dev router, and
// every storage bucket the migrations create is declared with the same limits.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/migrations.ts";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

interface Config {
  db: { major_version: number; seed: { sql_paths: string[] } };
  functions: Record<string, { entrypoint: string; verify_jwt: boolean; import_map: string }>;
  storage: { buckets: Record<string, { public: boolean; file_size_limit: string; allowed_mime_types: string[] }> };
  auth: { email: { enable_confirmations: boolean }; hook: { custom_access_token: { enabled: boolean; uri: string } } };
}

const config = parse(readFileSync(join(repoRoot, "supabase/config.toml"), "utf8")) as unknown as Config;
const functionDirs = readdirSync(join(repoRoot, "functions"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
  .map((d) => d.name)
  .sort();

function bytes(size: string): number {
  const m = /^(\d+)(KiB|MiB|GiB)$/.exec(size);
  if (!m) throw new Error(`unexpected size ${size}`);
  return Number(m[1]) * { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[2] as "KiB" | "MiB" | "GiB"];
}

describe("supabase/config.toml", () => {
  it("declares every function directory with its entrypoint, import map and an explicit verify_jwt", () => {
    expect(Object.keys(config.functions).sort()).toEqual(functionDirs);
    for (const name of functionDirs) {
      expect(config.functions[name]).toMatchObject({ entrypoint: `../functions/${name}/index.ts`, import_map: "../functions/deno.json" });
      expect(typeof config.functions[name]?.verify_jwt).toBe("boolean");
    }
  });

  it("names the same functions the dev router serves", () => {
    const registry = readFileSync(join(repoRoot, "functions/_dev/registry.ts"), "utf8");
    // "name": factory, or the shorthand of a name that needs no quotes
    const served = [...registry.matchAll(/^\s+(?:"([a-z0-9-]+)": |([a-z0-9]+),$)/gm)].map((m) => m[1] ?? m[2]).sort();
    expect(served).toEqual(functionDirs);
  });

  it("pins Postgres 15, requires email confirmation and enables our access-token hook", () => {
    expect(config.db.major_version).toBe(15);
    expect(config.auth.email.enable_confirmations).toBe(true);
    expect(config.auth.hook.custom_access_token).toEqual({ enabled: true, uri: "pg-functions://postgres/public/custom_access_token_hook" });
    expect(config.db.seed.sql_paths).toEqual(["../seed/*.sql"]);
  });

  it("declares each bucket the migrations create, with the same visibility and limits", async () => {
    const rows = await db().admin<{ id: string; public: boolean; file_size_limit: string; allowed_mime_types: string[] }[]>`
      select id, public, file_size_limit::text, allowed_mime_types from storage.buckets order by id`;
    const declared = Object.entries(config.storage.buckets)
      .map(([id, b]) => ({
        id,
        public: b.public,
        file_size_limit: String(bytes(b.file_size_limit)),
        allowed_mime_types: b.allowed_mime_types,
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(rows).toEqual(declared);
  });
});
