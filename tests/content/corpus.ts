// Loads tests/fixtures/content-corpus.json: [{name, content, problem: null | {block, rule}}].
// Long strings and arrays are written as {"$repeat": x, "times": n, "prefix"?, "suffix"?}: a string x
// becomes prefix + x repeated n times + suffix, any other x an array of n copies. Nothing else is rewritten.
import { readFileSync } from "node:fs";
import type { Actor, TestDatabase } from "../helpers/db.ts";

export interface CorpusCase {
  name: string;
  content: unknown;
  problem: { block: number | null; rule: string } | null;
}

export function expandCorpusValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expandCorpusValue);
  if (value !== null && typeof value === "object") {
    const node = value as Record<string, unknown>;
    if (Object.hasOwn(node, "$repeat")) {
      const item = expandCorpusValue(node.$repeat);
      const times = Number(node.times);
      if (typeof item === "string") return `${node.prefix ?? ""}${item.repeat(times)}${node.suffix ?? ""}`;
      return Array.from({ length: times }, () => structuredClone(item));
    }
    // Object.fromEntries keeps a "__proto__" key as data, as JSON.parse does.
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expandCorpusValue(v)]));
  }
  return value;
}

export function loadCorpus(): CorpusCase[] {
  const raw = JSON.parse(readFileSync(new URL("../fixtures/content-corpus.json", import.meta.url), "utf8")) as CorpusCase[];
  return raw.map((c) => ({ ...c, content: expandCorpusValue(c.content) }));
}

export type ContentProblem = { block: number | null; rule: string; message: string } | null;

/**
 * POST /rpc/validate_content as a client (anon or a user) sends it. The argument is bound once as JSON
 * text: db().rpc() serializes object arguments itself and postgres.js then encodes that text again for a
 * jsonb parameter, which would turn every object into a JSON string.
 */
export async function validateAsClient(db: TestDatabase, actor: Actor, content: unknown): Promise<ContentProblem> {
  const json = content === undefined ? null : JSON.stringify(content);
  const rows = await db.request(
    actor,
    (tx) => tx<{ result: ContentProblem }[]>`select public.validate_content(content := ${json}::text::jsonb) as result`,
    {
      path: "/rpc/validate_content",
    },
  );
  return rows[0]?.result ?? null;
}
