// Requests as PostgREST makes them: one transaction per request, on a pool of connections as the
// authenticator role, with role, JWT claims, method and path set locally (tests/helpers/db.ts), then
// the statement. Latencies are wall-clock per request, measured by the client; measureInDatabase
// times the same statements inside the server (EXPLAIN ANALYZE: planning + execution, triggers included).
import type postgres from "postgres";

export type Role = "authenticated" | "anon" | "postgres";

export interface Request {
  role: Role;
  user: string | null;
  method: "GET" | "POST";
  path: string;
  /** the statement PostgREST would run for this request, with its parameters ($1, $2, …) */
  text: string;
  params?: unknown[];
}

export interface Stats {
  n: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  ops_per_s: number;
  /**
   * Requests cancelled by the impersonated role's statement_timeout (8 s for authenticated, as on the
   * platform): counted at the time they ran, so every percentile they reach is a lower bound ("≥").
   * Only the full-scan baselines get there; a cell stops each worker at its first timeout.
   */
  timeouts?: number;
  /**
   * In-db cells: the p50 of pk_select timed interleaved with this cell (one call of each per step, in
   * a random order), the denominator of the cell's ratios. A pk_select cell run minutes earlier or
   * later sees another machine: on these shared cores its p50 moved 0.15–0.34 ms between runs.
   */
  pk_select_p50_ms?: number;
  /**
   * Write cells: the p50 of a bare insert (bare_insert's statement) timed interleaved with this cell
   * the same way, the denominator of the write ratios (it moved 0.043–0.060 ms between runs).
   */
  bare_insert_p50_ms?: number;
  /**
   * Fan-out-on-read cells: the p50 of the home feed page of the same reader timed interleaved with
   * this cell the same way, the denominator of the pull / home ratios.
   */
  home_feed_p50_ms?: number;
}

/** Was this error a statement cancelled by statement_timeout (SQLSTATE 57014)? */
function isTimeout(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "57014";
}

function claimsOf(role: Role, user: string | null): string {
  if (role === "anon") return JSON.stringify({ iss: "supabase", role: "anon" });
  return JSON.stringify({ iss: "supabase", role: "authenticated", sub: user, aud: "authenticated", user_roles: ["user"] });
}

/** One request. `role: postgres` keeps the superuser (RLS off) but sets the same claims. */
export async function request(sql: postgres.Sql, req: Request): Promise<postgres.Row[]> {
  return within(sql, req, (tx) => tx.unsafe(req.text, (req.params ?? []) as never[]));
}

/** The request's transaction (role, claims, method, path), running `body` as its statement. */
async function within<T>(sql: postgres.Sql, req: Request, body: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    if (req.role === "postgres") {
      await tx`select set_config('search_path', '"public", "extensions"', true),
        set_config('request.jwt.claims', ${claimsOf("authenticated", req.user)}, true),
        set_config('request.method', ${req.method}, true), set_config('request.path', ${req.path}, true),
        set_config('request.headers', '{}', true)`;
    } else {
      await tx`select set_config('search_path', '"public", "extensions"', true),
        set_config('role', ${req.role}, true),
        set_config('request.jwt.claims', ${claimsOf(req.role, req.user)}, true),
        set_config('request.method', ${req.method}, true), set_config('request.path', ${req.path}, true),
        set_config('request.headers', '{}', true)`;
    }
    return body(tx);
  }) as Promise<T>;
}

/** Server-side time of one request's statement: EXPLAIN (ANALYZE, TIMING OFF) planning + execution, in ms. */
export async function serverTime(sql: postgres.Sql, req: Request): Promise<number> {
  const rows = await within(sql, req, (tx) =>
    tx.unsafe(`explain (analyze, timing off, summary on, format json) ${req.text}`, (req.params ?? []) as never[]),
  );
  const plan = (rows[0]?.["QUERY PLAN"] as { "Planning Time": number; "Execution Time": number }[])[0];
  if (!plan) throw new Error(`no plan for ${req.text}`);
  return plan["Planning Time"] + plan["Execution Time"];
}

