import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateTypes, typesFile } from "../../scripts/lib/types.ts";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

describe("types/database.ts", () => {
  it("equals what postgres-meta generates from the migrated schema (run npm run db:types)", async () => {
    const generated = await generateTypes(db().url);
    expect(generated).toContain("export type Database");
    expect(readFileSync(typesFile, "utf8")).toBe(generated);
  });
});
