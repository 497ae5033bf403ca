// The cost of the throttles (sql/79_throttles.sql), issue 18's target "≤ 1.1×": the same writes with
// the throttle trigger on and off, in the same run, on the same database, interleaved.
//
//   npx tsx bench/throttles.ts [--scale 0.01] [--rounds 8] [--batch 40] [--out file.json] [--db-prefix p_]
//
// It builds its own throwaway database (bootstrap + migrations + bench/dataset.ts at the given scale,
// named <db-prefix>throttles_bench_<random>, dropped at the end; a prefix names whose it is on a
// shared server) on BENCH_DATABASE_URL's server. Or call
// throttleCost(pools) on a database `npm run bench` loaded.
//
// Method. Every limit is raised out of reach, so each write takes the allowed path (the bucket update)
// and none is refused. Every write is a *new* row (a fresh post, comment, reaction pair, follow pair):
// the triggers fire on insert only, so a repeated reaction would measure nothing. "Off" disables the
// table's throttle triggers (those calling private.throttle_row), the true baseline; "on" is the
// product as deployed. Rounds alternate on/off and off/on (ABBA) so that drift on a shared machine
// falls on both sides; after every switch a few requests run unrecorded (the switch invalidates the
// cached plans). Two clocks: the client's wall time per request (PostgREST's transaction shape,
// bench/harness.ts) and the server's (EXPLAIN ANALYZE of the same statement, triggers included).
// The ratio is p50(on) / p50(off) per clock. A third figure needs no "off" side at all, so a loaded
// machine cannot skew it: EXPLAIN ANALYZE reports each trigger's own time, and trigger_ratio is
// the p50 over requests of server time / (server time minus the throttle triggers' time).
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import postgres from "postgres";
import { applyPlatformBootstrap, createDatabase, dropDatabase, pushMigrations, withDatabase } from "../scripts/lib/database.ts";
import { generate, shapeFor } from "./dataset.ts";
import { type Request, request } from "./harness.ts";

type Pools = { api: postgres.Sql; owner: postgres.Sql };

interface Write {
  name: string;
  /** tables whose throttle_row triggers are switched */
  tables: string[];
  /** the i-th request (a new row each time) */
  next: (i: number) => Request;
  /** how many distinct requests it can make */
  capacity: number;
}

export interface ThrottleCost {
  write: string;
  n: number;
  client_p50_on_ms: number;
  client_p50_off_ms: number;
  client_ratio: number;
  server_p50_on_ms: number;
  server_p50_off_ms: number;
  server_ratio: number;
  /** the throttle triggers' own time inside the "on" requests (EXPLAIN ANALYZE's trigger times) */
  trigger_p50_ms: number;
  /** p50 over the "on" requests of total / (total minus its throttle triggers): the cost within the very same requests */
  trigger_ratio: number | null;
}

/** Server time of one request (planning + execution) and the part spent in throttle triggers. */
async function explainWrite(api: postgres.Sql, req: Request): Promise<{ total: number; throttle: number }> {
  const rows = await request(api, { ...req, text: `explain (analyze, format json) ${req.text}` });
  const plan = (
    rows[0]?.["QUERY PLAN"] as {
      "Planning Time": number;
      "Execution Time": number;
      Triggers?: { "Trigger Name": string; Time: number }[];
    }[]
  )[0];
  if (!plan) throw new Error(`no plan for ${req.text}`);
  const throttle = (plan.Triggers ?? []).filter((t) => /_throttle/.test(t["Trigger Name"])).reduce((a, t) => a + t.Time, 0);
  return { total: plan["Planning Time"] + plan["Execution Time"], throttle };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};
const round3 = (x: number) => Math.round(x * 1000) / 1000;

async function ids(q: Promise<{ id: string }[]>): Promise<string[]> {
  return (await q).map((r) => r.id);
}

const post = (user: string, path: string, text: string, params: unknown[] = []): Request => ({
  role: "authenticated",
  user,
  method: "POST",
  path,
  text,
  params,
});