/** The p-th percentile of ascending latencies (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

/** Runs `concurrency` loops for `seconds`, each issuing the next request; returns the latency stats. */
export async function measure(
  pools: { api: postgres.Sql; owner: postgres.Sql },
  next: (worker: number, i: number) => Request,
  concurrency: number,
  seconds: number,
): Promise<Stats> {
  const latencies: number[] = [];
  let timeouts = 0;
  // warm-up: a few requests per worker, not counted (a timeout ends the worker's warm-up)
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; i < 5; i++) {
        const r = next(w, i);
        try {
          await request(r.role === "postgres" ? pools.owner : pools.api, r);
        } catch (error) {
          if (!isTimeout(error)) throw error;
          return;
        }
      }
    }),
  );
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = 0;
      while (performance.now() < deadline) {
        const r = next(w, i++);
        const t0 = performance.now();
        try {
          await request(r.role === "postgres" ? pools.owner : pools.api, r);
        } catch (error) {
          if (!isTimeout(error)) throw error;
          latencies.push(performance.now() - t0);
          timeouts++;
          return;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return summarize(latencies, elapsed, timeouts);
}

/**
 * The same requests one at a time, timed inside the server instead of at the client. With baselines
 * (pk_select; for writes also bare_insert), each step times one call of each baseline and one of the
 * cell's, in a random order, and each baseline's p50 comes back as <name>_p50_ms: the cell's ratios
 * then compare calls made side by side, not cells run minutes apart.
 */
export async function measureInDatabase(
  pools: { api: postgres.Sql; owner: postgres.Sql },
  next: (worker: number, i: number) => Request,
  seconds: number,
  baselines: Baselines = {},
): Promise<Stats> {
  const times: number[] = [];
  const baseTimes: Record<string, number[]> = {};
  let timeouts = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const poolOf = (r: Request) => (r.role === "postgres" ? pools.owner : pools.api);
  for (let i = 0; performance.now() < deadline; i++) {
    // the cell (null) and each baseline, shuffled (Fisher–Yates)
    const order: (keyof Baselines | null)[] = [null, ...(Object.keys(baselines) as (keyof Baselines)[])];
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(Math.random() * (k + 1));
      [order[k], order[j]] = [order[j] as keyof Baselines | null, order[k] as keyof Baselines | null];
    }
    let timedOut = false;
    for (const name of order) {
      if (name !== null) {
        const b = (baselines[name] as (i: number) => Request)(i);
        const list = baseTimes[name] ?? [];
        list.push(await serverTime(poolOf(b), b));
        baseTimes[name] = list;
        continue;
      }
      const r = next(0, i);
      const t0 = performance.now();
      try {
        times.push(await serverTime(poolOf(r), r));
      } catch (error) {
        if (!isTimeout(error)) throw error;
        // the server's time is unknown; the client's is a lower bound of it
        times.push(performance.now() - t0);
        timeouts++;
        timedOut = true;
      }
    }
    if (timedOut) break;
  }
  // The first calls (plans not yet cached) are warm-up: the first 5, or half of what a slow query had
  // time for (a ~1 s scan gets two calls in a short cell: one is still measured, not none).
  const warmUp = Math.min(5, Math.floor((times.length - timeouts) / 2));
  const stats = summarize(times.slice(warmUp), (performance.now() - started) / 1000, timeouts);
  for (const [name, list] of Object.entries(baseTimes)) {
    if (list.length <= warmUp) continue;
    const base = list.slice(warmUp).sort((a, b) => a - b);
    stats[`${name as keyof Baselines}_p50_ms`] = Math.round(percentile(base, 50) * 1000) / 1000;
  }
  return stats;
}

/** The statements timed beside an in-db cell, by the name their p50 is reported under. */
export interface Baselines {
  pk_select?: (i: number) => Request;
  bare_insert?: (i: number) => Request;
  home_feed?: (i: number) => Request;
}

function summarize(latencies: number[], elapsed: number, timeouts = 0): Stats {
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    n: latencies.length,
    p50_ms: round(percentile(latencies, 50)),
    p95_ms: round(percentile(latencies, 95)),
    p99_ms: round(percentile(latencies, 99)),
    mean_ms: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
    ops_per_s: Math.round(latencies.length / elapsed),
    ...(timeouts > 0 ? { timeouts } : {}),
  };
}

/**
 * One measured path. Reads (method GET) are timed before any write, on a drained feed queue; writes
 * after. To add scenarios from another file, export `async function xScenarios(ctx: BenchContext):
 * Promise<Scenario[]>` and list it in `scenarioModules` in bench/run.ts.
 */
export interface Scenario {
  name: string;
  what: string;
  /** run without the throttle triggers (sql/79_throttles.sql) */
  throttlesOff?: boolean;
  /** in db, time this home_feed scenario's call for the same step (the same reader) beside each call */
  besideHome?: string;
  next: (worker: number, i: number) => Request;
}

/** What a scenario module gets: the pools, request builders and samplers of the run. */
export interface BenchContext {
  owner: postgres.Sql;
  api: postgres.Sql;
  get: (user: string | null, path: string, text: string, params?: unknown[], role?: Role) => Request;
  post: (user: string, path: string, text: string, params?: unknown[]) => Request;
  sampler: <T>(xs: T[]) => (w: number, i: number) => T;
  /** users the bench reads as (complete inboxes), by how many accounts they follow */
  readers: { typical: string[]; heavy: string[]; light: string[]; any: string[] };
  /** authors with 10–60 followers; public posts anyone may read */
  ordinaryAuthors: string[];
  visiblePosts: string[];
}

/** The kinds of reader the bench times, by how many accounts they follow, and how many of each it takes. */
export const readerKinds = {
  typical: { following: "p.following_count between 10 and 200", count: 200 },
  heavy: { following: "p.following_count >= 500", count: 50 },
  light: { following: "p.following_count between 1 and 20", count: 200 },
} as const;
export type ReaderKind = keyof typeof readerKinds;

/**
 * The bench's readers of one kind: drawn from the active readers (complete inboxes, bench/dataset.ts,
 * `activeReaders` of the run's shape), in a fixed pseudo-random order.
 */
export async function benchReaders(sql: postgres.Sql, kind: ReaderKind, activeReaders: number[]): Promise<string[]> {
  const { following, count } = readerKinds[kind];
  const rows = await sql.unsafe(
    `select p.id from public.profiles p join bench.users u on u.id = p.id
     where u.i % 100 = any ($1) and ${following} order by md5(p.id::text) limit ${count}`,
    [activeReaders as never],
  );
  return rows.map((r) => r.id as string);
}

/** The posts pk_select reads: a 1 % sample of profile posts, up to 500. */
export async function pkSelectPosts(sql: postgres.Sql): Promise<string[]> {
  return (await sql`select p.id from public.posts p tablesample system (1) where p.group_id is null limit 500`).map((r) => r.id as string);
}

/** pk_select's statement: a primary-key select of one post under RLS (GET /posts?id=eq.…). */
export const pkSelectText = "select * from public.posts where id = $1";
