// Fan-out only to readers seen in the last 7 days (issue 16, decision 0005). The custom access token
// hook marks a reader seen (at most one write an hour); a reader not seen for 7 days gets no inbox
// rows from the feed-delivery job (decision 0010) or the queue drain; their next token rebuilds the
// inbox exactly, under a lock that fan-outs take shared, so a rebuild racing with posts, deliveries
// and drains neither loses nor duplicates a row. "Dormant" is arranged by moving last_seen_at back
// (no test can wait 7 days). No job runs by itself here: deliverPosts and the drains stand for them.
import { afterAll, describe, expect, it } from "vitest";
import { createGroup } from "../groups/fixtures.ts";
import { type Actor, anon, type TestDatabase, type User, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { follow, idOf, parallelClients } from "../people/graph.ts";
import { deliverPosts, expectFeedMatches, feedSettings, oracle, post, textContent } from "./world.ts";

const lockKey = "feed_inbox_rebuild";

async function makeDormant(d: TestDatabase, actor: Actor, unseenFor = "8 days"): Promise<void> {
  await d.admin`update private.feed_readers set last_seen_at = now() - ${unseenFor}::interval where user_id = ${idOf(actor)}`;
}

async function inbox(d: TestDatabase, actor: Actor): Promise<string[]> {
  const rows = await d.admin<{ post_id: string }[]>`
    select post_id from private.feed_inbox where user_id = ${idOf(actor)} order by created_at desc, post_id desc`;
  return rows.map((r) => r.post_id);
}

async function delivering(d: TestDatabase, postIds: string[]): Promise<string[]> {
  const rows = await d.admin<{ post_id: string }[]>`
    select post_id from private.feed_delivery_queue where post_id = any (${postIds}::uuid[]) order by post_id`;
  return rows.map((r) => r.post_id);
}

async function readerRow(d: TestDatabase, actor: Actor) {
  const [row] = await d.admin<{ last_seen_at: Date; inbox_ready: boolean; age_s: number }[]>`
    select last_seen_at, inbox_ready, extract(epoch from now() - last_seen_at)::float8 as age_s
    from private.feed_readers where user_id = ${idOf(actor)}`;
  return row;
}

async function horizon(d: TestDatabase, actor: Actor) {
  const [row] = await d.admin<{ horizon_at: Date; horizon_id: string; infinite: boolean }[]>`
    select horizon_at, horizon_id, horizon_at = 'infinity' as infinite from private.feed_inbox_state where user_id = ${idOf(actor)}`;
  return row;
}

describe("dormant readers: no fan-out, and an exact rebuild at their first token", () => {
  const db = useTestDatabase();
  const clients: ReturnType<typeof parallelClients>[] = [];
  afterAll(async () => {
    for (const c of clients) await c.end();
  });

  it("a dormant reader gets no inbox rows from posts, the delivery job or the queue drain; an active reader does", async () => {
    const d = db();
    // threshold 3: the star (4 followers) goes through the queue; the group (3) fans out
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 3 });
    const [dormant, active, author, star] = [
      await d.newUser("dormant"),
      await d.newUser("active"),
      await d.newUser("author"),
      await d.newUser("star"),
    ];
    const fillers = [await d.newUser("filler_0"), await d.newUser("filler_1")];
    for (const r of [dormant, active]) {
      await follow(d, r, author);
      await follow(d, r, star);
    }
    for (const f of fillers) await follow(d, f, star);
    const group = await createGroup(d, author);
    await d.rpc(dormant, "join_group", { group_id: group.id, answer: null });
    await d.rpc(active, "join_group", { group_id: group.id, answer: null });
    await makeDormant(d, dormant);
    const before = await inbox(d, dormant);
    const p1 = await post(d, author);
    const p2 = await post(d, author, group);
    const p3 = await post(d, star);
    expect(await d.admin`select from private.feed_queue where post_id = ${p3}`).toHaveLength(1);
    // the author's and the group's posts wait for the feed-delivery job; nobody has them yet but the author
    expect(await delivering(d, [p1, p2, p3])).toEqual([p1, p2].sort());
    expect(await inbox(d, author)).toEqual(expect.arrayContaining([p1, p2]));
    expect(await inbox(d, active)).not.toContain(p1);
    expect(await inbox(d, active)).not.toContain(p2);
    expect(await deliverPosts(d)).toBe(2);
    expect(await delivering(d, [p1, p2])).toEqual([]);
    expect(await inbox(d, dormant)).toEqual(before);
    expect(await inbox(d, active)).toEqual(expect.arrayContaining([p1, p2]));
    expect(await inbox(d, active)).not.toContain(p3);
    await d.admin`select private.drain_feed_queue(100)`;
    expect(await inbox(d, dormant)).toEqual(before);
    expect(await inbox(d, active)).toEqual(expect.arrayContaining([p1, p2, p3]));
    // the posts are not lost: the next token rebuilds, and the feed is the oracle's
    const back = await d.signIn(dormant.user as User);
    expect(await inbox(d, back)).toEqual(expect.arrayContaining([p1, p2, p3]));
    expect((await readerRow(d, back))?.inbox_ready).toBe(true);
    await expectFeedMatches(d, back, "home_feed", {}, 5, "after the rebuild");
  });

  it("the first page of a returning reader equals the oracle, with the horizon at the last row copied", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 2000 });
    await d.admin`update private.feed_settings set rebuild_size = 7`;
    try {
      const reader = await d.newUser("returning");
      const authors = [await d.newUser("ra_0"), await d.newUser("ra_1"), await d.newUser("ra_2")];
      for (const a of authors) await follow(d, reader, a);
      const group = await createGroup(d, authors[0] as Actor);
      await d.rpc(reader, "join_group", { group_id: group.id, answer: null });
      await makeDormant(d, reader);
      for (let i = 0; i < 6; i++) {
        for (const a of authors) await post(d, a);
        await post(d, authors[0] as Actor, group);
      }
      await post(d, reader);
      expect(await deliverPosts(d)).toBe(6 * 4 + 1); // the job ran (the reader's own post has no reader to go to)
      expect(await inbox(d, reader)).toHaveLength(1); // only its own post since it went dormant
      const back = await d.signIn(reader.user as User);
      const expected = await oracle(d, back, "home_feed", {});
      expect(expected.length).toBeGreaterThan(20);
      expect(await inbox(d, back)).toEqual(expected.slice(0, 7));
      const h = await horizon(d, back);
      expect(h?.horizon_id).toBe(expected[6]);
      const page1 = await d.rpcRows(back, "home_feed", { page_size: 20 });
      expect(page1.map((r) => r.post_id)).toEqual(expected.slice(0, 20));
      await expectFeedMatches(d, back, "home_feed", {}, 4, "returning reader");
    } finally {
      await d.admin`update private.feed_settings set rebuild_size = 200`;
    }
  });

  it("an active reader's token touches last_seen_at at most hourly and never rebuilds", async () => {
    const d = db();
    const reader = await d.newUser("steady");
    const author = await d.newUser("steady_author");
    await follow(d, reader, author);
    await post(d, author);
    await deliverPosts(d);
    // a row that a rebuild would delete (no source has it): proves no rebuild ran
    await d.admin`insert into private.feed_inbox (user_id, created_at, post_id)
      values (${idOf(reader)}, now() - interval '1 year', gen_random_uuid())`;
    const before = await inbox(d, reader);
    await d.admin`update private.feed_readers set last_seen_at = now() - interval '10 minutes' where user_id = ${idOf(reader)}`;
    const first = await readerRow(d, reader);
    await d.signIn(reader.user as User);
    expect((await readerRow(d, reader))?.last_seen_at).toEqual(first?.last_seen_at); // within the hour: no write
    await d.admin`update private.feed_readers set last_seen_at = now() - interval '3 days' where user_id = ${idOf(reader)}`;
    await d.signIn(reader.user as User);
    expect((await readerRow(d, reader))?.age_s).toBeLessThan(60); // touched
    expect(await inbox(d, reader)).toEqual(before); // not rebuilt
  });

  it("a rebuild that cannot take its lock in time leaves an exact feed from the pull query, and the next token rebuilds", async () => {
    const d = db();
    const reader = await d.newUser("blocked_rebuild");
    const author = await d.newUser("blocked_author");
    await follow(d, reader, author);
    await makeDormant(d, reader);
    await post(d, author);
    await post(d, author);
    expect(await deliverPosts(d)).toBe(2);
    expect(await inbox(d, reader)).toEqual([]); // dormant: the job passed it by
    // a long delivery (a big author's drain) holds the lock shared
    const holder = parallelClients(d, 1);
    clients.push(holder);
    let release: () => void = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    let held: () => void = () => {};
    const isHeld = new Promise<void>((r) => {
      held = r;
    });
    const holding = holder.request(author, async (tx) => {
      await tx`select pg_advisory_xact_lock_shared(hashtextextended(${lockKey}, 0))`;
      held();
      await released;
    });
    await isHeld;
    const back = await d.signIn(reader.user as User);
    release();
    await holding;
    expect((await readerRow(d, back))?.inbox_ready).toBe(false);
    expect((await horizon(d, back))?.infinite).toBe(true);
    await expectFeedMatches(d, back, "home_feed", {}, 3, "pull-query fallback");
    const fresh = await post(d, author);
    expect(await deliverPosts(d)).toBe(1);
    expect(await inbox(d, back)).toEqual([fresh]); // delivered (the reader is marked seen), and still exact
    await expectFeedMatches(d, back, "home_feed", {}, 3, "fallback after a post");
    const again = await d.signIn(reader.user as User);
    expect((await readerRow(d, again))?.inbox_ready).toBe(true);
    expect(await horizon(d, again)).toBeUndefined();
    expect(await inbox(d, again)).toEqual(await oracle(d, again, "home_feed", {}));
  });

  it("rebuilds racing with posts, the delivery job and queue drains leave the inbox exact, round after round", async () => {
    const d = db();
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 3 });
    await d.admin`update private.feed_settings set rebuild_size = 1000`;
    try {
      const reader = await d.newUser("rb_reader");
      const author = await d.newUser("rb_author");
      const star = await d.newUser("rb_star");
      for (const f of [await d.newUser("rb_f0"), await d.newUser("rb_f1"), await d.newUser("rb_f2")]) await follow(d, f, star);
      await follow(d, reader, author);
      await follow(d, reader, star);
      const group = await createGroup(d, author);
      await d.rpc(reader, "join_group", { group_id: group.id, answer: null });
      const c = parallelClients(d, 4);
      clients.push(c);
      const postAs = (actor: Actor, groupId: string | null = null) =>
        c.request(
          actor,
          (tx) => tx`insert into public.posts (group_id, title, content)
            values (${groupId}, ${groupId ? "A title" : null}, ${tx.json(textContent("race"))}) returning id`,
        );
      // the jobs, each on a connection of its own (d.admin holds four)
      let racingDeliveries = 0;
      const deliver = async () => {
        racingDeliveries += await deliverPosts(d);
      };
      const drain = () => d.admin`select private.drain_feed_queue(100)`;
      let current = reader;
      let rebuilt = 0;
      for (let round = 0; round < 20; round++) {
        // unseen for 8 days (no fan-out reaches the reader), or for 6½ (the token rebuilds, yet
        // deliveries still reach the reader: they meet the rebuild's own rows)
        await makeDormant(d, current, round % 4 < 2 ? "8 days" : "6 days 12 hours");
        // the rebuild (the token) against posts, each followed at once by a run of the delivery job
        // (a big author's by a drain), over and over until the token is issued; every other round a
        // fourth client runs the delivery job and a drain back to back
        let signing = true;
        const token = d.signIn(current.user as User).finally(() => {
          signing = false;
        });
        const whileSigning = async (step: () => Promise<unknown>) => {
          do await step();
          while (signing);
        };
        const [signedIn] = await Promise.all([
          token,
          whileSigning(() => postAs(author).then(deliver)),
          whileSigning(() => postAs(author, group.id).then(deliver)),
          whileSigning(() => postAs(star).then(drain)),
          whileSigning(() => (round % 2 ? postAs(author).then(deliver) : Promise.all([deliver(), drain()]))),
        ]);
        current = signedIn;
        // the jobs' next runs: whatever committed after the racing runs had picked
        await deliverPosts(d);
        await drain();
        expect(await d.admin`select from private.feed_delivery_queue`, `round ${round}`).toHaveLength(0);
        if ((await readerRow(d, current))?.inbox_ready) {
          rebuilt++;
          // complete inbox (rebuild_size above every candidate): exactly the candidates, no duplicate
          const expected = await oracle(d, current, "home_feed", {});
          expect(await inbox(d, current), `round ${round}`).toEqual(expected);
        }
        await expectFeedMatches(d, current, "home_feed", {}, 7, `round ${round}`);
      }
      expect(rebuilt).toBeGreaterThan(10);
      // the racing runs delivered posts (not only the runs after the race)
      expect(racingDeliveries).toBeGreaterThan(20);
    } finally {
      await d.admin`update private.feed_settings set rebuild_size = 200`;
    }
  });

  it("only the hook reaches the readers table: API roles can neither read nor write it nor call the functions", async () => {
    const d = db();
    const user = await d.newUser("curious");
    for (const actor of [anon, user]) {
      await expectDbError(
        d.request(actor, (tx) => tx`select * from private.feed_readers`),
        "42501",
        /permission denied for table feed_readers/,
      );
      await expectDbError(
        d.request(actor, (tx) => tx`update private.feed_readers set last_seen_at = now()`),
        "42501",
        /permission denied for table feed_readers/,
      );
      await expectDbError(
        d.request(actor, (tx) => tx`select private.feed_reader_seen(${idOf(user)})`),
        "42501",
        /permission denied for function feed_reader_seen/,
      );
      await expectDbError(
        d.request(actor, (tx) => tx`select private.rebuild_feed_inbox(${idOf(user)})`),
        "42501",
        /permission denied for function rebuild_feed_inbox/,
      );
    }
    const [grants] = await d.admin<{ hook_exec: boolean; table_sel: boolean; rebuild_exec: boolean }[]>`
      select has_function_privilege('supabase_auth_admin', 'private.feed_reader_seen(uuid)', 'execute') as hook_exec,
        has_table_privilege('supabase_auth_admin', 'private.feed_readers', 'select') as table_sel,
        has_function_privilege('supabase_auth_admin', 'private.rebuild_feed_inbox(uuid)', 'execute') as rebuild_exec`;
    expect(grants).toEqual({ hook_exec: true, table_sel: false, rebuild_exec: false });
  });
});
