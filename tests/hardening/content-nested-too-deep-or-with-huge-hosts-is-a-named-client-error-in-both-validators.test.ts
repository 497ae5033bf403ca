// Issue 14, finding 6: bad input is a client error, never a server error. Content nested thousands of
// levels deep is refused by the depth rule (content.too_deep) before anything walks it, in the
// database and in TypeScript alike (TypeScript's postContent used to overflow its stack); a URL's host
// is bounded (253 characters, the DNS limit) before the backtracking URL pattern runs.
import { describe, expect, it } from "vitest";
import { contentProblem, postContent } from "../../functions/_shared/content-blocks.ts";
import { anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const db = useTestDatabase();

/** A text block whose meta is `levels` nested arrays, as JSON text and as a JS value. */
function deepDocument(levels: number): { text: string; value: unknown } {
  let meta: unknown = [];
  for (let i = 1; i < levels; i++) meta = [meta];
  return {
    text: `{"blocks":[{"type":"text","value":"x","meta":${"[".repeat(levels)}${"]".repeat(levels)}}]}`,
    value: { blocks: [{ type: "text", value: "x", meta }] },
  };
}

const tooDeep = { block: null, rule: "content.too_deep", message: "content: arrays and objects nest at most 8 levels deep" };

describe("content nested deeper than 8 levels", () => {
  it("is content.too_deep for validate_content, create_post and both TypeScript entry points, 14,000 levels deep", async () => {
    const deep = deepDocument(14_000);
    const viaRpc = await db().request(anon, (tx) => tx<{ p: unknown }[]>`select public.validate_content(${deep.text}::text::jsonb) as p`);
    expect(viaRpc[0]?.p).toEqual(tooDeep);
    const author = await db().newUser("deep_author");
    const error = await expectDbError(
      db().request(author, (tx) => tx`select public.create_post(content := ${deep.text}::text::jsonb)`),
      "22023",
      /^content: arrays and objects nest at most 8 levels deep$/,
    );
    expect(JSON.parse((error as { detail?: string }).detail ?? "null")).toEqual({ block: null, rule: "content.too_deep" });
    expect(contentProblem(deep.value)).toEqual(tooDeep);
    const parsed = postContent.safeParse(deep.value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(tooDeep.message);
  });

  it("20,000 levels: TypeScript names the rule; Postgres's JSON parser refuses the text before any function runs", async () => {
    const deep = deepDocument(20_000);
    expect(contentProblem(deep.value)).toEqual(tooDeep);
    expect(postContent.safeParse(deep.value).success).toBe(false);
    // Not our code: reading the request body as json already exceeds the stack (docs/content-blocks.md).
    await expectDbError(
      db().request(anon, (tx) => tx`select ${deep.text}::text::json is not null`),
      "54001",
    );
  });
});

describe("URL hosts", () => {
  it("longer than 253 characters are refused without running the URL pattern on them", async () => {
    const host = `${"a-".repeat(1015)}a.com`;
    const blocks = Array.from({ length: 30 }, () => ({ type: "image", value: `https://${host}/p.jpg` }));
    const started = Date.now();
    const viaRpc = await db().request(
      anon,
      (tx) => tx<{ p: { rule: string } }[]>`select public.validate_content(${JSON.stringify({ blocks })}::text::jsonb) as p`,
    );
    expect(viaRpc[0]?.p.rule).toBe("image.value");
    expect(contentProblem({ blocks })?.rule).toBe("image.value");
    // 30 such hosts cost ~3 s before the bound (anon's statement_timeout is 3 s); now a few ms each.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
