// npm run bench:ab -- --db <name> --variant 'name=statement' [--variant …] [--readers typical|heavy|light]
// [--rounds n] [--scale n]; --help.
// Compares statements on a database `npm run bench` loaded, timed inside the server exactly as the
// bench's in-db cells are (harness.ts serverTime: a PostgREST-like transaction as the reader, EXPLAIN
// ANALYZE planning + execution), interleaved: each reader gets pk_select and one of the variants, taking
// turns, in a random order. Both matter (issue 16, docs/feeds.md): a statement run right after another
// one that read the same reader's rows runs up to 25 % faster (the rows are in the CPU caches), and a
// fixed rotation gives the variant that follows the baseline a handicap that looks like a difference.
// Prints each variant's p50 and p99 and its ratio to pk_select from the same run. `$1` in a
// statement is the reader's id. Every transaction is read-only: a variant that writes fails.

import { parseArgs } from "node:util";
import postgres from "postgres";
import { withDatabase } from "../scripts/lib/database.ts";
import { shapeFor } from "./dataset.ts";
import {
  benchReaders,
  percentile,
  pkSelectPosts,
  pkSelectText,
  type ReaderKind,
  type Request,
  readerKinds,
  serverTime,
} from "./harness.ts";

const usage = `npm run bench:ab -- --db <name> --variant 'name=statement' [--variant …] [options]

  --db <name>         a database loaded by npm run bench (required)
  --variant <n=sql>   a statement to time as the reader; $1 is the reader's id (repeatable)
  --readers <kind>    the bench's typical (200 following 10–200), heavy (50 following ≥ 500) or
                      light (200 following 1–20) readers; default typical
  --rounds <n>        passes over the readers (default 3; the first 20 readers, or half of
                      fewer than 40, are warm-up);
                      each pass, each reader gets pk_select and one variant, taking turns
  --scale <n>         the scale the database was loaded at, for its active readers (default 1)
  --help              this text

  Every transaction is read-only (a variant that writes fails with 25006).
  BENCH_DATABASE_URL  the server (default postgres://postgres@127.0.0.1:5432/postgres)`;

function refuse(problem: string): never {
  console.error(`npm run bench:ab: ${problem}\n\n${usage}`);
  process.exit(2);
}
function options() {
  try {
    return parseArgs({
      options: {
        db: { type: "string" },
        variant: { type: "string", multiple: true },
        readers: { type: "string", default: "typical" },
        rounds: { type: "string", default: "3" },
        scale: { type: "string", default: "1" },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    // an unknown option, or a value parseArgs takes for an option (--scale -1): said, not thrown
    return refuse((error as Error).message);
  }
}
const values = options();
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const variants = (values.variant ?? []).map((v) => {
  const at = v.indexOf("=");
  return at < 1 ? { name: "", text: "" } : { name: v.slice(0, at), text: v.slice(at + 1) };
});
if (!values.db || variants.length === 0 || variants.some((v) => !v.name || !v.text)) {
  refuse("--db and at least one --variant name=statement are required");
}
const names = variants.map((v) => v.name);
if (names.includes("pk_select") || new Set(names).size < names.length) refuse("variant names are distinct and not pk_select");
if (!Object.hasOwn(readerKinds, values.readers)) refuse(`--readers is typical, heavy or light, not ${values.readers}`);
const kind = values.readers as ReaderKind;
const rounds = Number(values.rounds);
const scale = Number(values.scale);
if (!Number.isInteger(rounds) || rounds < 1) refuse(`--rounds is a whole number of at least 1, not ${values.rounds}`);
if (!(scale > 0)) refuse(`--scale is a positive number, not ${values.scale}`);

const sql = postgres(withDatabase(process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", values.db), {
  max: 1,
  onnotice: () => {},
  // every transaction read-only: a variant that writes fails (25006) instead of changing the data
  connection: { default_transaction_read_only: true },
});
try {
  const readers = await benchReaders(sql, kind, shapeFor(scale).activeReaders);
  const posts = await pkSelectPosts(sql);
  if (readers.length === 0 || posts.length === 0) throw new Error(`no ${values.readers} readers or no posts in ${values.db}`);

  // the baseline is the bench's pk_select cell: its statement, its posts
  const cells = [{ name: "pk_select", text: pkSelectText }, ...variants];
  const times = new Map<string, number[]>(cells.map((c) => [c.name, []]));
  // the first readers (plans and caches not yet warm) are not counted: 20, or half of a small set
  const warmUp = Math.min(20, Math.floor(readers.length / 2));
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [i, reader] of readers.entries()) {
      const post = posts[(i * 7919 + round) % posts.length] as string;
      // pk_select and one variant per reader, taking turns: a variant never runs right after another
      // one read the same reader's rows (that warms the CPU caches for it, up to 25 % faster)
      const variant = variants[(i + round) % variants.length] as (typeof cells)[number];
      const order = [cells[0] as (typeof cells)[number], variant].map((c) => ({ c, key: Math.random() })).sort((a, b) => a.key - b.key);
      for (const { c } of order) {
        // $1 is bound only where the statement names it (an unused parameter has no type)
        const params = /\$1\b/.test(c.text) ? [c.name === "pk_select" ? post : reader] : [];
        const req: Request = { role: "authenticated", user: reader, method: "GET", path: "/rpc/ab", text: c.text, params };
        const ms = await serverTime(sql, req);
        if (n >= warmUp) times.get(c.name)?.push(ms);
      }
      n++;
    }
  }
  for (const xs of times.values()) xs.sort((a, b) => a - b);
  const pk = percentile(times.get("pk_select") ?? [], 50);
  console.log(`${values.readers} readers: ${readers.length}, rounds: ${rounds}, in-db ms (planning + execution)`);
  for (const c of cells) {
    const xs = times.get(c.name) ?? [];
    const p50 = percentile(xs, 50);
    const p99 = percentile(xs, 99);
    console.log(
      `${c.name.padEnd(24)} p50 ${p50.toFixed(3)}  p99 ${p99.toFixed(3)}  ${(p50 / pk).toFixed(2)}× / ${(p99 / pk).toFixed(2)}× pk_select p50  n=${xs.length}`,
    );
  }
} finally {
  await sql.end();
}
