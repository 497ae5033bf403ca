// Events are derived from event blocks and follow every insert, edit and delete of the post; RSVPs are
// the user's own with exact counts; upcoming_events pages, soonest first, only events the caller sees.
import { beforeAll, describe, expect, it } from "vitest";
import { type Cast, castAround } from "../groups/fixtures.ts";
import { type Actor, anon, type DriverRow, type RpcRow, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, newUsers, parallelClients } from "../people/graph.ts";
import { contentSnapshot, createPost, eventBlock, idOf, inDays, rsvp, text } from "./fixtures.ts";

const db = useTestDatabase();
let cast: Cast;
let author: Actor;

type EventRow = DriverRow<"events", "starts_at" | "ends_at">;

beforeAll(async () => {
  cast = await castAround(db(), { visibility: "private" });
  author = await db().newUser("organizer");
});

async function eventsOf(postId: string): Promise<EventRow[]> {
  return db().admin<EventRow[]>`select * from public.events where post_id = ${postId} order by block_index`;
}

async function upcoming(actor: Actor, args: Record<string, unknown> = {}): Promise<RpcRow<"upcoming_events">[]> {
  // Unchecked: the tests also send arguments the database must refuse.
  return db().rpcRowsUnchecked(actor, "upcoming_events", args) as Promise<RpcRow<"upcoming_events">[]>;
}

describe("events", () => {
  it("are written for each event block and follow edits (keeping RSVPs of kept blocks) and deletion", async () => {
    const start = inDays(10);
    const post = await createPost(db(), author, {
      blocks: [text("two events"), eventBlock("Cleanup", start), eventBlock("Party", inDays(11))],
    });
    const [cleanup, party] = await eventsOf(post.id);
    expect(cleanup).toMatchObject({ block_index: 1, title: "Cleanup", location: "Town hall", group_id: null });
    expect(cleanup?.starts_at.toISOString()).toBe(start.toISOString());
    expect(party).toMatchObject({ block_index: 2, title: "Party" });
    await rsvp(db(), cast.stranger, cleanup?.id as string, "going");

    // Edit: block 1 renamed, block 2 removed, a new event at block 3.
    await db().request(
      author,
      (tx) =>
        tx`update public.posts set content = ${tx.json({
          blocks: [text("changed"), eventBlock("Big cleanup", start), text("no party"), eventBlock("Dinner", inDays(12))],
        })} where id = ${post.id}`,
      { method: "PATCH" },
    );
    const after = await eventsOf(post.id);
    expect(after.map((e) => [e.block_index, e.title])).toEqual([
      [1, "Big cleanup"],
      [3, "Dinner"],
    ]);
    expect(after[0]).toMatchObject({ id: cleanup?.id, going_count: 1 });

    await db().request(author, (tx) => tx`delete from public.posts where id = ${post.id}`, { method: "DELETE" });
    expect(await eventsOf(post.id)).toEqual([]);
    const [n] = await db().admin<
      { n: number }[]
    >`select count(*)::int as n from public.event_rsvps where event_id = ${cleanup?.id as string}`;
    expect(n?.n).toBe(0);
  });

  it("cannot be written by clients", async () => {
    const post = await createPost(db(), author, { blocks: [eventBlock("Fixed", inDays(3))] });
    const [event] = await eventsOf(post.id);
    const before = await contentSnapshot(db());
    await expectDbError(
      db().request(author, (tx) => tx`update public.events set title = 'Hacked' where id = ${event?.id as string}`),
      "42501",
      /permission denied for table events/,
    );
    expect(await contentSnapshot(db())).toEqual(before);
  });
});

