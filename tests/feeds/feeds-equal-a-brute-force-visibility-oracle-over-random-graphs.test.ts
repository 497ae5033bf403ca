// Home, group and profile feeds, read page by page as PostgREST serves them, equal a brute-force
// oracle (what the reader can select from public.posts under RLS, filtered by the feed's rules) over
// random worlds: private profiles, pending requests, public and private groups, blocks and mutes.
// One seed runs with a tiny inbox cap, backfill and fan-out threshold, so that pages cross the inbox
// horizon into the read-time query, big authors' posts wait in the fan-out queue (compared before
// and after the drain delivers them) and big groups are merged at read time.
import { describe, expect, it } from "vitest";
import { anon, useTestDatabase } from "../helpers/db.ts";
import { drainQueue, expectAllFeedsMatch, feedSettings, nonEmptyFeeds, randomWorld } from "./world.ts";

describe("feeds equal the visibility oracle", () => {
  const db = useTestDatabase();

  for (const seed of [11, 23]) {
    it(`with the default settings (seed ${seed})`, async () => {
      const world = await randomWorld(db(), seed);
      await expectAllFeedsMatch(db(), world, anon, 4, `seed ${seed}`);
      await expectAllFeedsMatch(db(), world, anon, 100, `seed ${seed}`);
    });
  }

  it("with a tiny inbox cap, backfill and fan-out threshold (seed 37)", async () => {
    await feedSettings(db(), { cap: 4, backfill: 2, threshold: 2 });
    const world = await randomWorld(db(), 37);
    await db().admin`select private.trim_feed_inboxes()`;
    const [state] = await db().admin<{ horizons: number; authors: number; groups: number; queued: number }[]>`select
      (select count(*)::int from private.feed_inbox_state) as horizons,
      (select count(*)::int from private.feed_big_authors) as authors,
      (select count(*)::int from private.feed_big_groups) as groups,
      (select count(*)::int from private.feed_queue) as queued`;
    expect(state?.horizons).toBeGreaterThan(0);
    expect(state?.authors).toBeGreaterThan(0);
    expect(state?.groups).toBeGreaterThan(0);
    expect(state?.queued).toBeGreaterThan(0);
    // while big sources' posts wait in the queue, and after the drain has delivered them
    await expectAllFeedsMatch(db(), world, anon, 3, "seed 37 tiny, queued");
    expect(await drainQueue(db())).toBe(state?.queued);
    await expectAllFeedsMatch(db(), world, anon, 3, "seed 37 tiny, drained");
    await expectAllFeedsMatch(db(), world, anon, 7, "seed 37 tiny, drained");
  });

  it("compared feeds that had rows, not only empty ones", () => {
    expect(nonEmptyFeeds).toBeGreaterThan(100);
  });
});
