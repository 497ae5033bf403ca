// Races (issue 16): a run of the feed-delivery job (decision 0010), or the queue drain of a big
// author's post, running at the same time as new posts and an unfollow, a follow, a block, a mute, a
// leave or a join of the same reader. Each round queues posts for the job, then starts the change
// and the writes together on separate connections (so any may commit first), then compares the
// reader's home feed, page by page, with the brute-force oracle once the job has run: nothing that
// should be gone is shown, nothing that should be there is lost. Many rounds, many interleavings.
import { afterAll, describe, expect, it } from "vitest";
import { createGroup } from "../groups/fixtures.ts";
import { type Actor, type TestDatabase, useTestDatabase } from "../helpers/db.ts";
import { follow, idOf, parallelClients } from "../people/graph.ts";
import { expectFeedMatches, feedSettings, textContent } from "./world.ts";

describe("home feeds under racing fan-out, drains and graph changes", () => {
  const db = useTestDatabase();
  const clients: ReturnType<typeof parallelClients>[] = [];
  afterAll(async () => {
    for (const c of clients) await c.end();
  });

  async function setUp(d: TestDatabase) {
    // a threshold of 3: the star (4 followers) goes through the queue, the others through the job
    await feedSettings(d, { cap: 800, backfill: 200, threshold: 3 });
    const reader = await d.newUser("racer");
    const author = await d.newUser("racing_author");
    const star = await d.newUser("racing_star");
    const fillers = [await d.newUser("filler_a"), await d.newUser("filler_b"), await d.newUser("filler_c")];
    for (const f of fillers) await follow(d, f, star);
    await follow(d, reader, star);
    await follow(d, reader, author);
    const group = await createGroup(d, author);
    await d.rpc(reader, "join_group", { group_id: group.id, answer: null });
    const c = parallelClients(d, 4);
    clients.push(c);
    const write = (actor: Actor, text: string) => c.request(actor, (tx) => tx.unsafe(text));
    const postAs = (actor: Actor, groupId: string | null = null) =>
      c.request(
        actor,
        (tx) => tx`insert into public.posts (group_id, title, content)
          values (${groupId}, ${groupId ? "A title" : null}, ${tx.json(textContent("race"))}) returning id`,
      );
    const drain = () => d.admin`select private.drain_feed_queue(100)`;
    const deliver = () => d.admin`select private.deliver_feed_posts(100)`;
    return { reader, author, star, group, write, postAs, drain, deliver };
  }

  it("stays exact over many rounds of changes racing with posts, deliveries and drains", async () => {
    const d = db();
    const { reader, author, star, group, write, postAs, drain, deliver } = await setUp(d);
    const a = idOf(author);
    const s = idOf(star);
    const g = group.id;
    // each round: [the change, the racing write(s)], then [the undo, the racing write(s)]
    const rounds: [string, () => Promise<unknown>, () => Promise<unknown>, () => Promise<unknown>][] = [
      [
        "unfollow / follow an ordinary author while it posts and its posts are delivered",
        () => write(reader, `delete from public.follows where follower_id = '${idOf(reader)}' and followee_id = '${a}'`),
        () => write(reader, `insert into public.follows (followee_id) values ('${a}')`),
        () => Promise.all([postAs(author).then(deliver), deliver()]),
      ],
      [
        "unfollow / follow a big author while it posts, the queue drains and the job delivers",
        () => write(reader, `delete from public.follows where follower_id = '${idOf(reader)}' and followee_id = '${s}'`),
        () => write(reader, `insert into public.follows (followee_id) values ('${s}')`),
        () => Promise.all([postAs(star), drain(), deliver()]),
      ],
      [
        "mute / unmute a big author while the queue drains",
        () => write(reader, `insert into public.mutes (muted_id) values ('${s}')`),
        () => write(reader, `delete from public.mutes where muted_id = '${s}'`),
        () => Promise.all([postAs(star), drain()]),
      ],
      [
        "leave / join a group while a member posts in it and its posts are delivered",
        () => write(reader, `select public.leave_group('${g}')`),
        () => write(reader, `select public.join_group('${g}')`),
        () => Promise.all([postAs(author, g).then(deliver), deliver()]),
      ],
      [
        "block / unblock (and follow again) an author while it posts in a shared group",
        () => write(reader, `insert into public.blocks (blocked_id) values ('${a}')`),
        () =>
          write(reader, `delete from public.blocks where blocked_id = '${a}'`).then(() =>
            write(reader, `insert into public.follows (followee_id) values ('${a}')`),
          ),
        () => Promise.all([postAs(author, g), postAs(author), deliver()]),
      ],
    ];
    let compared = 0;
    for (let round = 0; round < 25; round++) {
      const [label, change, undo, racing] = rounds[round % rounds.length] as (typeof rounds)[number];
      // posts waiting for the job when the change starts: the deliveries above have work to race with
      await Promise.all([postAs(author), postAs(author, g)]);
      // vary which side starts first, so that both commit orders happen
      const pair = round % 2 === 0 ? [change(), racing()] : [racing(), change()];
      await Promise.all(pair);
      await expectFeedMatches(d, reader, "home_feed", {}, 7, `round ${round} after: ${label}`);
      await Promise.all(round % 3 === 0 ? [undo(), racing()] : [racing(), undo()]);
      await drain();
      await expectFeedMatches(d, reader, "home_feed", {}, 7, `round ${round} after undoing: ${label}`);
      compared += 2;
    }
    expect(compared).toBe(50);
    // and the feed did grow: the posts raced in are there
    const rows = await d.rpcRows(reader, "home_feed", { page_size: 100 });
    expect(rows.length).toBeGreaterThan(20);
  });
});
