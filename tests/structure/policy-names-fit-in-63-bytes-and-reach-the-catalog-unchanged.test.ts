// PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1) with only a NOTICE, so a longer
// policy name is silently cut and pg_policies shows the cut name. This reads the names from the
// sources themselves (policies/ and sql/) and checks each against the limit and against the catalog.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/migrations.ts";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

/** Every `create policy "<name>" on <schema>.<table>` in the schema sources. */
function sourcePolicies(): { name: string; table: string; file: string }[] {
  const found: { name: string; table: string; file: string }[] = [];
  for (const dir of ["sql", "policies"]) {
    for (const file of readdirSync(join(repoRoot, dir)).filter((f) => f.endsWith(".sql"))) {
      const text = readFileSync(join(repoRoot, dir, file), "utf8");
      for (const m of text.matchAll(/create\s+policy\s+"((?:[^"]|"")+)"\s+on\s+([a-z_]+\.[a-z_]+)/gi)) {
        found.push({ name: (m[1] as string).replaceAll('""', '"'), table: m[2] as string, file: `${dir}/${file}` });
      }
      if (/alter\s+policy\s+"[^"]*"\s+on\s+\S+\s+rename/i.test(text)) {
        throw new Error(`${dir}/${file} renames a policy: create it under its final name instead`);
      }
    }
  }
  return found;
}

describe("policy names", () => {
  const policies = sourcePolicies();

  it("are found in the sources", () => {
    expect(policies.length).toBeGreaterThan(40);
  });

  it("are at most 63 bytes, so PostgreSQL keeps them whole", () => {
    const tooLong = policies
      .filter((p) => Buffer.byteLength(p.name, "utf8") > 63)
      .map((p) => `${p.file}: "${p.name}" (${Buffer.byteLength(p.name, "utf8")} bytes)`);
    expect(tooLong).toEqual([]);
  });

  it("are sentences without a trailing period", () => {
    expect(policies.filter((p) => !/^[A-Z][^.]*[^.\s]$/.test(p.name)).map((p) => p.name)).toEqual([]);
  });

  it("are exactly the names in the catalog, table by table", async () => {
    const rows = await db().admin<{ table: string; name: string }[]>`
      select schemaname || '.' || tablename as table, policyname as name from pg_policies
      where schemaname in ('public', 'private', 'storage', 'realtime')`;
    const key = (p: { table: string; name: string }) => `${p.table}: ${p.name}`;
    expect(rows.map(key).sort()).toEqual(policies.map(key).sort());
  });
});