describe("RSVPs", () => {
  it("are the user's own, on events the user can see, and change or go with exact counts", async () => {
    const groupPost = await createPost(db(), cast.member, {
      title: "Assembly",
      group_id: cast.group.id,
      blocks: [eventBlock("Assembly", inDays(6))],
    });
    const [event] = await eventsOf(groupPost.id);
    const id = event?.id as string;
    const before = await contentSnapshot(db());
    await expectDbError(rsvp(db(), cast.stranger, id, "going"), "PT404", /event not found/);
    await expectDbError(rsvp(db(), cast.unconfirmed, id, "going"), "42501", /confirm your email/);
    await expectDbError(rsvp(db(), cast.admin, id, "maybe"), "22P02", /rsvp_status/);
    expect(await contentSnapshot(db())).toEqual(before);

    await rsvp(db(), cast.admin, id, "going");
    await rsvp(db(), cast.owner, id, "interested");
    await expectDbError(rsvp(db(), cast.owner, id, "going"), "23505", /event_rsvps_pkey/);
    await db().request(cast.owner, (tx) => tx`update public.event_rsvps set status = 'not_going' where event_id = ${id}`, {
      method: "PATCH",
    });
    expect((await eventsOf(groupPost.id))[0]).toMatchObject({ going_count: 1, interested_count: 0, not_going_count: 1 });
    const seen = await db().request(
      cast.member,
      (tx) => tx`select user_id, status from public.event_rsvps where event_id = ${id} order by status`,
    );
    expect(seen.map((r) => ({ ...r }))).toEqual([
      { user_id: idOf(cast.admin), status: "going" },
      { user_id: idOf(cast.owner), status: "not_going" },
    ]);
    await db().request(cast.admin, (tx) => tx`delete from public.event_rsvps where event_id = ${id}`, { method: "DELETE" });
    expect((await eventsOf(groupPost.id))[0]).toMatchObject({ going_count: 0, not_going_count: 1 });
  });

  it("keep counts exact when 20 users answer at once and then change their answers at once", async () => {
    const crowd = await newUsers(db(), "rsvper", 20);
    const clients = parallelClients(db(), 22);
    try {
      const post = await createPost(db(), author, { blocks: [eventBlock("Concert", inDays(8))] });
      const [event] = await eventsOf(post.id);
      const statuses = ["going", "interested", "not_going"];
      await Promise.all(
        crowd.map((u, i) =>
          clients.request(
            u,
            (tx) => tx`insert into public.event_rsvps (event_id, status) values (${event?.id as string}, ${statuses[i % 3] as string})`,
          ),
        ),
      );
      await Promise.all(
        crowd.map((u, i) =>
          clients.request(u, (tx) =>
            i % 4 === 0
              ? tx`delete from public.event_rsvps where event_id = ${event?.id as string} and user_id = (select auth.uid())`
              : tx`update public.event_rsvps set status = ${statuses[(i + 1) % 3] as string} where event_id = ${event?.id as string} and user_id = (select auth.uid())`,
          ),
        ),
      );
      const [row] = await db().admin`
        select e.going_count, e.interested_count, e.not_going_count,
          (select count(*)::int from public.event_rsvps r where r.event_id = e.id and r.status = 'going') as going,
          (select count(*)::int from public.event_rsvps r where r.event_id = e.id and r.status = 'interested') as interested,
          (select count(*)::int from public.event_rsvps r where r.event_id = e.id and r.status = 'not_going') as not_going
        from public.events e where e.id = ${event?.id as string}`;
      expect(row?.going_count).toBe(row?.going);
      expect(row?.interested_count).toBe(row?.interested);
      expect(row?.not_going_count).toBe(row?.not_going);
      expect((row?.going as number) + (row?.interested as number) + (row?.not_going as number)).toBe(15);
    } finally {
      await clients.end();
    }
  });
});

describe("upcoming_events", () => {
  it("lists only events the caller can see that have not ended, soonest first, in keyset pages", async () => {
    const lister = await db().newUser("event_lister");
    const publicPost = await createPost(db(), lister, {
      blocks: [eventBlock("Later", inDays(30)), eventBlock("Sooner", inDays(20)), eventBlock("Past", inDays(-3))],
    });
    const groupPost = await createPost(db(), cast.admin, {
      title: "Members only",
      group_id: cast.group.id,
      blocks: [eventBlock("Secret", inDays(25))],
    });
    const mine = (rows: RpcRow<"upcoming_events">[]) =>
      rows.filter((e) => [publicPost.id, groupPost.id].includes(e.post_id)).map((e) => e.title);

    expect(mine(await upcoming(anon, { page_size: 100 }))).toEqual(["Sooner", "Later"]);
    expect(mine(await upcoming(cast.stranger, { page_size: 100 }))).toEqual(["Sooner", "Later"]);
    expect(mine(await upcoming(cast.member, { page_size: 100 }))).toEqual(["Sooner", "Secret", "Later"]);
    expect((await upcoming(cast.member, { group_id: cast.group.id, page_size: 100 })).map((e) => e.group_id)).not.toContain(null);
    expect(mine(await upcoming(cast.stranger, { group_id: cast.group.id }))).toEqual([]);

    const blocked = await db().newUser("blocked_lister");
    await block(db(), lister, blocked);
    expect(mine(await upcoming(blocked, { page_size: 100 }))).toEqual([]);

    // Pages of one: each page continues after the last row of the previous one.
    const titles: string[] = [];
    let page = await upcoming(cast.member, { page_size: 1 });
    while (page.length > 0) {
      titles.push(...mine(page));
      const last = page[page.length - 1] as RpcRow<"upcoming_events">;
      page = await upcoming(cast.member, { page_size: 1, after_starts_at: last.starts_at, after_id: last.id });
    }
    expect(titles).toEqual(["Sooner", "Secret", "Later"]);

    await expectDbError(upcoming(cast.member, { page_size: 0 }), "22023", /page_size must be between 1 and 100/);
    await expectDbError(upcoming(cast.member, { after_starts_at: new Date() }), "22023", /go together/);
  });
});
