// The security gates, through the real Supabase CLI, on a freshly migrated database.
import { describe, expect, it } from "vitest";
import { advisorFindings, lintFindings } from "../../scripts/lib/gates.ts";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

describe("database gates", () => {
  it("supabase db advisors (security and performance) report nothing but unused indexes", async () => {
    expect(await advisorFindings(db().url)).toEqual([]);
  });

  it("supabase db lint (plpgsql_check) reports no warning or error in public and private", async () => {
    expect(await lintFindings(db().url)).toBe("");
  });
});
