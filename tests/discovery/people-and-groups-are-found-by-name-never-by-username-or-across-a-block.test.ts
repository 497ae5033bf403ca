// Issue 17: search_people finds display names (typo-tolerant, prefix first), never usernames; a block
// either way, an opt-out (discoverable false) or a deleted account hides a person; private profiles
// appear by name. search_groups finds active groups by name and description, private ones as the card
// everyone already sees, never pending, rejected or suspended ones; verified institutions first at
// equal relevance.
import { describe, expect, it } from "vitest";
import { createGroup } from "../groups/fixtures.ts";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, setPrivate, unblock } from "../people/graph.ts";
import { idOf } from "../posts/fixtures.ts";
import { searchGroups, searchPeople, users, word } from "./fixtures.ts";

const db = useTestDatabase();

const capitalized = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

describe("search_people", () => {
  it("finds a display name by prefix and with a typo, never by username, and shows a private profile by name only", async () => {
    const surname = capitalized(word("q"));
    const username = word("u");
    const target = await db().newUser(username, { displayName: `Ada ${surname}` });
    const searcher = await db().newUser("p_searcher");
    await setPrivate(db(), target, true);
    const prefix = surname.slice(0, 5);
    const typo = `${surname.slice(0, 4)}${surname.slice(5)}`; // one letter left out
    for (const q of [prefix, `ada ${surname.toLowerCase()}`, typo]) {
      const rows = await searchPeople(db(), searcher, q);
      expect(
        rows.map((r) => r.user_id),
        q,
      ).toContain(idOf(target));
    }
    const [row] = (await searchPeople(db(), anon, surname)).filter((r) => r.user_id === idOf(target));
    expect(row).toEqual({
      user_id: idOf(target),
      display_name: `Ada ${surname}`,
      avatar_path: null,
      is_private: true,
      cursor: expect.any(String),
    });
    expect(await searchPeople(db(), searcher, username)).toEqual([]);
  });

  it("hides people across a block either way, for the blocker and the blocked, until it is lifted", async () => {
    const name = capitalized(word("b"));
    const blocker = await db().newUser("p_blocker", { displayName: `${name} Blocker` });
    const blocked = await db().newUser("p_blocked", { displayName: `${name} Blocked` });
    const other = await db().newUser("p_other");
    await block(db(), blocker, blocked);
    expect((await searchPeople(db(), blocked, name)).map((r) => r.user_id)).toEqual([idOf(blocked)]);
    expect((await searchPeople(db(), blocker, name)).map((r) => r.user_id)).toEqual([idOf(blocker)]);
    expect(new Set((await searchPeople(db(), other, name)).map((r) => r.user_id))).toEqual(new Set([idOf(blocker), idOf(blocked)]));
    await unblock(db(), blocker, blocked);
    expect((await searchPeople(db(), blocked, name)).length).toBe(2);
  });

  it("leaves out a profile that opted out (its owner's own update) and one whose account was deleted", async () => {
    const name = capitalized(word("d"));
    const shy = await db().newUser("p_shy", { displayName: `${name} Shy` });
    const gone = await db().newUser("p_gone", { displayName: `${name} Gone` });
    const searcher = await db().newUser("p_seeker");
    expect((await searchPeople(db(), searcher, name)).length).toBe(2);
    await db().request(shy, (tx) => tx`update public.profiles set discoverable = false where id = ${idOf(shy)}`, { method: "PATCH" });
    await db().deleteAuthUser(idOf(gone));
    expect(await searchPeople(db(), searcher, name)).toEqual([]);
    expect(await searchPeople(db(), serviceRole, name)).toEqual([]);
    // Another user cannot flip it back.
    await db().request(searcher, (tx) => tx`update public.profiles set discoverable = true where id = ${idOf(shy)}`, { method: "PATCH" });
    const [row] = await db().admin<{ discoverable: boolean }[]>`select discoverable from public.profiles where id = ${idOf(shy)}`;
    expect(row?.discoverable).toBe(false);
  });

  it("ranks a name starting with the query first and pages with a stable cursor", async () => {
    const stem = word("r");
    const starts = await db().newUser("p_starts", { displayName: `${capitalized(stem)}son` });
    const inside = await db().newUser("p_inside", { displayName: `Mary ${capitalized(stem)}` });
    const searcher = await db().newUser("p_pager");
    const all = await searchPeople(db(), searcher, stem);
    expect(all.map((r) => r.user_id)).toEqual([idOf(starts), idOf(inside)]);
    const first = await searchPeople(db(), searcher, stem, null, 1);
    const second = await searchPeople(db(), searcher, stem, first[0]?.cursor ?? null, 1);
    const third = await searchPeople(db(), searcher, stem, second[0]?.cursor ?? null, 1);
    expect([...first, ...second].map((r) => r.user_id)).toEqual([idOf(starts), idOf(inside)]);
    expect(third).toEqual([]);
  });

  it("lists each person once across the name-prefix, word-prefix and trigram tiers, newest first within the word tier, and pages across their boundaries without duplicates or skips, blocks either way left out", async () => {
    const stem = capitalized(word("t"));
    // Three disjoint tiers: names starting with the query; names with a later word starting with it;
    // names only similar to it (a typo: the last letter changed or left out).
    const prefixNames = [stem, `${stem} Ray`, `${stem}ling`, `${stem.toUpperCase()} Io`];
    const wordNames = [`Ann ${stem}`, `Bo ${stem}ton`, `Di ${stem}`, `Eve-${stem.toLowerCase()}a`];
    // (the changed letter differs from the stem's last one: "…x" for a stem ending in x would be the stem)
    const changed = `${stem.slice(0, -1)}${stem.endsWith("x") ? "z" : "x"}`;
    const fuzzyNames = [`Cy ${stem.slice(0, -1)}`, `Fay ${changed}`, `Gus ${stem.slice(0, -1)}`];
    const make = (names: string[], tag: string) =>
      Promise.all(names.map((name, i) => db().newUser(`p_tier_${tag}${i}`, { displayName: name })));
    const [prefixed, worded, fuzzy] = [await make(prefixNames, "a"), await make(wordNames, "w"), await make(fuzzyNames, "b")];
    const searcher = await db().newUser("p_tier_searcher");
    // One person of each tier is separated from the searcher by a block (either way).
    const [blockedBySearcher, blockingSearcher, wordBlocked] = [prefixed[1], fuzzy[2], worded[0]];
    if (!blockedBySearcher || !blockingSearcher || !wordBlocked) throw new Error("arrangement");
    await block(db(), searcher, blockedBySearcher);
    await block(db(), blockingSearcher, searcher);
    await block(db(), wordBlocked, searcher);
    const hidden = new Set([idOf(blockedBySearcher), idOf(blockingSearcher), idOf(wordBlocked)]);
    const visible = (xs: typeof prefixed) => xs.map((a) => idOf(a)).filter((id) => !hidden.has(id));
    // the word tier's order: newest account first (then id), read from the profiles themselves
    const newestFirst = (
      await db().admin<{ id: string }[]>`select id from public.profiles where id = any(${visible(worded)}::uuid[])
        order by created_at desc, id desc`
    ).map((r) => r.id);

    const all = (await searchPeople(db(), searcher, stem.toLowerCase(), null, 100)).map((r) => r.user_id);
    expect(new Set(all).size).toBe(all.length);
    const [a, w] = [visible(prefixed).length, newestFirst.length];
    expect(new Set(all.slice(0, a))).toEqual(new Set(visible(prefixed)));
    expect(all.slice(a, a + w)).toEqual(newestFirst);
    expect(new Set(all.slice(a + w))).toEqual(new Set(visible(fuzzy)));
    for (const id of hidden) expect(all).not.toContain(id);

    for (const size of [1, 2, 3, 4]) {
      const paged: (string | null)[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 20; i++) {
        const page = await searchPeople(db(), searcher, stem.toLowerCase(), cursor, size);
        paged.push(...page.map((r) => r.user_id));
        if (page.length < size) break;
        cursor = page.at(-1)?.cursor ?? null;
      }
      expect(paged, `page_size ${size}`).toEqual(all);
    }
  });

  it("leaves out of the word tier an opted-out profile, a deleted account and people a block separates either way, and shows the rest to anon too", async () => {
    // Found by a later word only (no name starts with the query): the word tier's own filters.
    const surname = capitalized(word("s"));
    const names = ["Ann", "Bea", "Cid", "Dot", "Eli"].map((first) => `${first} ${surname}`);
    const [kept, shy, gone, blockedBySearcher, blockingSearcher] = await Promise.all(
      names.map((name, i) => db().newUser(`p_wt_${i}`, { displayName: name })),
    );
    const searcher = await db().newUser("p_wt_searcher");
    if (!kept || !shy || !gone || !blockedBySearcher || !blockingSearcher) throw new Error("arrangement");
    const found = async (actor: typeof searcher) => (await searchPeople(db(), actor, surname.slice(0, 5))).map((r) => r.user_id);
    const everyone = [kept, shy, gone, blockedBySearcher, blockingSearcher].map((a) => idOf(a));
    expect(new Set(await found(searcher))).toEqual(new Set(everyone));

    await db().request(shy, (tx) => tx`update public.profiles set discoverable = false where id = ${idOf(shy)}`, { method: "PATCH" });
    await db().deleteAuthUser(idOf(gone));
    await block(db(), searcher, blockedBySearcher);
    await block(db(), blockingSearcher, searcher);
    expect(await found(searcher)).toEqual([idOf(kept)]);
    // anon is separated from nobody: the blocks do not hide anyone from anon
    expect(new Set(await found(anon))).toEqual(new Set([idOf(kept), idOf(blockedBySearcher), idOf(blockingSearcher)]));
  });

  it("finds a later word by its start, every query word in any order, and reads punctuation and quotes as separators", async () => {
    const [first, last] = [capitalized(word("f")), capitalized(word("l"))];
    const person = await db().newUser("p_words", { displayName: `${first} O'${last}` });
    const other = await db().newUser("p_words_other", { displayName: `${first} Zed` });
    const searcher = await db().newUser("p_words_searcher");
    const found = async (q: string) => (await searchPeople(db(), searcher, q)).map((r) => r.user_id);
    // a later word's start; both words in either order; the part after an apostrophe
    for (const q of [last.slice(0, 4), `${last.slice(0, 3)} ${first.slice(0, 3)}`, `o'${last.slice(0, 5)}`]) {
      expect(await found(q), q).toContain(idOf(person));
      expect(await found(q), q).not.toContain(idOf(other));
    }
    // both words must match for the word tier: the other person, who shares only the first name, is
    // at most a typo-tier match below
    const both = await found(`${first.slice(0, 4)} ${last.slice(0, 4)}`);
    expect(both[0]).toBe(idOf(person));
    expect(both.slice(1)).not.toContain(idOf(person));
    // no word at all (punctuation, a backslash, a lone quote): no error, and nobody by word
    for (const q of ["!!!", "\\", "'"]) expect(await found(q), q).toEqual([]);
  });

  it("refuses an empty or overlong query, a bad page size and a forged cursor with 22023", async () => {
    const u = await db().newUser("p_bad_input");
    await expectDbError(searchPeople(db(), u, "   "), "22023", /query must be 1–200 characters/);
    await expectDbError(searchPeople(db(), u, "x".repeat(201)), "22023", /query must be 1–200 characters/);
    await expectDbError(searchPeople(db(), u, "ada", null, 0), "22023", /page_size must be between 1 and 100/);
    await expectDbError(searchPeople(db(), u, "ada", "bm90IGEgY3Vyc29y"), "22023", /cursor is not valid/);
    await expectDbError(searchGroups(db(), u, ""), "22023", /query must be 1–200 characters/);
  });
});

