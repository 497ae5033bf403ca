// Issue 17: a text block mentions people by id (meta.mentions spans). The structure is a content rule
// (both validators: tests/content and the corpus); whom an author may mention is the database's (rule
// mention.target): nobody a block separates from the author, nobody who does not exist. A mentioned
// person hears of it once (kind mention) unless they muted the author or cannot see the post; an edit
// notifies new mentions only and takes back the unread notification of a removed one.
import { describe, expect, it } from "vitest";
import type { Actor } from "../helpers/db.ts";
import { useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, mute, setPrivate } from "../people/graph.ts";
import { createPost, idOf, text } from "../posts/fixtures.ts";
import { mentioning, users } from "./fixtures.ts";

const db = useTestDatabase();

async function mentionsOf(actor: Actor) {
  return db().admin<{ actor_id: string; subject_id: string; read_at: Date | null }[]>`
    select actor_id, subject_id, read_at from public.notifications where recipient_id = ${idOf(actor)} and kind = 'mention'
    order by created_at, id`;
}

const person = (actor: Actor, name: string) => ({ id: idOf(actor), name });

describe("mentions", () => {
  it("notify the person mentioned, once, with the author and the post", async () => {
    const [author, bob] = await Promise.all([db().newUser("m_author"), db().newUser("m_bob")]);
    const post = await createPost(db(), author, { blocks: [mentioning("Thanks @Bob for the 🍰!", [person(bob, "Bob")])] });
    expect(await mentionsOf(bob)).toEqual([{ actor_id: idOf(author), subject_id: post.id, read_at: null }]);
    // Mentioning oneself is allowed and tells nobody.
    await createPost(db(), author, { blocks: [mentioning("note to @me", [person(author, "me")])] });
    expect(await mentionsOf(author)).toEqual([]);
  });

  it("are refused (22023, mention.target) for someone a block separates from the author, either way, or who does not exist; nothing is stored", async () => {
    const [author, blocker, blockedByAuthor] = await users(db(), "m_ref_author", "m_ref_blocker", "m_ref_blocked");
    await block(db(), blocker, author);
    await block(db(), author, blockedByAuthor);
    const ghost = { id: "6fa459ea-ee8a-4ca4-894e-db77e160355e", name: "Ghost" };
    for (const target of [person(blocker, "Blocker"), person(blockedByAuthor, "Blocked"), ghost]) {
      const e = await expectDbError(
        createPost(db(), author, { blocks: [mentioning(`hey @${target.name}`, [target])] }),
        "22023",
        /meta\.mentions names a person the author cannot mention/,
      );
      expect(e.hint).toMatch(/rule mention\.target/);
    }
    const [count] = await db().admin<{ n: number }[]>`select count(*)::int as n from public.posts where author_id = ${idOf(author)}`;
    expect(count?.n).toBe(0);
    expect(await mentionsOf(blocker)).toEqual([]);
  });

  it("refuse malformed spans with the content rule text.mentions", async () => {
    const [author, bob] = await Promise.all([db().newUser("m_bad_author"), db().newUser("m_bad_bob")]);
    await expectDbError(
      createPost(db(), author, {
        blocks: [{ type: "text", value: "hi @Bob", meta: { mentions: [{ user_id: idOf(bob), start: 3, end: 99 }] } }],
      }),
      "22023",
      /content\.blocks\[0\] \(text\): meta\.mentions must be an array/,
    );
    expect(await mentionsOf(bob)).toEqual([]);
  });

  it("tell nobody who muted the author or cannot see the post, though the post is accepted", async () => {
    const [author, muter, outsider] = await users(db(), "m_sup_author", "m_sup_muter", "m_sup_outsider");
    await mute(db(), muter, author);
    await createPost(db(), author, { blocks: [mentioning("hi @Muter", [person(muter, "Muter")])] });
    expect(await mentionsOf(muter)).toEqual([]);
    await setPrivate(db(), author, true);
    const post = await createPost(db(), author, { blocks: [mentioning("hi @Out", [person(outsider, "Out")])] });
    expect(post.id).toBeDefined();
    expect(await mentionsOf(outsider)).toEqual([]);
  });

  it("stay in step with edits: kept ones do not notify again, new ones notify once, removed ones take back their unread notification", async () => {
    const [author, bob, carol] = await users(db(), "m_ed_author", "m_ed_bob", "m_ed_carol");
    const post = await createPost(db(), author, { blocks: [mentioning("hi @Bob", [person(bob, "Bob")])] });
    const edit = (content: unknown) =>
      db().request(author, (tx) => tx`update public.posts set content = ${tx.json(content as never)} where id = ${post.id}`, {
        method: "PATCH",
      });

    await edit({ blocks: [mentioning("hi @Bob and @Carol", [person(bob, "Bob"), person(carol, "Carol")])] });
    expect((await mentionsOf(bob)).length).toBe(1);
    expect((await mentionsOf(carol)).length).toBe(1);
    await edit({ blocks: [mentioning("hi @Carol, @Carol again", [person(carol, "Carol")]), text("more")] });
    expect(await mentionsOf(bob)).toEqual([]);
    expect((await mentionsOf(carol)).length).toBe(1);
    // A read notification stays when its mention goes: it is the recipient's history.
    await db().rpc(carol, "mark_notifications_read", { ids: null });
    await edit({ blocks: [text("nobody now")] });
    expect((await mentionsOf(carol)).length).toBe(1);
  });
});
