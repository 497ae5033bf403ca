import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedTypes, generateTypes } from "../../scripts/lib/types.ts";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

describe("the generated types (types/database.ts, types/private.ts)", () => {
  for (const { file, schema } of generatedTypes) {
    it(`${schema}: equals what postgres-meta generates from the migrated schema (run npm run db:types)`, async () => {
      const generated = await generateTypes(db().url, schema);
      expect(generated).toContain("export type Database");
      expect(readFileSync(file, "utf8")).toBe(generated);
    });
  }
});
