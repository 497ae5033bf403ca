// The home feed reads its reader's context (the authors hidden from them, their home groups) from one
// stored row per reader, kept by the writes it depends on (issue 16): a mute, a block either way, a
// membership or group follow, a group's status or visibility, an erased account. After each such
// write the stored row must equal the rule computed from the sources (private.feed_reader_context_of)
// for every user it touches (a group's change marks its people's rows out of date, and their next
// token rewrites them), and the home feed must equal the brute-force oracle; a timed mute that runs
// out makes the page compute the rule itself until the reader's next token rewrites the row;
// concurrent writes for the same reader never leave a row that misses one of them.
import { afterAll, describe, expect, it } from "vitest";
import { createGroup, slugFor } from "../groups/fixtures.ts";
import { type Actor, anon, serviceRole, type TestDatabase, type User, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { useHeldTransactions } from "../helpers/held-transactions.ts";
import { makeModerator, moderate } from "../moderation/cast.ts";
import { block, follow, idOf, mute, parallelClients, unblock } from "../people/graph.ts";
import { expectFeedMatches, post } from "./world.ts";

interface Context {
  hidden: string[];
  home_groups: string[];
  valid_until: string;
}

describe("the reader's context kept on write", () => {
  const db = useTestDatabase();
  const { held, waitsOnLock } = useHeldTransactions();
  const clients: ReturnType<typeof parallelClients>[] = [];
  afterAll(async () => {
    for (const c of clients) await c.end();
  });

  /** The stored row and the rule computed now, arrays sorted (they may repeat an id). */
  async function storedAndLive(d: TestDatabase, user: Actor): Promise<{ stored: Context | undefined; live: Context }> {
    const sort = (xs: string[]) => [...xs].sort();
    const [stored] = await d.admin<Context[]>`
      select hidden::text[] as hidden, home_groups::text[] as home_groups, valid_until::text as valid_until
      from private.feed_reader_context where user_id = ${idOf(user)}`;
    const [live] = await d.admin<Context[]>`
      select hidden::text[] as hidden, home_groups::text[] as home_groups, valid_until::text as valid_until
      from private.feed_reader_context_of(${idOf(user)})`;
    const norm = (c: Context) => ({ ...c, hidden: sort(c.hidden), home_groups: sort(c.home_groups) });
    return { stored: stored && norm(stored), live: norm(live as Context) };
  }

  async function expectKept(d: TestDatabase, users: Actor[], label: string): Promise<void> {
    for (const u of users) {
      const { stored, live } = await storedAndLive(d, u);
      expect(stored, `${label}: ${u.user?.username}`).toEqual(live);
    }
  }

  it("follows every write it depends on, for everyone it touches, and the home feed stays exact", async () => {
    const d = db();
    const reader = await d.newUser("ctx_reader");
    const other = await d.newUser("ctx_other");
    const owner = await d.newUser("ctx_owner");
    const moderator = await makeModerator(d, await d.newUser("ctx_moderator"));
    const everyone = [reader, other, owner];
    // a new account: a row with nothing hidden and no group, good for ever
    const fresh = await storedAndLive(d, reader);
    expect(fresh.stored).toEqual({ hidden: [], home_groups: [], valid_until: "infinity" });
    expect(fresh.stored).toEqual(fresh.live);

    const open = await createGroup(d, owner, { slug: slugFor("ctxo"), visibility: "public" });
    const closed = await createGroup(d, owner, { slug: slugFor("ctxc"), visibility: "private" });
    await follow(d, reader, other);
    for (const g of [open, closed]) await post(d, owner, g);
    await post(d, other);
    // the other also posts in the public group: the group feed hides them with the reader's context too
    await d.rpc(other, "join_group", { group_id: open.id });
    await post(d, other, open);

    const steps: [string, () => Promise<unknown>, (ctx: Context) => void][] = [
      ["mute for ever", () => mute(d, reader, other), (c) => expect(c.hidden).toEqual([idOf(other)])],
      [
        "unmute",
        () => d.request(reader, (tx) => tx`delete from public.mutes where muted_id = ${idOf(other)}`, { method: "DELETE", path: "/mutes" }),
        (c) => expect(c.hidden).toEqual([]),
      ],
      [
        "mute for an hour",
        () => mute(d, reader, other, new Date(Date.now() + 3_600_000)),
        (c) => {
          expect(c.hidden).toEqual([idOf(other)]);
          expect(c.valid_until).not.toBe("infinity");
        },
      ],
      [
        "unmute again",
        () => d.request(reader, (tx) => tx`delete from public.mutes where muted_id = ${idOf(other)}`, { method: "DELETE", path: "/mutes" }),
        (c) => expect(c.valid_until).toBe("infinity"),
      ],
      ["blocked by the other", () => block(d, other, reader), (c) => expect(c.hidden).toEqual([idOf(other)])],
      ["unblocked", () => unblock(d, other, reader), (c) => expect(c.hidden).toEqual([])],
      ["blocks the other", () => block(d, reader, other), (c) => expect(c.hidden).toEqual([idOf(other)])],
      ["unblocks", () => unblock(d, reader, other), (c) => expect(c.hidden).toEqual([])],
      ["joins a public group", () => d.rpc(reader, "join_group", { group_id: open.id }), (c) => expect(c.home_groups).toEqual([open.id])],
      [
        "asks to join a private group",
        () => d.rpc(reader, "join_group", { group_id: closed.id }),
        (c) => expect(c.home_groups).toEqual([open.id]),
      ],
      [
        "is let in",
        () => d.rpc(owner, "review_join_request", { group_id: closed.id, user_id: idOf(reader), approve: true }),
        (c) => expect(c.home_groups.sort()).toEqual([open.id, closed.id].sort()),
      ],
      [
        "also follows the public group",
        () => d.request(reader, (tx) => tx`insert into public.group_follows (group_id) values (${open.id})`, { path: "/group_follows" }),
        (c) => expect(c.home_groups.filter((g) => g === open.id)).toHaveLength(2),
      ],
      [
        "leaves it (still a follower)",
        () => d.rpc(reader, "leave_group", { group_id: open.id }),
        (c) => expect(c.home_groups).toContain(open.id),
      ],
      [
        "the group goes private (a follower's group no longer)",
        () => d.request(owner, (tx) => tx`update public.groups set visibility = 'private' where id = ${open.id}`, { method: "PATCH" }),
        (c) => expect(c.home_groups).toEqual([closed.id]),
      ],
      [
        "the private group is suspended",
        () => moderate(d, moderator, "suspend_group", "group", closed.id, "spam"),
        (c) => expect(c.home_groups).toEqual([]),
      ],
      [
        "and comes back",
        () => moderate(d, moderator, "unsuspend_group", "group", closed.id, null),
        (c) => expect(c.home_groups).toEqual([closed.id]),
      ],
      [
        "banned from it",
        () => moderate(d, moderator, "group_ban", "profile", idOf(reader), "spam", { group_id: closed.id }),
        (c) => expect(c.home_groups).toEqual([]),
      ],
    ];
    // a group's status or visibility marks its members' and followers' rows out of date instead of
    // rewriting them (a big group has tens of thousands): their pages compute the context afresh, and
    // their next token rewrites the row
    const marksOutOfDate = new Set([
      "the group goes private (a follower's group no longer)",
      "the private group is suspended",
      "and comes back",
    ]);
    for (const [label, write, check] of steps) {
      await write();
      if (marksOutOfDate.has(label)) {
        for (const u of [reader, owner]) expect((await storedAndLive(d, u)).stored?.valid_until, `${label}: marked`).toBe("-infinity");
        await expectFeedMatches(d, reader, "home_feed", {}, 3, `${label}, computed afresh`);
        for (const u of everyone) await d.signIn(u.user as User);
      }
      await expectKept(d, everyone, label);
      const { stored } = await storedAndLive(d, reader);
      check(stored as Context);
      await expectFeedMatches(d, reader, "home_feed", {}, 3, label);
      for (const g of [open, closed]) await expectFeedMatches(d, reader, "group_feed", { group_id: g.id }, 3, label);
    }

    // an erased account leaves the contexts of those it blocked or muted, and its own row goes
    await mute(d, owner, other);
    await block(d, reader, other);
    await d.admin`delete from auth.users where id = ${idOf(other)}`;
    await expectKept(d, [reader, owner], "the other's account erased");
    expect((await storedAndLive(d, reader)).stored?.hidden).toEqual([]);
    expect((await storedAndLive(d, owner)).stored?.hidden).toEqual([]);
    const [gone] = await d.admin<
      { n: number }[]
    >`select count(*)::int as n from private.feed_reader_context where user_id = ${idOf(other)}`;
    expect(gone?.n).toBe(0);
  });

  it("a timed mute that runs out shows the author again at once, and the next token rewrites the row", async () => {
    const d = db();
    const reader = await d.newUser("ctx_timed_reader");
    const author = await d.newUser("ctx_timed_author");
    await follow(d, reader, author);
    const p = await post(d, author);
    const group = await createGroup(d, author, { slug: slugFor("ctxt"), visibility: "public" });
    const inGroup = await post(d, author, group);
    await expectFeedMatches(d, reader, "home_feed", {}, 5, "before the mute");
    await mute(d, reader, author, new Date(Date.now() + 1500));
    const homeIds = async () => (await d.rpcRows(reader, "home_feed", { page_size: 20 })).map((r) => r.post_id);
    const groupIds = async () => (await d.rpcRows(reader, "group_feed", { group_id: group.id })).map((r) => r.post_id);
    expect(await homeIds()).not.toContain(p);
    expect(await groupIds()).not.toContain(inGroup);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // the stored row is past its end: the page computes the rule itself
    const { stored, live } = await storedAndLive(d, reader);
    expect(stored?.hidden).toEqual([idOf(author)]);
    expect(live).toEqual({ hidden: [], home_groups: [], valid_until: "infinity" });
    expect(await homeIds()).toContain(p);
    expect(await groupIds()).toContain(inGroup);
    await expectFeedMatches(d, reader, "home_feed", {}, 5, "after the mute ran out");
    await expectFeedMatches(d, reader, "group_feed", { group_id: group.id }, 5, "after the mute ran out");
    // the next token (sign-in or refresh) rewrites it
    await d.signIn(reader.user as User);
    await expectKept(d, [reader], "after the next token");
  });

  it("two writes for the same reader in flight: whichever locks last writes both", async () => {
    const d = db();
    const reader = await d.newUser("ctx_race_reader");
    const a = await d.newUser("ctx_race_a");
    const b = await d.newUser("ctx_race_b");
    for (const [first, second] of [
      [`insert into public.mutes (muted_id) values ('${idOf(a)}')`, `insert into public.blocks (blocked_id) values ('${idOf(b)}')`],
      [`delete from public.blocks where blocked_id = '${idOf(b)}'`, `delete from public.mutes where muted_id = '${idOf(a)}'`],
    ] as const) {
      const holding = await held(d, reader);
      await holding.run(first);
      const racing = d.request(reader, (tx) => tx.unsafe(second));
      expect(await waitsOnLock(d, second.slice(0, 20))).toBe(true);
      await holding.commit();
      await racing;
      await expectKept(d, [reader, a, b], `${first} racing ${second}`);
    }
    expect((await storedAndLive(d, reader)).stored?.hidden).toEqual([]);
  });

  it("stays equal to the rule under many concurrent mutes, blocks, joins, leaves and group changes", async () => {
    const d = db();
    const users = [] as Actor[];
    for (let i = 0; i < 5; i++) users.push(await d.newUser(`ctx_many_${i}`));
    const owner = users[0] as Actor;
    const groups = [
      await createGroup(d, owner, { slug: slugFor("ctxm"), visibility: "public" }),
      await createGroup(d, owner, { slug: slugFor("ctxm"), visibility: "public" }),
    ];
    const c = parallelClients(d, 4);
    clients.push(c);
    let seed = 7;
    const r = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const write = (actor: Actor, text: string) => c.request(actor, (tx) => tx.unsafe(text)).catch(() => undefined);
    const actions = [
      (u: Actor, v: Actor) => write(u, `insert into public.mutes (muted_id) values ('${idOf(v)}') on conflict do nothing`),
      (u: Actor, v: Actor) => write(u, `delete from public.mutes where muted_id = '${idOf(v)}'`),
      (u: Actor, v: Actor) => write(u, `insert into public.blocks (blocked_id) values ('${idOf(v)}') on conflict do nothing`),
      (u: Actor, v: Actor) => write(u, `delete from public.blocks where blocked_id = '${idOf(v)}'`),
      (u: Actor) => write(u, `select public.join_group('${pick(groups).id}')`),
      (u: Actor) => write(u, `select public.leave_group('${pick(groups).id}')`),
      (u: Actor) => write(u, `insert into public.group_follows (group_id) values ('${pick(groups).id}') on conflict do nothing`),
      () =>
        write(
          owner,
          `update public.groups set visibility = case visibility when 'public' then 'private' else 'public' end where id = '${pick(groups).id}'`,
        ),
    ];
    let writes = 0;
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 4 }, () => {
          const u = pick(users);
          const v = pick(users.filter((x) => x !== u));
          writes++;
          return (pick(actions) as (u: Actor, v: Actor) => Promise<unknown>)(u, v);
        }),
      );
      await expectKept(d, users, `round ${round}`);
    }
    expect(writes).toBe(80);
    // the writes did change contexts: someone hides someone, someone is in a group
    const [changed] = await d.admin<{ hidden: number; grouped: number }[]>`
      select count(*) filter (where cardinality(hidden) > 0)::int as hidden, count(*) filter (where cardinality(home_groups) > 0)::int as grouped
      from private.feed_reader_context where user_id = any (${users.map(idOf)}::uuid[])`;
    expect(changed?.hidden).toBeGreaterThan(0);
    expect(changed?.grouped).toBeGreaterThan(0);
  });

  it("is the owner's alone: API roles neither read nor write it nor call its functions", async () => {
    const d = db();
    const someone = await d.newUser("ctx_snoop");
    for (const actor of [anon, someone, serviceRole]) {
      await expectDbError(
        d.request(actor, (tx) => tx`select * from private.feed_reader_context`),
        "42501",
      );
      await expectDbError(
        d.request(actor, (tx) => tx`update private.feed_reader_context set hidden = '{}'`),
        "42501",
      );
      await expectDbError(
        d.request(actor, (tx) => tx`select * from private.feed_reader_context_of(${idOf(someone)})`),
        "42501",
      );
      await expectDbError(
        d.request(actor, (tx) => tx`select private.refresh_feed_reader_contexts(array[${idOf(someone)}]::uuid[])`),
        "42501",
      );
    }
  });
});
