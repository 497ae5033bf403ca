// Issue 17: search_posts ranks title above text above alt text, then newest first; english stems and
// words as written both match; cursors page without gaps or repeats; edits keep documents and tags in
// step; hashtags are Unicode-aware and case-folded; trending_tags counts distinct authors of publicly
// visible posts from the rollup the job refreshes.
import { describe, expect, it } from "vitest";
import { anon, idOf, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { setPrivate } from "../people/graph.ts";
import { createPost, text } from "../posts/fixtures.ts";
import { indexPosts, postIds, searchPosts, tagFeed, users, word } from "./fixtures.ts";

const db = useTestDatabase();

async function edit(actor: Parameters<typeof createPost>[1], id: string, fields: { title?: string | null; content?: unknown }) {
  const set = { ...("title" in fields ? { title: fields.title } : {}), ...("content" in fields ? { content: fields.content } : {}) };
  await db().request(actor, (tx) => tx`update public.posts set ${tx(set as Record<string, never>)} where id = ${id}`, { method: "PATCH" });
}

describe("search_posts ranking", () => {
  it("puts a title match above a text match above an alt-text match, and the newer first at equal relevance", async () => {
    const author = await db().newUser("r_author");
    const w = word();
    const inAlt = await createPost(db(), author, {
      blocks: [text("a photo"), { type: "image", value: "https://cdn.example.com/a.jpg", meta: { alt: `a ${w} at dusk` } }],
    });
    const inTitle = await createPost(db(), author, { title: `All about ${w}`, blocks: [text("see title")] });
    const olderText = await createPost(db(), author, { blocks: [text(`I saw a ${w} today`)] });
    const newerText = await createPost(db(), author, { blocks: [text(`I saw a ${w} today`)] });
    expect(postIds(await searchPosts(db(), anon, w))).toEqual([inTitle.id, newerText.id, olderText.id, inAlt.id]);
  });

  it("matches english stems and words as written, and web-search syntax", async () => {
    const author = await db().newUser("r_stems");
    const w = word();
    const running = await createPost(db(), author, { blocks: [text(`${w} running shoes`)] });
    const german = await createPost(db(), author, { blocks: [text(`${w} die Straße entlang`)] });
    expect(postIds(await searchPosts(db(), anon, `${w} runs`))).toEqual([running.id]);
    expect(postIds(await searchPosts(db(), anon, `${w} Straße`))).toEqual([german.id]);
    expect(postIds(await searchPosts(db(), anon, `${w} -shoes`))).toEqual([german.id]);
    expect(new Set(postIds(await searchPosts(db(), anon, `${w}straße or ${w}`)))).toEqual(new Set([running.id, german.id]));
  });

  it("pages with cursors: no gaps, no repeats, even when a post arrives between pages", async () => {
    const author = await db().newUser("r_pager");
    const w = word();
    const posts = [];
    for (let i = 0; i < 5; i++) posts.push(await createPost(db(), author, { blocks: [text(`${w} number ${i}`)] }));
    const seen: (string | null)[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const rows = await searchPosts(db(), anon, w, cursor, 2);
      if (rows.length === 0) break;
      seen.push(...postIds(rows));
      cursor = rows[rows.length - 1]?.cursor ?? null;
      if (page === 0) await createPost(db(), author, { blocks: [text(`${w} late arrival`)] });
    }
    expect(seen).toEqual(posts.map((p) => p.id).reverse());
    await expectDbError(searchPosts(db(), anon, w, "garbage!"), "22023", /cursor is not valid/);
    await expectDbError(searchPosts(db(), anon, w, null, 101), "22023", /page_size must be between 1 and 100/);
  });

  it("ranks the newest 1,000 matches of a word, then pages the older ones newest first: every match once", async () => {
    const author = await db().newUser("r_window");
    const w = word();
    // 1,010 posts a minute apart (the newest first: i = 1), arranged directly: a title match inside the
    // window (i = 500) ranks first, one older than the window (i = 1005) keeps its place in time.
    const rows = await db().admin<{ id: string; i: number }[]>`
      insert into public.posts (author_id, title, content, created_at)
      select ${idOf(author)}::uuid, case when i in (500, 1005) then 'About ' || ${w}::text end,
        jsonb_build_object('blocks', jsonb_build_array(jsonb_build_object('type', 'text', 'value', ${w}::text || ' note ' || i))),
        now() - i * interval '1 minute'
      from generate_series(1, 1010) as i
      returning id, (extract(epoch from now() - created_at) / 60)::integer as i`;
    const byAge = new Map(rows.map((r) => [r.i, r.id]));
    const at = (i: number) => byAge.get(i);
    const ages = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
    // Visibility holds on both sides of the window: removed posts are never found.
    const removed = [at(10) ?? "", at(1003) ?? ""];
    await db().admin`update public.posts set removed_at = now(), removed_reason = 'test' where id in ${db().admin(removed)}`;
    const expected = [
      at(500),
      ...ages(1, 1000)
        .filter((i) => i !== 500 && i !== 10)
        .map(at),
      ...ages(1001, 1010)
        .filter((i) => i !== 1003)
        .map(at),
    ];
    // Pages of 30: the 34th starts inside the window and ends past it.
    const seen: (string | null)[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 40; page++) {
      const found = await searchPosts(db(), anon, w, cursor, 30);
      if (found.length === 0) break;
      seen.push(...postIds(found));
      cursor = found[found.length - 1]?.cursor ?? null;
    }
    expect(seen).toEqual(expected);
  });

  it("keeps every match posted in the same microsecond as the 1,000th newest inside the ranked window", async () => {
    const author = await db().newUser("r_window_tie");
    const w = word();
    // 998 posts a minute apart (i = 1 newest), then four in one microsecond (i = 999..1002: the 999th
    // to 1,002nd newest, so the 1,000th and 1,001st share their time), then one older (i = 1003).
    // Title matches: the last-inserted of the tied four, and the older one.
    const rows = await db().admin<{ id: string }[]>`
      insert into public.posts (author_id, title, content, created_at)
      select ${idOf(author)}::uuid, case when i in (1002, 1003) then 'About ' || ${w}::text end,
        jsonb_build_object('blocks', jsonb_build_array(jsonb_build_object('type', 'text', 'value', ${w}::text || ' note ' || i))),
        date_trunc('minute', now()) - least(i, 999) * interval '1 minute' - (i / 1003) * interval '4 minutes'
      from generate_series(1, 1003) as i
      returning id`;
    expect(rows).toHaveLength(1003);
    // i again, from the newest post (i = 1), not from now(): the clock may have passed a minute since.
    const ids = await db().admin<{ id: string; i: number; titled: boolean }[]>`
      select id, title is not null as titled,
        (extract(epoch from max(created_at) over () - created_at) / 60)::integer + 1 as i
      from public.posts where author_id = ${idOf(author)}::uuid`;
    const tied = ids.filter((r) => r.i === 999);
    expect(tied).toHaveLength(4);
    const tiedTitle = tied.find((r) => r.titled)?.id;
    const olderTitle = ids.find((r) => r.i > 999 && r.titled)?.id;
    expect(tiedTitle && olderTitle).toBeTruthy();
    const page = await searchPosts(db(), anon, w, null, 3);
    // The tied title match is inside the window (ranked first); the older one is past it.
    expect(postIds(page)[0]).toBe(tiedTitle);
    const seen: (string | null)[] = [];
    let cursor: string | null = null;
    for (let p = 0; p < 20; p++) {
      const found = await searchPosts(db(), anon, w, cursor, 100);
      if (found.length === 0) break;
      seen.push(...postIds(found));
      cursor = found[found.length - 1]?.cursor ?? null;
    }
    expect(seen).toHaveLength(1003);
    expect(new Set(seen).size).toBe(1003);
    // The window (1,002 posts) comes first: the older title match is last.
    expect(seen.at(-1)).toBe(olderTitle);
  });

  it("follows edits: a new title word is found, the replaced one no more", async () => {
    const author = await db().newUser("r_editor");
    const before = word();
    const after = word();
    const post = await createPost(db(), author, { title: `Old ${before}`, blocks: [text("body")] });
    await edit(author, post.id, { title: `New ${after}` });
    expect(postIds(await searchPosts(db(), anon, after))).toEqual([post.id]);
    expect(postIds(await searchPosts(db(), anon, before))).toEqual([]);
  });
});

describe("hashtags", () => {
  it("are Unicode-aware, folded to NFC lower case, and found with or without their #", async () => {
    const author = await db().newUser("t_unicode");
    const w = word();
    const decomposed = `Cafe\u0301${w}`; // é as e + combining acute
    const post = await createPost(db(), author, {
      blocks: [text(`Morning at #CAFÉ${w.toUpperCase()}, again #${decomposed}! #東京${w} #naïve_${w} #${w}.`)],
    });
    await indexPosts(db()); // the post-index job writes hashtags (decision 0009)
    const [row] = await db().admin<{ tags: string[] }[]>`
      select array_agg(tag order by tag) as tags from private.post_tags where post_id = ${post.id}`;
    expect(row?.tags).toEqual([`café${w}`, `naïve_${w}`, w, `東京${w}`].sort());
    for (const t of [`#café${w}`, `CAFÉ${w.toUpperCase()}`, decomposed, `東京${w}`, `#NAÏVE_${w}`]) {
      expect(postIds(await tagFeed(db(), anon, t)), t).toEqual([post.id]);
    }
  });

  it("are not read inside words, URLs or numbers", async () => {
    const author = await db().newUser("t_not_tags");
    const w = word();
    const post = await createPost(db(), author, {
      blocks: [text(`C#${w} and https://example.com/#${w}x and #2024 and mail#${w}y`), { type: "text", value: `(#${w}z)` }],
    });
    await indexPosts(db()); // the post-index job writes hashtags (decision 0009)
    const rows = await db().admin<{ tag: string }[]>`select tag from private.post_tags where post_id = ${post.id}`;
    expect(rows.map((r) => r.tag)).toEqual([`${w}z`]);
  });

  it("keep at most their first 100 characters, and a run of digits is no tag however long", async () => {
    const author = await db().newUser("t_long_tags");
    const w = word("l");
    const long = `${w}${"é".repeat(140)}`;
    const post = await createPost(db(), author, { blocks: [text(`#${long} and #${"7".repeat(120)}x and #${w}b`)] });
    await indexPosts(db()); // the post-index job writes hashtags (decision 0009)
    const rows = await db().admin<{ tag: string }[]>`select tag from private.post_tags where post_id = ${post.id}`;
    expect(rows.map((r) => r.tag).sort()).toEqual([[...long].slice(0, 100).join(""), `${w}b`].sort());
  });

  it("follow edits of the content, and the tag feed pages newest first", async () => {
    const author = await db().newUser("t_edits");
    const [a, b] = [word(), word()];
    const first = await createPost(db(), author, { blocks: [text(`#${a}`)] });
    const second = await createPost(db(), author, { blocks: [text(`#${a} #${b}`)] });
    const page1 = await tagFeed(db(), anon, a, null, 1);
    expect(postIds(page1)).toEqual([second.id]);
    expect(postIds(await tagFeed(db(), anon, a, page1[0]?.cursor ?? null, 1))).toEqual([first.id]);
    await edit(author, second.id, { content: { blocks: [text(`now only #${b}`)] } });
    expect(postIds(await tagFeed(db(), anon, a))).toEqual([first.id]);
    expect(postIds(await tagFeed(db(), anon, b))).toEqual([second.id]);
    await expectDbError(tagFeed(db(), anon, "#"), "22023", /tag must be 1–100 characters/);
  });

  it("trend by distinct authors of publicly visible posts, from the rollup the job refreshes", async () => {
    const [a, b, c, hidden] = await users(db(), "t_tr_a", "t_tr_b", "t_tr_c", "t_tr_hidden");
    await setPrivate(db(), hidden, true);
    const [wide, narrow] = [word("x"), word("y")];
    for (const author of [a, b, c]) await createPost(db(), author, { blocks: [text(`#${wide}`)] });
    await createPost(db(), a, { blocks: [text(`#${narrow}`)] });
    await createPost(db(), a, { blocks: [text(`#${narrow} again`)] });
    await createPost(db(), hidden, { blocks: [text(`#${narrow} #${wide}`)] });
    const mine = async () =>
      (await db().rpcRows(anon, "trending_tags", { since: "24 hours", size: 100 }))
        .filter((r) => r.tag === wide || r.tag === narrow)
        .map((r) => ({ tag: r.tag, authors: r.authors }));
    expect(await mine()).toEqual([]); // not before the job runs: no scan per call
    await indexPosts(db()); // the post-index job writes hashtags (decision 0009)
    await db().admin`select private.refresh_trending_tags()`;
    expect(await mine()).toEqual([
      { tag: wide, authors: 3 },
      { tag: narrow, authors: 1 },
    ]);
    await expectDbError(
      db().rpcRows(anon, "trending_tags", { since: "2 days", size: 10 }),
      "22023",
      /since must be 1 hour, 24 hours or 7 days/,
    );
  });
});
