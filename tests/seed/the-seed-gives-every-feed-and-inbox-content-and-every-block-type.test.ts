// `npm run dev` seeds a small living world (seed/*.sql). Applied to a fresh database exactly as dev
// and db:reset apply it, every feed and inbox has content for every seeded user who can sign in, as
// read through the API by that user, and the posts hold every content block type.
import { beforeAll, describe, expect, it } from "vitest";
import { applySeed } from "../../scripts/lib/database.ts";
import { type Actor, anon, type RpcRow, type User, useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

const ids = {
  ada: "a0000000-0000-4000-8000-000000000001",
  ben: "b0000000-0000-4000-8000-000000000002",
  cleo: "c0000000-0000-4000-8000-000000000003",
  dan: "d0000000-0000-4000-8000-000000000004",
  fay: "f0000000-0000-4000-8000-000000000006",
  gus: "70000000-0000-4000-8000-000000000007",
  hal: "80000000-0000-4000-8000-000000000008",
  ivy: "90000000-0000-4000-8000-000000000009",
  jon: "10000000-0000-4000-8000-000000000010",
} as const;
type Name = keyof typeof ids;
const names = Object.keys(ids) as Name[];
const groups = {
  photoWalks: "30000000-0000-4000-8000-000000000001",
  nightOwls: "30000000-0000-4000-8000-000000000002",
  choir: "30000000-0000-4000-8000-000000000003",
  museum: "30000000-0000-4000-8000-000000000004",
};

type FeedRow = RpcRow<"home_feed">;
interface Blocks {
  blocks: { type: string; meta?: { format?: string } }[];
}

const actors = {} as Record<Name, Actor>;
// The three feeds return the same feed_item rows; their arguments differ, hence the unchecked call.
const feed = async (actor: Actor, fn: "home_feed" | "group_feed" | "profile_feed", args: Record<string, unknown> = {}) =>
  (await db().rpcRowsUnchecked(actor, fn, { page_size: 100, ...args })) as FeedRow[];

beforeAll(async () => {
  await applySeed(db().url);
  for (const name of names) {
    const user: User = { id: ids[name], email: `${name}@example.com`, username: name, displayName: name };
    actors[name] = await db().signIn(user);
  }
});

describe("the seed", () => {
  it("gives every user who can sign in a home feed with posts of others, and leaves out whom they mute", async () => {
    for (const name of names) {
      const rows = await feed(actors[name], "home_feed");
      expect(rows.filter((r) => r.author_id !== ids[name]).length, `${name}'s home feed`).toBeGreaterThan(0);
    }
    const ben = await feed(actors.ben, "home_feed");
    expect(ben.map((r) => r.author_id)).not.toContain(ids.dan); // ben mutes dan
    const dan = await feed(actors.dan, "home_feed");
    expect(dan.map((r) => r.author_id)).toContain(ids.ben);
  });

  it("fills every active group's feed for its members, and the public ones for anyone", async () => {
    for (const [group, reader] of [
      [groups.photoWalks, actors.ivy],
      [groups.nightOwls, actors.hal],
      [groups.choir, actors.ivy],
    ] as const) {
      expect((await feed(reader, "group_feed", { group_id: group })).length).toBeGreaterThan(0);
    }
    expect((await feed(anon, "group_feed", { group_id: groups.photoWalks })).length).toBeGreaterThan(0);
    expect((await feed(anon, "group_feed", { group_id: groups.choir })).length).toBeGreaterThan(0);
    // The private book club is closed to strangers and to ivy, whose request is still pending.
    expect(await feed(anon, "group_feed", { group_id: groups.nightOwls })).toEqual([]);
    expect(await feed(actors.ivy, "group_feed", { group_id: groups.nightOwls })).toEqual([]);
  });

  it("fills every user's profile feed, and private profiles only for their followers", async () => {
    for (const name of names) {
      expect((await feed(actors[name], "profile_feed", { user_id: ids[name] })).length, name).toBeGreaterThan(0);
    }
    expect((await feed(anon, "profile_feed", { user_id: ids.ben })).length).toBeGreaterThan(0);
    expect(await feed(anon, "profile_feed", { user_id: ids.cleo })).toEqual([]);
    expect((await feed(actors.ben, "profile_feed", { user_id: ids.cleo })).length).toBeGreaterThan(0); // accepted
    expect(await feed(actors.jon, "profile_feed", { user_id: ids.cleo })).toEqual([]); // still pending
  });

  it("gives every user a conversation and unread notifications, and two users a waiting message request", async () => {
    for (const name of names) {
      const conversations = await db().rpcRows(actors[name], "my_conversations", { page_size: 20 });
      expect(conversations.length, `${name}'s conversations`).toBeGreaterThan(0);
      const notifications = await db().request(actors[name], (tx) => tx`select kind from public.notifications`);
      expect(notifications.length, `${name}'s notifications`).toBeGreaterThan(0);
      expect(await db().rpc(actors[name], "unread_notification_count")).toBeGreaterThan(0);
    }
    for (const name of ["cleo", "gus"] as const) {
      const requests = await db().rpcRows(actors[name], "my_conversations", { page_size: 20, requests: true });
      expect(requests.length, `${name}'s message requests`).toBe(1);
    }
    const kinds = await db().admin<{ kind: string }[]>`select distinct kind::text from public.notifications order by 1`;
    expect(kinds.map((k) => k.kind)).toEqual(
      expect.arrayContaining([
        "follow",
        "follow_request",
        "follow_accepted",
        "comment",
        "reply",
        "reaction",
        "group_join_request",
        "group_invite",
        "group_join_approved",
        "institution_approved",
        "message_request",
      ]),
    );
  });

  it("holds posts of every block type, plain and markdown text, in the feeds", async () => {
    const seen = new Set<string>();
    for (const name of names) {
      for (const row of await feed(actors[name], "home_feed")) {
        for (const block of (row.content as unknown as Blocks).blocks) {
          seen.add(block.type === "text" ? `text:${block.meta?.format ?? "plain"}` : block.type);
        }
      }
    }
    expect([...seen].sort()).toEqual(["donation", "embed", "event", "image", "schedule", "text:markdown", "text:plain", "video"]);
  });

  it("has groups of each kind and state, with comments, reactions, RSVPs, bookmarks and upcoming events", async () => {
    const visible = await db().request(anon, (tx) => tx`select slug, kind, visibility, status, verified from public.groups order by slug`);
    expect(visible).toEqual([
      { slug: "night-owls", kind: "generic", visibility: "private", status: "active", verified: false },
      { slug: "photo-walks", kind: "generic", visibility: "public", status: "active", verified: false },
      { slug: "riverside-choir", kind: "institution", visibility: "public", status: "active", verified: true },
    ]);
    const mine = await db().request(actors.jon, (tx) => tx`select status from public.groups where id = ${groups.museum}`);
    expect(mine).toEqual([{ status: "pending" }]);
    const [counts] = await db().admin<Record<string, number>[]>`select
      (select count(*)::int from public.comments where parent_id is not null) as replies,
      (select count(*)::int from public.reactions) as reactions,
      (select count(*)::int from public.event_rsvps) as rsvps,
      (select count(*)::int from public.bookmarks) as bookmarks,
      (select count(*)::int from public.blocks) as blocks,
      (select count(*)::int from public.mutes) as mutes,
      (select count(*)::int from public.follows where status = 'pending') as pending_follows,
      (select count(*)::int from public.group_members where status = 'invited') as invitations,
      (select count(*)::int from public.group_members where status = 'pending') as join_requests,
      (select count(*)::int from public.institution_profiles where website is not null) as institution_profiles`;
    for (const [what, n] of Object.entries(counts ?? {})) expect(n, what).toBeGreaterThan(0);
    expect((await db().rpcRows(anon, "upcoming_events", { page_size: 10 })).length).toBe(2);
    expect(await db().request(actors.ben, (tx) => tx`select post_id from public.bookmarks`)).toHaveLength(1);
  });

  it("applies twice without error or duplicates (a second dev start on an old seed changes nothing)", async () => {
    const count = async () =>
      (
        await db().admin<{ n: number }[]>`select (select count(*) from public.posts) + (select count(*) from public.messages)
        + (select count(*) from public.notifications) + (select count(*) from public.group_members) as n`
      )[0]?.n;
    const before = await count();
    await applySeed(db().url);
    expect(await count()).toBe(before);
  });
});
