// One source for the shared constants: functions/_shared/content-rules.json. The database's
// private.content_rules() is generated from it (sql/30_content_rules.sql, `npm run db:content`, checked
// by npm test); this proves what the migrated database returns: the two must be equal, key for key, in the same order
// where order matters (rule codes, block types, providers, days, currencies).
import { describe, expect, it } from "vitest";
import { contentRules } from "../../functions/_shared/content-blocks.ts";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

describe("private.content_rules()", () => {
  it("equals content-rules.json: limits, rule codes, provider hosts, currencies and patterns", async () => {
    const [row] = await db().admin<{ rules: unknown }[]>`select private.content_rules() as rules`;
    expect(row?.rules).toEqual(contentRules);
  });
});
