// Feed rows read the group card stored with the group (groups.card, a generated column) and the
// author card each post carries (posts.author_card, a copy of the generated profiles.card kept by
// triggers), and look for the reader's reaction only on posts that count reactions (issue 16). So:
// an edit shows in every feed at once, a rename racing a post still reaches the post, nobody can
// write a card, and my_reaction is exactly the reader's row in public.reactions.
import { describe, expect, it } from "vitest";
import { createGroup, slugFor } from "../groups/fixtures.ts";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { useHeldTransactions } from "../helpers/held-transactions.ts";
import { follow, idOf } from "../people/graph.ts";
import { deliverPosts, post } from "./world.ts";

type Row = {
  post_id: string;
  author_card: Record<string, unknown>;
  group_card: Record<string, unknown> | null;
  my_reaction: string | null;
};

describe("stored cards and the reader's reaction in feed rows", () => {
  const db = useTestDatabase();

  const react = (actor: Actor, postId: string, kind: string) =>
    db().request(actor, (tx) => tx`insert into public.reactions (post_id, kind) values (${postId}, ${kind})`, { path: "/reactions" });
  const unreact = (actor: Actor, postId: string) =>
    db().request(actor, (tx) => tx`delete from public.reactions where post_id = ${postId} and user_id = ${idOf(actor)}`, {
      method: "DELETE",
      path: "/reactions",
    });

  it("shows a renamed author and a renamed group in every feed and in group search at once", async () => {
    const author = await db().newUser("card_author");
    const reader = await db().newUser("card_reader");
    const group = await createGroup(db(), author, { slug: slugFor("card-group"), name: "Old Name" });
    await follow(db(), reader, author);
    await db().request(reader, (tx) => tx`insert into public.group_follows (group_id) values (${group.id})`, { path: "/group_follows" });
    const own = await post(db(), author);
    const inGroup = await post(db(), author, group);
    // the feed-delivery job runs before the renames (decision 0010), so nothing runs between the
    // renames and the reads below: the new cards show at once
    await deliverPosts(db());

    await db().request(author, (tx) => tx`update public.profiles set display_name = 'Renamed Author' where id = ${idOf(author)}`, {
      method: "PATCH",
      path: "/profiles",
    });
    await db().request(author, (tx) => tx`update public.groups set name = 'New Name' where id = ${group.id}`, {
      method: "PATCH",
      path: "/groups",
    });

    const home = (await db().rpcRows(reader, "home_feed", {})) as Row[];
    expect(home.map((r) => r.post_id).sort()).toEqual([own, inGroup].sort());
    const feeds = [
      ...home,
      ...((await db().rpcRows(reader, "profile_feed", { user_id: idOf(author) })) as Row[]),
      ...((await db().rpcRows(reader, "group_feed", { group_id: group.id })) as Row[]),
    ];
    for (const row of feeds) {
      expect(row.author_card).toEqual({ id: idOf(author), display_name: "Renamed Author", avatar_path: null });
      if (row.post_id === inGroup) {
        expect(row.group_card).toEqual({ id: group.id, name: "New Name", slug: group.slug, kind: "generic", verified: false });
      } else {
        expect(row.group_card).toBeNull();
      }
    }
    const found = (await db().rpcRows(reader, "search_groups", { query: "New Name" })) as { group_id: string; group_card: unknown }[];
    expect(found.find((g) => g.group_id === group.id)?.group_card).toEqual({
      id: group.id,
      name: "New Name",
      slug: group.slug,
      kind: "generic",
      verified: false,
    });
  });

  it("lets nobody write a card, service_role included (a generated column: 428C9)", async () => {
    const author = await db().newUser("card_forger");
    const group = await createGroup(db(), author, { slug: slugFor("card-forged") });
    const forged = { id: idOf(author), display_name: "Someone Else", avatar_path: null };
    await expectDbError(
      db().request(author, (tx) => tx`update public.profiles set card = ${tx.json(forged)} where id = ${idOf(author)}`, {
        method: "PATCH",
      }),
      "428C9",
    );
    await expectDbError(
      db().request(
        author,
        (tx) => tx`update public.groups set card = ${tx.json({ id: group.id, name: "Forged" })} where id = ${group.id}`,
        {
          method: "PATCH",
        },
      ),
      "428C9",
    );
    await expectDbError(
      db().request(serviceRole, (tx) => tx`update public.profiles set card = ${tx.json(forged)} where id = ${idOf(author)}`, {
        method: "PATCH",
      }),
      "428C9",
    );
    const [card] = await db().admin`select card from public.profiles where id = ${idOf(author)}`;
    expect(card?.card).toMatchObject({ id: idOf(author), display_name: expect.not.stringMatching("Someone Else") });
  });

  const rename = (actor: Actor, name: string) =>
    db().request(actor, (tx) => tx`update public.profiles set display_name = ${name} where id = ${idOf(actor)}`, {
      method: "PATCH",
      path: "/profiles",
    });
  /** Each post's stored author card, and its author's profile card, read as the owner. */
  const cardsOf = async (postIds: string[]) =>
    db().admin<{ id: string; author_card: unknown; card: unknown }[]>`
      select p.id, p.author_card, pr.card from public.posts p join public.profiles pr on pr.id = p.author_id
      where p.id = any (${postIds})`;

  it("carries the author's card on every post: copied on insert whatever the insert says, rewritten on a rename or a new avatar, written by nobody else", async () => {
    const author = await db().newUser("card_carrier");
    const bystander = await db().newUser("card_bystander");
    const reader = await db().newUser("card_carrier_reader");
    const group = await createGroup(db(), author, { slug: slugFor("card-carrier") });
    await follow(db(), reader, author);
    const mine = [await post(db(), author), await post(db(), author, group)];
    const theirs = await post(db(), bystander);
    await deliverPosts(db());
    const [before] = await cardsOf([theirs]);
    for (const row of await cardsOf(mine)) expect(row.author_card).toEqual(row.card);

    // a rename and a new avatar reach every post of the author, and no one else's
    await rename(author, "Carrier Renamed");
    const avatar = `${idOf(author)}/avatar.png`;
    await db().request(author, (tx) => tx`update public.profiles set avatar_path = ${avatar} where id = ${idOf(author)}`, {
      method: "PATCH",
      path: "/profiles",
    });
    const expected = { id: idOf(author), display_name: "Carrier Renamed", avatar_path: avatar };
    for (const row of await cardsOf(mine)) expect(row.author_card).toEqual(expected);
    expect((await cardsOf([theirs]))[0]?.author_card).toEqual(before?.author_card);
    for (const row of (await db().rpcRows(reader, "home_feed", {})) as Row[]) expect(row.author_card).toEqual(expected);

    // clients never name the column (column grants: 42501); service_role's forged card is replaced on
    // insert and refused on update (22023); a post for no profile is the foreign key's error (23503)
    const forged = { id: idOf(author), display_name: "Someone Else", avatar_path: null };
    await expectDbError(
      db().request(
        author,
        (tx) =>
          tx`insert into public.posts (content, author_card) values (${tx.json({ blocks: [{ type: "text", value: "x" }] })}, ${tx.json(forged)})`,
        { path: "/posts" },
      ),
      "42501",
    );
    await expectDbError(
      db().request(author, (tx) => tx`update public.posts set author_card = ${tx.json(forged)} where id = ${mine[0] as string}`, {
        method: "PATCH",
        path: "/posts",
      }),
      "42501",
    );
    const [byService] = await db().request(
      serviceRole,
      (tx) => tx<{ id: string }[]>`insert into public.posts (author_id, content, author_card)
        values (${idOf(author)}, ${tx.json({ blocks: [{ type: "text", value: "by service" }] })}, ${tx.json(forged)}) returning id`,
      { path: "/posts" },
    );
    expect((await cardsOf([byService?.id as string]))[0]?.author_card).toEqual(expected);
    await expectDbError(
      db().request(serviceRole, (tx) => tx`update public.posts set author_card = ${tx.json(forged)} where id = ${mine[0] as string}`, {
        method: "PATCH",
        path: "/posts",
      }),
      "22023",
      /author card is the author's profile card/,
    );
    await expectDbError(
      db().request(
        serviceRole,
        (tx) => tx`insert into public.posts (author_id, content)
          values (gen_random_uuid(), ${tx.json({ blocks: [{ type: "text", value: "nobody" }] })})`,
        { path: "/posts" },
      ),
      "23503",
    );
    for (const row of await cardsOf(mine)) expect(row.author_card).toEqual(expected);
  });

  describe("a rename racing a post", () => {
    const { held, waitsOnLock } = useHeldTransactions();

    it("reaches a post whose insert read the old card while the rename was open (the post waits for the author's row)", async () => {
      const author = await db().newUser("race_card_post_waits");
      const renaming = await held(db(), author);
      await renaming.run(`update public.profiles set display_name = 'Renamed While Posting' where id = '${idOf(author)}'`);
      const posting = post(db(), author);
      expect(await waitsOnLock(db(), "insert into public.posts")).toBe(true);
      await renaming.commit();
      const id = await posting;
      const [row] = await cardsOf([id]);
      expect(row?.author_card).toEqual({ id: idOf(author), display_name: "Renamed While Posting", avatar_path: null });
      expect(row?.author_card).toEqual(row?.card);
    });

    it("reaches a post committed while the rename waited for the author's row", async () => {
      const author = await db().newUser("race_card_rename_waits");
      const posting = await held(db(), author);
      const [inserted] = await posting.run(
        `insert into public.posts (content) values ('{"blocks": [{"type": "text", "value": "held"}]}') returning id`,
      );
      const renaming = rename(author, "Renamed After Posting");
      expect(await waitsOnLock(db(), "update public.profiles")).toBe(true);
      await posting.commit();
      await renaming;
      const [row] = await cardsOf([inserted?.id as string]);
      expect(row?.author_card).toEqual({ id: idOf(author), display_name: "Renamed After Posting", avatar_path: null });
    });
  });

  describe("a prolific author's rename", () => {
    const { held, waitsOnLock } = useHeldTransactions();

    it("rewrites the newest posts at once and leaves the older ones to the author-cards job, which holds off a rename while it copies", async () => {
      const d = db();
      const author = await d.newUser("card_prolific");
      const reader = await d.newUser("card_prolific_reader");
      await follow(d, reader, author);
      const posts: string[] = [];
      for (let i = 0; i < 5; i++) posts.push(await post(d, author));
      await deliverPosts(d);
      const newest = posts.slice(-2);
      const older = posts.slice(0, 3);
      const queued = async () =>
        (await d.admin<{ author_id: string }[]>`select author_id from private.author_card_rewrites`).map((r) => r.author_id);
      const card = (name: string) => ({ id: idOf(author), display_name: name, avatar_path: null });
      const cards = async () => Object.fromEntries((await cardsOf(posts)).map((r) => [r.id, r.author_card]));
      const job = async (batch: number) => {
        const [done] = await d.admin<{ n: number }[]>`select private.rewrite_author_cards(${batch}) as n`;
        return done?.n;
      };
      const original = (await cards())[posts[0] as string];
      // the limit is a positive number of posts (the setting's check constraint)
      await expectDbError(d.admin`update private.feed_settings set author_card_sync_limit = 0`, "23514");
      await d.admin`update private.feed_settings set author_card_sync_limit = 2`;
      try {
        await rename(author, "Prolific Renamed");
        const now = await cards();
        for (const id of newest) expect(now[id]).toEqual(card("Prolific Renamed"));
        for (const id of older) expect(now[id]).toEqual(original);
        expect(await queued()).toEqual([idOf(author)]);
        // the feed shows the newest posts with the new card at once
        const home = (await d.rpcRows(reader, "home_feed", { page_size: 2 })) as Row[];
        expect(home.map((r) => [r.post_id, r.author_card])).toEqual([...newest].reverse().map((id) => [id, card("Prolific Renamed")]));

        // a run in flight holds the author's row shared: a rename waits for it (without that, the run
        // could write the card it read over the rename's)
        const run = await held(d, null);
        await run.run("select private.rewrite_author_cards(1)");
        const renaming = rename(author, "Prolific Again");
        expect(await waitsOnLock(d, "update public.profiles")).toBe(true);
        await run.commit();
        await renaming;
        expect(await queued()).toEqual([idOf(author)]);
        // each run rewrites up to a batch, and the author stays queued while any post is left
        expect(await job(2)).toBe(2);
        expect(await queued()).toEqual([idOf(author)]);
        expect(await job(2)).toBe(1);
        expect(await queued()).toEqual([]);
        for (const c of Object.values(await cards())) expect(c).toEqual(card("Prolific Again"));
        expect(await job(10)).toBe(0);
      } finally {
        await d.admin`update private.feed_settings set author_card_sync_limit = 1000`;
      }
    });

    it("is the owner's job only: the API roles neither run it nor see its queue (42501)", async () => {
      const user = await db().newUser("card_job_caller");
      for (const actor of [anon, user, serviceRole]) {
        await expectDbError(
          db().request(actor, (tx) => tx`select private.rewrite_author_cards(10)`),
          "42501",
        );
        await expectDbError(
          db().request(actor, (tx) => tx`select * from private.author_card_rewrites`),
          "42501",
        );
      }
    });
  });

  it("gives each reader exactly their own reaction on every row, as it comes and goes, on posts with and without reactions", async () => {
    const author = await db().newUser("rx_card_author");
    const fan = await db().newUser("rx_card_fan");
    const other = await db().newUser("rx_card_other");
    const group = await createGroup(db(), author, { slug: slugFor("rx-card") });
    for (const reader of [fan, other]) {
      await follow(db(), reader, author);
      await db().request(reader, (tx) => tx`insert into public.group_follows (group_id) values (${group.id})`, { path: "/group_follows" });
    }
    const posts: string[] = [];
    for (let i = 0; i < 6; i++) posts.push(await post(db(), author, i % 2 === 0 ? undefined : group));
    const [p0, p1, p2, p3] = posts as [string, string, string, string];
    // the feed-delivery job puts the posts into the readers' inboxes (decision 0010)
    await deliverPosts(db());
    await react(fan, p0, "love");
    await react(other, p1, "haha"); // counts a reaction, none of the fan's
    await react(fan, p2, "like");
    await react(other, p2, "love");
    await react(other, p3, "like");
    await unreact(other, p3); // back to zero

    // The expectation is the reactions table itself, read as the owner.
    const check = async () => {
      for (const reader of [fan, other]) {
        const truth = new Map(
          (
            await db().admin<{ post_id: string; kind: string }[]>`
            select post_id, kind::text from public.reactions where user_id = ${idOf(reader)} and post_id = any (${posts})`
          ).map((r) => [r.post_id, r.kind]),
        );
        const feeds = [
          (await db().rpcRows(reader, "home_feed", {})) as Row[],
          (await db().rpcRows(reader, "profile_feed", { user_id: idOf(author) })) as Row[],
          (await db().rpcRows(reader, "group_feed", { group_id: group.id })) as Row[],
        ];
        expect(feeds[0]).toHaveLength(6);
        for (const rows of feeds) {
          for (const row of rows) expect([row.post_id, row.my_reaction]).toEqual([row.post_id, truth.get(row.post_id) ?? null]);
        }
      }
    };
    await check();
    await unreact(fan, p0);
    await react(fan, p1, "wow");
    await check();
    const fanHome = (await db().rpcRows(fan, "home_feed", {})) as Row[];
    expect(Object.fromEntries(fanHome.map((r) => [r.post_id, r.my_reaction]))).toMatchObject({
      [p0]: null,
      [p1]: "wow",
      [p2]: "like",
      [p3]: null,
    });
  });
});
