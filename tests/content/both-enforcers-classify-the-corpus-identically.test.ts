// Every document of the shared corpus goes through the database (public.validate_content, called as a
// client) and through the TypeScript enforcer (contentProblem); both must name the problem the corpus
// expects — the same block and rule — and word it identically.
import { describe, expect, it } from "vitest";
import { contentProblem, contentRules } from "../../functions/_shared/content-blocks.ts";
import { anon, useTestDatabase } from "../helpers/db.ts";
import { type ContentProblem, type CorpusCase, loadCorpus, validateAsClient } from "./corpus.ts";

const db = useTestDatabase();
const corpus = loadCorpus();

const classification = (p: ContentProblem) => (p === null ? null : { block: p.block, rule: p.rule });

// Postgres refuses these before any function runs (jsonb cannot hold them); only TypeScript can name them.
const unstorable = (c: CorpusCase) => c.problem?.rule === "content.unsupported_character";

describe("the content corpus", () => {
  it("has at least 60 uniquely named cases, valid ones and one or more for every rule code", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    expect(corpus.filter((c) => c.problem === null).length).toBeGreaterThanOrEqual(20);
    const covered = new Set(corpus.map((c) => c.problem?.rule).filter((rule) => rule !== undefined));
    expect(contentRules.rules.filter((rule) => !covered.has(rule))).toEqual([]);
    expect([...covered].filter((rule) => !contentRules.rules.includes(rule))).toEqual([]);
  });

  it.each(corpus.filter((c) => !unstorable(c)))("$name", async ({ content, problem }) => {
    const fromDatabase = await validateAsClient(db(), anon, content);
    const fromTypeScript = contentProblem(content);
    expect(classification(fromDatabase), "the database").toEqual(problem);
    expect(classification(fromTypeScript), "TypeScript").toEqual(problem);
    expect(fromTypeScript?.message, "the messages").toBe(fromDatabase?.message);
  });

  it.each(corpus.filter(unstorable))("$name: TypeScript names it, Postgres cannot receive it", async ({ content, problem }) => {
    expect(classification(contentProblem(content))).toEqual(problem);
    const refused = await validateAsClient(db(), anon, content).then(
      () => null,
      (error: { code?: string }) => error,
    );
    // jsonb cannot hold U+0000 (22P05) or an unpaired surrogate (22P02).
    expect(refused?.code).toMatch(/^22P0[25]$/);
  });
});

describe("validate_content", () => {
  it("answers anon and signed-in users alike", async () => {
    const user = await db().newUser("content_checker");
    const invalid = { blocks: [{ type: "embed", value: "https://www.evil.com/x", meta: { provider: "youtube" } }] };
    const valid = { blocks: [{ type: "text", value: "hello" }] };
    for (const actor of [anon, user]) {
      expect(await validateAsClient(db(), actor, valid)).toBeNull();
      expect(await validateAsClient(db(), actor, invalid)).toEqual({
        block: 0,
        rule: "embed.host",
        message: "content.blocks[0] (embed): host www.evil.com does not match provider youtube",
      });
    }
  });

  it("treats a missing argument (SQL null) like JSON null: not an object", async () => {
    const expected = { block: null, rule: "content.not_object", message: "content: must be a JSON object with a blocks array" };
    expect(await db().rpc(anon, "validate_content", { content: null })).toEqual(expected);
    expect(await validateAsClient(db(), anon, null)).toEqual(expected);
    expect(contentProblem(undefined)).toEqual(expected);
  });
});
