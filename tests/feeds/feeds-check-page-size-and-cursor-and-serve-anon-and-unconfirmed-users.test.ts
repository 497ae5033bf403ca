// The feed RPCs' edges: page_size 1–100 and a valid cursor or 22023; anon reads public group and profile
// feeds but not a home feed; an unconfirmed user reads; nobody reads a feed as someone else.
import { describe, expect, it } from "vitest";
import { createGroup, slugFor } from "../groups/fixtures.ts";
import { anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { follow, idOf, setPrivate } from "../people/graph.ts";
import { deliverPosts, post } from "./world.ts";

describe("feed edges", () => {
  const db = useTestDatabase();

  it("accepts page_size 1 to 100 and refuses anything else with 22023", async () => {
    const a = await db().newUser("pager");
    for (let i = 0; i < 3; i++) await post(db(), a);
    expect(await db().rpcRows(a, "home_feed", { page_size: 1 })).toHaveLength(1);
    expect(await db().rpcRows(a, "home_feed", { page_size: 100 })).toHaveLength(3);
    expect(await db().rpcRows(a, "home_feed", {})).toHaveLength(3);
    for (const bad of [0, -1, 101, null]) {
      await expectDbError(db().rpcRows(a, "home_feed", { page_size: bad }), "22023", "page_size must be between 1 and 100");
      await expectDbError(db().rpcRows(a, "profile_feed", { user_id: idOf(a), page_size: bad }), "22023", "page_size");
    }
  });

  it("refuses a cursor that is not one with 22023 and pages by the last row's cursor", async () => {
    const a = await db().newUser("cursorer");
    for (let i = 0; i < 3; i++) await post(db(), a);
    const first = await db().rpcRows(a, "home_feed", { page_size: 2 });
    const last = first[1] as { cursor: string; post_id: string };
    const [micros, id] = last.cursor.split(".");
    for (const bad of [
      "nonsense",
      "bm9uc2Vuc2U",
      "",
      "MTIzOnh5eg",
      // the plain format's near misses: not the id, a cast that would overflow, a sign too many
      `${micros}.${(id as string).slice(1)}`,
      `${micros}.${(id as string).toUpperCase().replace(/[a-f]/, "G")}`,
      `99999999999999999999.${id}`,
      `--${micros}.${id}`,
      `${micros}:${id}`,
    ]) {
      await expectDbError(db().rpcRows(a, "home_feed", { cursor: bad }), "22023", "cursor is not valid");
    }
    const next = await db().rpcRows(a, "home_feed", { page_size: 2, cursor: last.cursor });
    expect(next).toHaveLength(1);
    expect(new Set([...first, ...next].map((r) => r.post_id)).size).toBe(3);
    // a cursor of the format before (base64url of "<microseconds>:<id>"), as a client may still hold
    // one across the change, pages exactly as the new one
    const before = Buffer.from(`${micros}:${id}`).toString("base64url");
    for (const feed of ["home_feed", "profile_feed"] as const) {
      const args = feed === "profile_feed" ? { user_id: idOf(a) } : {};
      expect(await db().rpcRows(a, feed, { ...args, page_size: 2, cursor: before })).toEqual(
        await db().rpcRows(a, feed, { ...args, page_size: 2, cursor: last.cursor }),
      );
    }
  });

  it("lets anon read public group and profile feeds, not private ones, and not a home feed", async () => {
    const owner = await db().newUser("anon_owner");
    const hidden = await db().newUser("anon_hidden");
    const open = await createGroup(db(), owner, { slug: slugFor("anon-open") });
    const closed = await createGroup(db(), owner, { slug: slugFor("anon-closed"), visibility: "private" });
    const p1 = await post(db(), owner, open);
    await post(db(), owner, closed);
    const p3 = await post(db(), owner);
    await post(db(), hidden);
    await setPrivate(db(), hidden, true);
    expect((await db().rpcRows(anon, "group_feed", { group_id: open.id })).map((r) => r.post_id)).toEqual([p1]);
    expect(await db().rpcRows(anon, "group_feed", { group_id: closed.id })).toEqual([]);
    expect((await db().rpcRows(anon, "profile_feed", { user_id: idOf(owner) })).map((r) => r.post_id)).toEqual([p3]);
    expect(await db().rpcRows(anon, "profile_feed", { user_id: idOf(hidden) })).toEqual([]);
    await expectDbError(db().rpcRows(anon, "home_feed", {}), "42501");
    const [row] = await db().rpcRows(anon, "group_feed", { group_id: open.id });
    expect(row?.group_card).toMatchObject({ id: open.id, slug: open.slug, name: open.name, kind: "generic", verified: false });
    expect(row?.author_card).toMatchObject({ id: idOf(owner), avatar_path: null });
    expect(row?.my_reaction).toBeNull();
    expect(row?.bookmarked).toBe(false);
  });

  it("serves an unconfirmed user public feeds and an empty home feed", async () => {
    const author = await db().newUser("conf_author");
    const p = await post(db(), author);
    const unconfirmed = await db().newUser("unconfirmed_reader", { confirm: false });
    expect(await db().rpcRows(unconfirmed, "home_feed", {})).toEqual([]);
    expect((await db().rpcRows(unconfirmed, "profile_feed", { user_id: idOf(author) })).map((r) => r.post_id)).toEqual([p]);
  });

  it("carries the caller's own reaction and bookmark, nobody else's", async () => {
    const author = await db().newUser("rx_author");
    const fan = await db().newUser("rx_fan");
    const other = await db().newUser("rx_other");
    await follow(db(), fan, author);
    await follow(db(), other, author);
    const p = await post(db(), author);
    // the feed-delivery job puts the post into the followers' inboxes (decision 0010)
    await deliverPosts(db());
    await db().request(fan, (tx) => tx`insert into public.reactions (post_id, kind) values (${p}, 'love')`, { path: "/reactions" });
    await db().request(fan, (tx) => tx`insert into public.bookmarks (post_id) values (${p})`, { path: "/bookmarks" });
    await db().request(other, (tx) => tx`insert into public.reactions (post_id, kind) values (${p}, 'haha')`, { path: "/reactions" });
    const [mine] = await db().rpcRows(fan, "home_feed", {});
    expect(mine).toMatchObject({ post_id: p, my_reaction: "love", bookmarked: true, reaction_count: 2 });
    const [theirs] = await db().rpcRows(other, "profile_feed", { user_id: idOf(author) });
    expect(theirs).toMatchObject({ post_id: p, my_reaction: "haha", bookmarked: false });
    const [anons] = await db().rpcRows(anon, "profile_feed", { user_id: idOf(author) });
    expect(anons).toMatchObject({ post_id: p, my_reaction: null, bookmarked: false });
  });

  it("never reads a home feed as someone else, even through the private function", async () => {
    const a = await db().newUser("spy");
    const b = await db().newUser("spied");
    await follow(db(), b, a);
    await post(db(), a);
    await expectDbError(
      db().request(b, (tx) => tx`select * from private.home_feed_page(${idOf(a)}, null, 20)`),
      "42501",
    );
  });

  it("refuses every page function a reader other than the caller whenever the session carries claims (the who-reads rule)", async () => {
    // As the owner (who may call private functions) but with b's claims: the rule itself refuses,
    // in each feed page (inlined) and in the search pages (private.require_feed_reader).
    const a = await db().newUser("named");
    const b = await db().newUser("claimer");
    const claims = JSON.stringify({ sub: idOf(b), role: "authenticated" });
    const pages = [
      `select * from private.home_feed_page('${idOf(a)}', null, 20)`,
      `select * from private.group_feed_page('${idOf(a)}', gen_random_uuid(), null, 20)`,
      `select * from private.profile_feed_page('${idOf(a)}', '${idOf(b)}', null, 20)`,
      `select * from private.search_posts_page('${idOf(a)}', 'hello', null, 20)`,
    ];
    for (const page of pages) {
      await expectDbError(
        db().admin.begin(async (tx) => {
          await tx`select set_config('request.jwt.claims', ${claims}, true)`;
          await tx.unsafe(page);
        }),
        "42501",
        /read as the caller/,
      );
    }
    // without claims (a job, the bench) the owner may name any reader
    const rows = await db().admin.unsafe(`select * from private.home_feed_page('${idOf(a)}', null, 20)`);
    expect(rows).toEqual([]);
  });
});
