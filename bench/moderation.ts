// Trust-and-safety scenarios that bench/run.ts adds through one hook (`moderationScenarios`):
// "removing a post must not make the feed slower" (issue 12). Half of the sampled typical readers get
// posts removed from the top of their inboxes (every other one of their newest 40, sparing what the
// control readers see: home_feed must skip them to fill a page); the other half, whose newest 60 inbox
// entries hold no removed post, are the control of the same run. Compare the p50 of home_feed_page1_removed_posts with
// home_feed_page1_no_removed_posts. (report_create and moderation_queue are in run.ts already.)
// The removals are made as an operator (postgres, no JWT), as Studio would: the triggers log them
// like any moderation. They touch < 0.1% of the posts at scale 1, before anything is measured.
import type postgres from "postgres";
import type { Request } from "./harness.ts";

export interface ModerationScenario {
  name: string;
  what: string;
  next: (w: number, i: number) => Request;
}

const feedPage = (user: string): Request => ({
  role: "authenticated",
  user,
  method: "GET",
  path: "/rpc/home_feed",
  text: "select * from public.home_feed(page_size => 20)",
  params: [],
});

function pick<T>(xs: T[]): (w: number, i: number) => T {
  return (w, i) => xs[(w * 7919 + i * 104729) % xs.length] as T;
}

/** Removes posts from half of `readers`' inboxes and returns the two home_feed scenarios to compare. */
export async function moderationScenarios(
  owner: postgres.Sql,
  readers: string[],
  log: (msg: string) => void = console.log,
  /** posts other scenarios write to (comments, reactions, reports): never removed */
  inUse: string[] = [],
  /** readers other scenarios time (home feeds): no post of their newest 60 is removed */
  spare: string[] = [],
): Promise<ModerationScenario[]> {
  const [{ ok } = { ok: false }] = await owner<{ ok: boolean }[]>`select exists (
    select from information_schema.columns where table_schema = 'public' and table_name = 'posts' and column_name = 'removed_at') as ok`;
  if (!ok || readers.length < 4) return [];
  const withRemovals = readers.filter((_, i) => i % 2 === 0).slice(0, 50);
  const controlCandidates = readers.filter((_, i) => i % 2 === 1).slice(0, 50);
  // Every other post of each reader's newest 40 inbox entries (a first page then needs ~40
  // candidates), sparing the posts of the control readers' and the other scenarios' timed readers'
  // newest 60: readers share authors.
  const removed = await owner<{ id: string }[]>`
    with spared as (
      select top.post_id from unnest(${[...controlCandidates, ...spare.filter((r) => !withRemovals.includes(r))]}::uuid[]) as r (id)
      cross join lateral (
        select i.post_id from private.feed_inbox i where i.user_id = r.id
        order by i.created_at desc, i.post_id desc limit 60
      ) top
    ),
    doomed as (
      select distinct x.post_id as id
      from unnest(${withRemovals}::uuid[]) as r (id)
      cross join lateral (
        select i.post_id, row_number() over (order by i.created_at desc, i.post_id desc) as n
        from private.feed_inbox i where i.user_id = r.id
        order by i.created_at desc, i.post_id desc limit 40
      ) x
      where x.n % 2 = 1 and x.post_id not in (select s.post_id from spared s)
        and x.post_id <> all (${inUse}::uuid[])
    )
    update public.posts p set removed_at = now(), removed_reason = 'bench: removed by a moderator'
    from doomed d where p.id = d.id and p.removed_at is null
    returning p.id`;
  const control = await owner<{ id: string }[]>`
    select r.id from unnest(${controlCandidates}::uuid[]) as r (id)
    where not exists (
      select from (
        select i.post_id from private.feed_inbox i where i.user_id = r.id
        order by i.created_at desc, i.post_id desc limit 60
      ) top join public.posts p on p.id = top.post_id
      where p.removed_at is not null
    )`;
  // How many removed posts sit in each removal reader's newest 40 (the skip a first page pays).
  const [{ avg } = { avg: 0 }] = await owner<{ avg: number }[]>`
    select coalesce(avg(n), 0)::float8 as avg from (
      select (select count(*) from (
        select i.post_id from private.feed_inbox i where i.user_id = r.id
        order by i.created_at desc, i.post_id desc limit 40
      ) top join public.posts p on p.id = top.post_id where p.removed_at is not null) as n
      from unnest(${withRemovals}::uuid[]) as r (id)
    ) x`;
  log(
    `moderation: removed ${removed.length} posts; ${withRemovals.length} readers with on average ${avg.toFixed(1)} removed in their newest 40; ${control.length} control readers with none in their newest 60`,
  );
  if (control.length === 0) return [];
  const pickRemoved = pick(withRemovals);
  const pickControl = pick(control.map((r) => r.id));
  return [
    {
      name: "home_feed_page1_removed_posts",
      what: "home_feed first page, typical readers with every other post of their newest 40 removed by a moderator",
      next: (w, i) => feedPage(pickRemoved(w, i)),
    },
    {
      name: "home_feed_page1_no_removed_posts",
      what: "home_feed first page, typical readers with no removed post among their newest 60 (the control, same run)",
      next: (w, i) => feedPage(pickControl(w, i)),
    },
  ];
}