describe("search_groups", () => {
  it("finds active public and private groups by name or description, never pending or suspended ones", async () => {
    const w = word("g");
    const [owner, stranger, adminUser] = await users(db(), "g_owner", "g_stranger", "g_admin");
    const admin = await db().makeAdmin(adminUser);
    const open = await createGroup(db(), owner, { name: `Open ${w}` });
    const closed = await createGroup(db(), owner, { name: `Closed ${w}`, visibility: "private" });
    const described = await createGroup(db(), owner, { name: "Plain name" });
    await db().request(owner, (tx) => tx`update public.groups set description = ${`We talk about ${w} daily`} where id = ${described.id}`);
    const pending = await createGroup(db(), owner, { kind: "institution", name: `Institute ${w}` });
    expect(pending.status).toBe("pending");
    const suspended = await createGroup(db(), owner, { name: `Suspended ${w}` });
    await db().rpc(admin, "moderate", {
      action: "suspend_group",
      target_kind: "group",
      target_id: suspended.id,
      reason: "abuse",
      until: null,
      report_ids: null,
      group_id: null,
    });
    const expected = new Set([open.id, closed.id, described.id]);
    for (const actor of [stranger, anon, owner]) {
      expect(new Set((await searchGroups(db(), actor, w)).map((g) => g.group_id))).toEqual(expected);
    }
    const [card] = (await searchGroups(db(), stranger, `Closed ${w}`)).filter((g) => g.group_id === closed.id);
    expect(card).toMatchObject({
      name: `Closed ${w}`,
      visibility: "private",
      group_card: { id: closed.id, kind: "generic", verified: false },
    });
  });

  it("ranks a verified institution first at equal relevance", async () => {
    const w = word("i");
    const [owner, adminUser] = await users(db(), "g_inst_owner", "g_inst_admin");
    const admin = await db().makeAdmin(adminUser);
    const generic = await createGroup(db(), owner, { name: `${capitalized(w)} Club` });
    const institution = await createGroup(db(), owner, { kind: "institution", name: `${capitalized(w)} Club`, slug: `${w}-inst` });
    // What the institution-review edge function does for a platform admin (acting as the caller).
    await db().request(admin, (tx) => tx`select private.review_institution(${institution.id}, 'approve', null)`);
    const rows = await searchGroups(db(), anon, `${w} club`);
    expect(rows.map((g) => g.group_id)).toEqual([institution.id, generic.id]);
    expect(rows[0]?.verified).toBe(true);
  });
});