/** The writes a spammer would use, each a new row per request. */
async function writes(owner: postgres.Sql, needed: number): Promise<Write[]> {
  // ordinary public authors (not the most followed, whose posts go through the fan-out queue)
  const authors = await ids(owner`select p.id from public.profiles p
    where not p.is_private and p.id not in (select followee_id from public.follows group by 1 having count(*) > 500)
    order by md5(p.id::text) limit 200`);
  const visible = await ids(owner`select p.id from public.posts p join public.profiles a on a.id = p.author_id
    where p.group_id is null and not a.is_private order by md5(p.id::text) limit ${8 * Math.ceil(needed / authors.length) + 20}`);
  const follows = await owner<{ a: string; b: string }[]>`
    select a.id as a, b.id as b
    from (select id from public.profiles order by md5(id::text) limit 300) a
    cross join (select id from public.profiles order by md5(id::text || 'b') limit 300) b
    where a.id <> b.id and not exists (select from public.follows f where f.follower_id = a.id and f.followee_id = b.id)
    limit ${needed}`;
  const pair = (i: number) => ({ user: authors[i % authors.length] as string, post: visible[Math.floor(i / authors.length)] as string });
  // (user, post) pairs without a reaction yet: the dataset has reactions of its own
  const fresh = await owner<{ user: string; post: string }[]>`
    select u as user, p as post from unnest(${authors}::uuid[]) u cross join unnest(${visible}::uuid[]) p
    where not exists (select from public.reactions r where r.user_id = u and r.post_id = p) limit ${needed}`;
  const list: Write[] = [
    {
      name: "post",
      tables: ["posts"],
      capacity: Number.POSITIVE_INFINITY,
      next: (i) =>
        post(authors[i % authors.length] as string, "/posts", "insert into public.posts (content) values ($1::jsonb) returning id", [
          { blocks: [{ type: "text", value: `throttle bench ${i}` }] },
        ]),
    },
    {
      name: "comment",
      tables: ["comments"],
      capacity: Number.POSITIVE_INFINITY,
      next: (i) => {
        const p = pair(i % (authors.length * visible.length));
        return post(p.user, "/comments", "insert into public.comments (post_id, body) values ($1, 'A benchmark comment') returning id", [
          p.post,
        ]);
      },
    },
    {
      // fresh (user, post) pairs: a new reaction, the write the throttle counts (react() is the same
      // insert inside a function, where EXPLAIN cannot show the trigger times)
      name: "reaction",
      tables: ["reactions"],
      capacity: fresh.length,
      next: (i) => {
        const p = fresh[i] as { user: string; post: string };
        return post(p.user, "/reactions", "insert into public.reactions (user_id, post_id, kind) values ($1, $2, 'like') returning id", [
          p.user,
          p.post,
        ]);
      },
    },
    {
      name: "follow",
      tables: ["follows"],
      capacity: follows.length,
      next: (i) => {
        const f = follows[i] as { a: string; b: string };
        return post(f.a, "/follows", "insert into public.follows (follower_id, followee_id) values ($1, $2) returning status", [f.a, f.b]);
      },
    },
  ];
  // Reports count through private.throttle_row('report') once that trigger exists (issue 12's own
  // throttle_reports is not switched here); a repeat report only updates the open one, so the target
  // changes every time.
  const [{ reports } = { reports: false }] = await owner<{ reports: boolean }[]>`
    select exists (select from pg_trigger where tgrelid = to_regclass('public.reports')
      and tgfoid = 'private.throttle_row'::regproc) as reports`;
  if (reports) {
    // Many reporters of one post would reach the auto-hide threshold and hide it (then "post not
    // found"): the throttle is measured, not auto-hide.
    await owner`update private.moderation_settings set auto_hide_threshold = 1000000`;
    // (reporter, post) pairs with no report yet (on a database an earlier run measured, its reports
    // are open: a repeat would update one and never reach the throttle)
    const unreported = await owner<{ user: string; post: string }[]>`
      select u as user, p as post from unnest(${authors}::uuid[]) u cross join unnest(${visible}::uuid[]) p
      where not exists (select from public.reports r where r.reporter_id = u and r.target_kind = 'post' and r.target_id = p)
        and not exists (select from public.posts x where x.id = p and x.author_id = u)
      limit ${needed}`;
    list.push({
      name: "report",
      tables: ["reports"],
      capacity: unreported.length,
      next: (i) => {
        const p = unreported[i] as { user: string; post: string };
        // the direct insert public.report() makes (POST /reports): EXPLAIN shows trigger times only
        // for a statement's own triggers, not for those inside a function
        return post(
          p.user,
          "/reports",
          "insert into public.reports (target_kind, target_id, category) values ('post', $1, 'spam') returning id",
          [p.post],
        );
      },
    });
  }
  return list;
}

