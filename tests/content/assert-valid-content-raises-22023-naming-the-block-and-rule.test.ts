// private.assert_valid_content is what post writes call: it passes valid content and refuses invalid
// content with SQLSTATE 22023, a message naming the block and the rule, the rule code in the hint and
// {"block", "rule"} as JSON in the detail — the same problem public.validate_content reports.
import { describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { validateAsClient } from "./corpus.ts";

const db = useTestDatabase();

function assertValid(actor: Actor, content: unknown) {
  return db().request(
    actor,
    (tx) => tx<{ ok: boolean }[]>`select private.assert_valid_content(${JSON.stringify(content)}::text::jsonb) as ok`,
  );
}

const embedOnEvilHost = {
  blocks: [
    { type: "text", value: "watch this" },
    { type: "embed", value: "https://www.evil.com/watch?v=1", meta: { provider: "youtube" } },
  ],
};

describe("private.assert_valid_content", () => {
  it("returns true for valid content", async () => {
    const writer = await db().newUser("content_writer");
    expect(await assertValid(writer, { blocks: [{ type: "text", value: "fine" }] })).toEqual([{ ok: true }]);
  });

  it("raises 22023 naming the block index, its type and the rule", async () => {
    const writer = await db().newUser("content_writer_2");
    const error = (await expectDbError(
      assertValid(writer, embedOnEvilHost),
      "22023",
      /^content\.blocks\[1\] \(embed\): host www\.evil\.com does not match provider youtube$/,
    )) as { detail?: string; hint?: string };
    expect(JSON.parse(error.detail ?? "null")).toEqual({ block: 1, rule: "embed.host" });
    expect(error.hint).toMatch(/^rule embed\.host;/);
  });

  it("raises the very problem validate_content reports, document-level ones with block null", async () => {
    const writer = await db().newUser("content_writer_3");
    const tooMany = { blocks: Array.from({ length: 51 }, () => ({ type: "text", value: "x" })) };
    for (const content of [
      embedOnEvilHost,
      tooMany,
      { blocks: [{ type: "schedule", value: [{ day: "Mon", time: "24:00", activity: "x" }] }] },
    ]) {
      const problem = await validateAsClient(db(), anon, content);
      const error = (await expectDbError(assertValid(writer, content), "22023")) as { message: string; detail?: string };
      expect(error.message).toBe(problem?.message);
      expect(JSON.parse(error.detail ?? "null")).toEqual({ block: problem?.block, rule: problem?.rule });
    }
    const error = await expectDbError(assertValid(writer, tooMany), "22023", /^content: blocks must hold 1–50 blocks, not 51$/);
    expect(JSON.parse((error as { detail?: string }).detail ?? "null")).toEqual({ block: null, rule: "content.block_count" });
  });

  it("is for write paths of signed-in users: anon may not call it", async () => {
    await expectDbError(assertValid(anon, embedOnEvilHost), "42501", /permission denied for function assert_valid_content/);
  });
});
