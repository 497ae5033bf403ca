// Beyond the corpus: seeded random mutations of the corpus's valid documents (keys dropped, added and
// renamed, values swapped for near-miss values, rows and blocks duplicated) — many with several
// problems at once — must get the same answer, word for word, from the database and from TypeScript.
// And the TypeScript model of the 64 KiB limit must count exactly the bytes Postgres prints.
import { describe, expect, it } from "vitest";
import { contentProblem, jsonbTextBytes } from "../../functions/_shared/content-blocks.ts";
import { anon, useTestDatabase } from "../helpers/db.ts";
import { type ContentProblem, loadCorpus } from "./corpus.ts";

const db = useTestDatabase();

/** mulberry32: a small deterministic generator, so a failure reproduces. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const keys = [
  "type",
  "value",
  "meta",
  "format",
  "alt",
  "width",
  "height",
  "autoplay",
  "provider",
  "title",
  "start",
  "end",
  "location",
  "day",
  "time",
  "activity",
  "target",
  "currency",
  "link",
  "blocks",
  "schema_version",
  "id",
  "x",
  "Ω",
  'a"b',
  "__proto__",
];
const leaves: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  1.5,
  2,
  640,
  100000,
  100001,
  1e12,
  1e12 + 0.5,
  1e21,
  5e-324,
  1757527200,
  0.1 + 0.2,
  "",
  "x",
  " ",
  "Mon",
  "mon",
  "Sun",
  "00:00",
  "23:59",
  "24:00",
  "9:00",
  "text",
  "image",
  "video",
  "embed",
  "event",
  "schedule",
  "donation",
  "gif",
  "plain",
  "markdown",
  "html",
  "youtube",
  "vimeo",
  "spotify",
  "twitter",
  "tiktok",
  "USD",
  "usd",
  "XAU",
  "JPY",
  "https://www.youtube.com/watch?v=1",
  "https://youtu.be/x",
  "https://vimeo.com/1",
  "https://open.spotify.com/track/1",
  "https://www.evil.com/a",
  "http://cdn.example.com/a.jpg",
  "https://cdn.example.com/a.jpg",
  "https://cdn.example.com:8080/a.jpg",
  "post-media/0b8f2c4e-3f5a-4c1d-9e2b-7a6f5d4c3b2a/a.jpg",
  "javascript:alert(1)",
  "2025-09-10T18:00Z",
  "2025-09-10T17:00+02:00",
  "2025-09-10T18:00:00.000001Z",
  "2025-02-29T10:00Z",
  "2024-02-29T10:00:00.123456-05:00",
  "2025-09-10T18:00",
  "2025-09-10",
];
const pieces = ["a", "é", "字", "😀", "👍🏽", "e\u0301", "\n", '"', "\\", "\u0001", " ", "𝄞", "/", "<b>"];
const lengths = [0, 1, 2, 199, 200, 201, 499, 500, 501, 2048, 9999, 10000, 10001];

function mutator(random: () => number, samples: Json[]) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const text = (): string => {
    const n = random() < 0.3 ? pick(lengths) : Math.floor(random() * 12);
    const piece = pick(pieces);
    return random() < 0.5 ? piece.repeat(n) : Array.from({ length: Math.min(n, 40) }, () => pick(pieces)).join("");
  };
  const value = (depth = 0): Json => {
    const r = random();
    if (r < 0.45) return structuredClone(pick(leaves));
    if (r < 0.6) return text();
    if (r < 0.7) return random() * 10 ** Math.floor(random() * 30 - 10) * (random() < 0.2 ? -1 : 1);
    if (r < 0.85 || depth > 2) return structuredClone(pick(samples));
    if (r < 0.93) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
    const o: { [key: string]: Json } = {};
    for (let i = Math.floor(random() * 3); i > 0; i--) put(o, pick(keys), value(depth + 1));
    return o;
  };
  // defineProperty, so a "__proto__" key is data as JSON.parse makes it.
  const put = (o: { [key: string]: Json }, key: string, v: Json) =>
    Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });

  type Node = { parent: Json[] | { [key: string]: Json }; key: string | number; depth: number };
  const nodes = (root: Json): Node[] => {
    const found: Node[] = [];
    const walk = (node: Json, depth: number) => {
      if (Array.isArray(node)) {
        node.forEach((child, i) => {
          found.push({ parent: node, key: i, depth });
          walk(child, depth + 1);
        });
      } else if (node !== null && typeof node === "object") {
        for (const [k, child] of Object.entries(node)) {
          found.push({ parent: node, key: k, depth });
          walk(child, depth + 1);
        }
      }
    };
    walk(root, 0);
    return found;
  };

  return (doc: Json): Json => {
    const root = structuredClone(doc);
    for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
      const all = nodes(root);
      if (all.length === 0) break;
      // Mostly inside blocks (values, meta, rows), where the type-specific rules live.
      const deep = all.filter((n) => n.depth >= 3);
      const { parent, key } = pick(deep.length > 0 && random() < 0.7 ? deep : all);
      const op = random();
      if (Array.isArray(parent)) {
        const i = key as number;
        if (op < 0.25) parent.splice(i, 1);
        else if (op < 0.45) parent.splice(i, 0, structuredClone(parent[i] as Json));
        else parent[i] = value();
      } else if (op < 0.25) {
        delete parent[key as string];
      } else if (op < 0.45) {
        put(parent, pick(keys), value());
      } else if (op < 0.55) {
        const v = parent[key as string] as Json;
        delete parent[key as string];
        put(parent, pick(keys), v);
      } else {
        put(parent, key as string, value());
      }
    }
    return root;
  };
}

async function databaseProblems(docs: Json[]): Promise<ContentProblem[]> {
  const results: ContentProblem[] = [];
  for (let i = 0; i < docs.length; i += 100) {
    const texts = docs.slice(i, i + 100).map((d) => JSON.stringify(d));
    const rows = await db().request(
      anon,
      (tx) => tx<{ p: ContentProblem }[]>`select public.validate_content(u.doc::jsonb) as p
        from unnest(${texts}::text[]) with ordinality as u (doc, n) order by u.n`,
      { path: "/rpc/validate_content" },
    );
    results.push(...rows.map((r) => r.p));
  }
  return results;
}

describe("the enforcers agree beyond the corpus", () => {
  it("on 3,000 mutated documents, word for word", async () => {
    const valid = loadCorpus()
      .filter((c) => c.problem === null)
      .map((c) => c.content as Json);
    const small = valid.filter((d) => JSON.stringify(d).length < 4000);
    const blocks = small.flatMap((d) => ((d as { blocks: Json[] }).blocks ?? []).slice(0, 3));
    const random = generator(20261127);
    const mutate = mutator(random, blocks);
    const docs = Array.from({ length: 3000 }, () =>
      mutate(random() < 0.05 ? (valid[Math.floor(random() * valid.length)] ?? null) : (small[Math.floor(random() * small.length)] ?? null)),
    );

    const fromDatabase = await databaseProblems(docs);
    const same = (p: ContentProblem | undefined) => (p ? { block: p.block, rule: p.rule, message: p.message } : p);
    const mismatches = docs
      .map((doc, i) => ({ doc: JSON.stringify(doc).slice(0, 400), database: same(fromDatabase[i]), typescript: same(contentProblem(doc)) }))
      .filter((m) => JSON.stringify(m.database) !== JSON.stringify(m.typescript));
    expect(mismatches.slice(0, 3)).toEqual([]);

    // The mutations reach most rules, and leave some documents valid.
    const rules = new Set(fromDatabase.map((p) => p?.rule ?? "valid"));
    expect(rules.size).toBeGreaterThanOrEqual(35);
    expect(rules.has("valid")).toBe(true);
  });

  it("on the size of any JSON value as jsonb text, byte for byte", async () => {
    const random = generator(7);
    const samples = loadCorpus()
      .filter((c) => c.problem?.rule !== "content.unsupported_character")
      .map((c) => c.content as Json)
      .filter((d) => JSON.stringify(d).length < 4000);
    const mutate = mutator(random, samples);
    const numbers: Json[] = [
      0,
      -0,
      1,
      -1,
      0.5,
      1e-7,
      1.5e-7,
      123.456,
      1e21,
      1.2345e25,
      -1e-300,
      5e-324,
      1.7976931348623157e308,
      2 ** 53 + 2,
    ];
    for (let i = 0; i < 200; i++) numbers.push((random() - 0.5) * 10 ** Math.floor(random() * 60 - 30));
    const values: Json[] = [...numbers, ...Array.from({ length: 300 }, () => mutate({ blocks: [{ type: "text", value: "x" }], n: 1 }))];
    const texts = values.map((v) => JSON.stringify(v));
    const rows = await db().admin<{ bytes: number }[]>`select octet_length(u.doc::jsonb::text) as bytes
      from unnest(${texts}::text[]) with ordinality as u (doc, n) order by u.n`;
    expect(values.map((v) => jsonbTextBytes(v))).toEqual(rows.map((r) => r.bytes));
  });
});