/** Measures every write with the throttles on and off; leaves them on. */
export async function throttleCost(
  pools: Pools,
  opts: { rounds: number; batch: number; log?: (s: string) => void },
): Promise<ThrottleCost[]> {
  const { owner } = pools;
  const log = opts.log ?? (() => {});
  const perWrite = opts.rounds * 2 * (opts.batch + 3) * 2;
  await owner`update public.rate_limits set burst = 1000000000, new_account_burst = 1000000000,
    sustained = 1000000, new_account_sustained = 1000000, period = '1 second'`;
  const switchTo = async (tables: string[], on: boolean) => {
    for (const table of tables) {
      const triggers = await owner<{ name: string }[]>`select tgname as name from pg_trigger
        where tgrelid = ${`public.${table}`}::regclass and tgfoid = 'private.throttle_row'::regproc`;
      for (const t of triggers) await owner.unsafe(`alter table public.${table} ${on ? "enable" : "disable"} trigger "${t.name}"`);
    }
  };
  const results: ThrottleCost[] = [];
  for (const w of await writes(owner, perWrite)) {
    if (w.capacity < perWrite) {
      log(`${w.name}: only ${w.capacity} distinct writes for ${perWrite}; skipped (raise --scale)`);
      continue;
    }
    let i = 0;
    const samples = { on: { client: [] as number[], server: [] as number[] }, off: { client: [] as number[], server: [] as number[] } };
    const triggers: number[] = [];
    const shares: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      for (const on of r % 2 === 0 ? [true, false] : [false, true]) {
        await switchTo(w.tables, on);
        const s = on ? samples.on : samples.off;
        for (let k = 0; k < 3; k++) await request(pools.api, w.next(i++)); // replan after the switch
        for (let k = 0; k < opts.batch; k++) {
          const t0 = performance.now();
          await request(pools.api, w.next(i++));
          s.client.push(performance.now() - t0);
        }
        for (let k = 0; k < 3; k++) await explainWrite(pools.api, w.next(i++));
        for (let k = 0; k < opts.batch; k++) {
          const t = await explainWrite(pools.api, w.next(i++));
          s.server.push(t.total);
          if (on) {
            triggers.push(t.throttle);
            shares.push(t.total / (t.total - t.throttle));
          }
        }
      }
    }
    await switchTo(w.tables, true);
    const [con, coff, son, soff] = [samples.on.client, samples.off.client, samples.on.server, samples.off.server].map(median) as [
      number,
      number,
      number,
      number,
    ];
    const row: ThrottleCost = {
      write: w.name,
      n: samples.on.client.length,
      client_p50_on_ms: round3(con),
      client_p50_off_ms: round3(coff),
      client_ratio: round3(con / coff),
      server_p50_on_ms: round3(son),
      server_p50_off_ms: round3(soff),
      server_ratio: round3(son / soff),
      trigger_p50_ms: round3(median(triggers)),
      // null where the write is an RPC: EXPLAIN shows no trigger fired inside a function
      trigger_ratio: median(triggers) > 0 ? round3(median(shares)) : null,
    };
    log(
      `${w.name.padEnd(9)} client p50 on ${row.client_p50_on_ms} / off ${row.client_p50_off_ms} ms = ${row.client_ratio}×   ` +
        `server p50 on ${row.server_p50_on_ms} / off ${row.server_p50_off_ms} ms = ${row.server_ratio}×   ` +
        `throttle triggers ${row.trigger_p50_ms} ms = ${row.trigger_ratio}× (n ${row.n} each)`,
    );
    results.push(row);
  }
  return results;
}

async function main(): Promise<void> {
  const args = new Map<string, string>();
  for (let i = 2; i + 1 < process.argv.length; i += 2)
    args.set((process.argv[i] as string).replace(/^--/, ""), process.argv[i + 1] as string);
  const scale = Number(args.get("scale") ?? "0.01");
  const rounds = Number(args.get("rounds") ?? "8");
  const batch = Number(args.get("batch") ?? "40");
  const server = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  // a fresh name: createDatabase drops an existing database of that name, so never reuse one
  const prefix = args.get("db-prefix") ?? "";
  if (!/^[a-z0-9_]*$/.test(prefix)) throw new Error("--db-prefix: lowercase letters, digits and _ only");
  const url = withDatabase(server, `${prefix}throttles_bench_${randomBytes(6).toString("hex")}`);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`building ${new URL(url).pathname.slice(1)} at scale ${scale}`);
  await createDatabase(url);
  try {
    await applyPlatformBootstrap(url);
    await pushMigrations(url);
    const owner = postgres(url, { max: 2, onnotice: () => {} });
    const api = postgres(url.replace("postgres@", "authenticator@"), { max: 1, onnotice: () => {} });
    try {
      await generate(owner, shapeFor(scale));
      await owner`vacuum analyze`;
      const results = await throttleCost({ api, owner }, { rounds, batch, log });
      const report = { at: new Date().toISOString(), scale, rounds, batch, results };
      if (args.has("out")) writeFileSync(args.get("out") as string, `${JSON.stringify(report, null, 2)}\n`);
      console.log(JSON.stringify(report, null, 2));
    } finally {
      await Promise.all([owner.end(), api.end()]);
    }
  } finally {
    await dropDatabase(url);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
