// Issue 17: a text block mentions people by id (meta.mentions spans). The structure is a content rule
// (both validators: tests/content and the corpus); whom an author may mention is the database's (rule
// mention.target): nobody a block separates from the author, nobody who does not exist. A mentioned
// person hears of it once (kind mention) unless they muted the author or cannot see the post; an edit
// notifies new mentions only and takes back the unread notification of a removed one. Mentions are
// told by the mention-delivery job (private.deliver_mentions, every second on the platform), not by the
// posting transaction: these tests run the job where pg_cron would, and the rules are judged when it
// runs (a block, mute, removal or deletion made in between wins).
import { describe, expect, it } from "vitest";
import { castAround } from "../groups/fixtures.ts";
import type { Actor } from "../helpers/db.ts";
import { useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, mute, setPrivate } from "../people/graph.ts";
import { createPost, idOf, text } from "../posts/fixtures.ts";
import { deliverMentions, mentioning, users } from "./fixtures.ts";

const db = useTestDatabase();

async function mentionsOf(actor: Actor) {
  return db().admin<{ actor_id: string; subject_id: string; read_at: Date | null }[]>`
    select actor_id, subject_id, read_at from public.notifications where recipient_id = ${idOf(actor)} and kind = 'mention'
    order by created_at, id`;
}

const person = (actor: Actor, name: string) => ({ id: idOf(actor), name });

async function queued(postId: string) {
  const rows = await db().admin<{ recipient_id: string }[]>`
    select recipient_id from private.mention_queue where post_id = ${postId} order by recipient_id`;
  return rows.map((r) => r.recipient_id);
}

describe("mentions", () => {
  it("notify the person mentioned, once, with the author and the post", async () => {
    const [author, bob] = await Promise.all([db().newUser("m_author"), db().newUser("m_bob")]);
    const post = await createPost(db(), author, { blocks: [mentioning("Thanks @Bob for the 🍰!", [person(bob, "Bob")])] });
    // The post's own transaction only queues it.
    expect(await queued(post.id)).toEqual([idOf(bob)]);
    expect(await mentionsOf(bob)).toEqual([]);
    expect(await deliverMentions(db())).toBe(1);
    expect(await queued(post.id)).toEqual([]);
    expect(await mentionsOf(bob)).toEqual([{ actor_id: idOf(author), subject_id: post.id, read_at: null }]);
    // Running the job again tells nobody twice.
    expect(await deliverMentions(db())).toBe(0);
    expect((await mentionsOf(bob)).length).toBe(1);
    // Mentioning oneself is allowed, queues nothing and tells nobody.
    const own = await createPost(db(), author, { blocks: [mentioning("note to @me", [person(author, "me")])] });
    expect(await queued(own.id)).toEqual([]);
    await deliverMentions(db());
    expect(await mentionsOf(author)).toEqual([]);
  });

  it("a person named twice in a post is queued and told once", async () => {
    const [author, bob] = await users(db(), "m_twice_author", "m_twice_bob");
    const post = await createPost(db(), author, {
      blocks: [mentioning("@Bob and @Bob", [person(bob, "Bob")]), mentioning("again @Bob", [person(bob, "Bob")])],
    });
    expect(await queued(post.id)).toEqual([idOf(bob)]);
    await deliverMentions(db());
    expect((await mentionsOf(bob)).length).toBe(1);
  });

  it("are refused (22023, mention.target) for someone a block separates from the author, either way, who does not exist or whose account is being deleted; nothing is stored", async () => {
    const [author, blocker, blockedByAuthor, leaving] = await users(
      db(),
      "m_ref_author",
      "m_ref_blocker",
      "m_ref_blocked",
      "m_ref_leaving",
    );
    await block(db(), blocker, author);
    await block(db(), author, blockedByAuthor);
    await db().admin`update public.profiles set deleted_at = now() where id = ${idOf(leaving)}`;
    const ghost = { id: "6fa459ea-ee8a-4ca4-894e-db77e160355e", name: "Ghost" };
    for (const target of [person(blocker, "Blocker"), person(blockedByAuthor, "Blocked"), ghost, person(leaving, "Leaving")]) {
      const e = await expectDbError(
        createPost(db(), author, { blocks: [mentioning(`hey @${target.name}`, [target])] }),
        "22023",
        /meta\.mentions names a person the author cannot mention/,
      );
      expect(e.hint).toMatch(/rule mention\.target/);
    }
    // One person the author may not mention refuses the whole post, whoever else it names.
    const [friend] = await users(db(), "m_ref_friend");
    await expectDbError(
      createPost(db(), author, { blocks: [mentioning("@Friend @Blocker", [person(friend, "Friend"), person(blocker, "Blocker")])] }),
      "22023",
      /cannot mention/,
    );
    const [count] = await db().admin<{ n: number }[]>`select count(*)::int as n from public.posts where author_id = ${idOf(author)}`;
    expect(count?.n).toBe(0);
    // An edit is held to the same rule: refused, the post and the queue as they were.
    const post = await createPost(db(), author, { blocks: [mentioning("hi @Friend", [person(friend, "Friend")])] });
    await deliverMentions(db());
    await expectDbError(
      db().request(
        author,
        (tx) =>
          tx`update public.posts set content = ${tx.json({
            blocks: [mentioning("hi @Friend @Blocked", [person(friend, "Friend"), person(blockedByAuthor, "Blocked")])],
          } as never)} where id = ${post.id}`,
        { method: "PATCH" },
      ),
      "22023",
      /cannot mention/,
    );
    const [kept] = await db().admin<{ value: string }[]>`
      select content #>> '{blocks,0,value}' as value from public.posts where id = ${post.id}`;
    expect(kept?.value).toBe("hi @Friend");
    const [waiting] = await db().admin<
      { n: number }[]
    >`select count(*)::int as n from private.mention_queue where author_id = ${idOf(author)}`;
    expect(waiting?.n).toBe(0);
    await deliverMentions(db());
    expect(await mentionsOf(blocker)).toEqual([]);
    expect(await mentionsOf(blockedByAuthor)).toEqual([]);
    expect((await mentionsOf(friend)).length).toBe(1);
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
    // A user_id that is no uuid is the content rule too (the rule is judged before whom it names).
    await expectDbError(
      createPost(db(), author, {
        blocks: [{ type: "text", value: "hi @Bob", meta: { mentions: [{ user_id: "bob", start: 3, end: 7 }] } }],
      }),
      "22023",
      /content\.blocks\[0\] \(text\): meta\.mentions must be an array/,
    );
    await deliverMentions(db());
    expect(await mentionsOf(bob)).toEqual([]);
  });

  it("tell nobody who muted the author or cannot see the post, though the post is accepted", async () => {
    const [author, muter, outsider] = await users(db(), "m_sup_author", "m_sup_muter", "m_sup_outsider");
    await mute(db(), muter, author);
    await createPost(db(), author, { blocks: [mentioning("hi @Muter", [person(muter, "Muter")])] });
    await deliverMentions(db());
    expect(await mentionsOf(muter)).toEqual([]);
    await setPrivate(db(), author, true);
    const post = await createPost(db(), author, { blocks: [mentioning("hi @Out", [person(outsider, "Out")])] });
    expect(post.id).toBeDefined();
    await deliverMentions(db());
    expect(await mentionsOf(outsider)).toEqual([]);
  });

  it("are judged when delivered: a block, mute, privacy change, removal or deletion made after posting tells nobody; the rest are told", async () => {
    const names = ["told", "blocks", "blocked", "mutes", "removed", "deleted_post", "gone", "leaving"] as const;
    type Name = (typeof names)[number];
    const [author, privateAuthor, outsider, ...people] = await users(
      db(),
      "m_late_author",
      "m_late_private_author",
      "m_late_outsider",
      ...names.map((n) => `m_late_${n}`),
    );
    const who = Object.fromEntries(names.map((n, i) => [n, people[i] as Actor])) as Record<Name, Actor>;
    const posts = Object.fromEntries(
      await Promise.all(
        names.map(
          async (n) => [n, (await createPost(db(), author, { blocks: [mentioning(`hi @${n}`, [person(who[n], n)])] })).id] as const,
        ),
      ),
    ) as Record<Name, string>;
    await createPost(db(), privateAuthor, { blocks: [mentioning("hi @out", [person(outsider, "out")])] });
    const waiting = async () =>
      (
        await db().admin<{ n: number }[]>`
          select count(*)::int as n from private.mention_queue where author_id in (${idOf(author)}, ${idOf(privateAuthor)})`
      )[0]?.n;
    expect(await waiting()).toBe(names.length + 1);
    // Between the posts and the job:
    await block(db(), who.blocks, author);
    await block(db(), author, who.blocked);
    await mute(db(), who.mutes, author);
    await db().admin`update public.posts set removed_at = now(), removed_reason = 'spam' where id = ${posts.removed}`;
    await db().admin`delete from public.posts where id = ${posts.deleted_post}`;
    await db().admin`delete from auth.users where id = ${idOf(who.gone)}`;
    await db().admin`update public.profiles set deleted_at = now() where id = ${idOf(who.leaving)}`;
    await setPrivate(db(), privateAuthor, true); // the outsider does not follow: the post is out of sight
    // A deleted post's queued mentions go with it, and an erased account's with the account.
    expect(await waiting()).toBe(names.length - 1);

    // Every row is taken (none left to retry for ever), one notification is written.
    await deliverMentions(db());
    const [left] = await db().admin<{ n: number }[]>`select count(*)::int as n from private.mention_queue`;
    expect(left?.n).toBe(0);
    const told = await db().admin<{ recipient_id: string; subject_id: string }[]>`
      select recipient_id, subject_id from public.notifications
      where kind = 'mention' and actor_id in (${idOf(author)}, ${idOf(privateAuthor)})`;
    expect(told).toEqual([{ recipient_id: idOf(who.told), subject_id: posts.told }]);
  });

  it("in a private group's post reach only those who may read it when told: members, not one who left since, the pending requester, the invitee or a stranger", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const names = { owner: c.owner, admin: c.admin, requester: c.requester, invitee: c.invitee, stranger: c.stranger } as const;
    const value = Object.keys(names)
      .map((n) => `@${n}`)
      .join(" ");
    const post = await createPost(db(), c.member, {
      group_id: c.group.id,
      title: "Notes",
      blocks: [
        mentioning(
          value,
          Object.entries(names).map(([n, a]) => person(a, n)),
        ),
      ],
    });
    await db().rpc(c.admin, "leave_group", { group_id: c.group.id });
    await deliverMentions(db());
    const told = await db().admin<{ recipient_id: string }[]>`
      select recipient_id from public.notifications where kind = 'mention' and subject_id = ${post.id}`;
    expect(told.map((r) => r.recipient_id)).toEqual([idOf(c.owner)]);
  });

  it("are told once when several deliveries run at once", async () => {
    const [author, ...readers] = await users(db(), "m_par_author", "m_par_1", "m_par_2", "m_par_3", "m_par_4", "m_par_5");
    await deliverMentions(db()); // nothing of earlier tests left waiting
    for (let i = 0; i < 6; i++) {
      await createPost(db(), author, {
        blocks: [
          mentioning(
            readers.map((_, k) => `@p${k}`).join(" "),
            readers.map((r, k) => person(r, `p${k}`)),
          ),
        ],
      });
    }
    const taken = await Promise.all(
      Array.from({ length: 4 }, () => db().admin<{ n: number }[]>`select private.deliver_mentions(7) as n`.then((r) => r[0]?.n ?? 0)),
    );
    const rest = await deliverMentions(db());
    expect(taken.reduce((a, b) => a + b, 0) + rest).toBe(6 * readers.length);
    for (const reader of readers) expect((await mentionsOf(reader)).length).toBe(6);
  });

  it("stay in step with edits: kept ones do not notify again, new ones notify once, removed ones take back their unread notification", async () => {
    const [author, bob, carol] = await users(db(), "m_ed_author", "m_ed_bob", "m_ed_carol");
    const post = await createPost(db(), author, { blocks: [mentioning("hi @Bob", [person(bob, "Bob")])] });
    const edit = (content: unknown) =>
      db().request(author, (tx) => tx`update public.posts set content = ${tx.json(content as never)} where id = ${post.id}`, {
        method: "PATCH",
      });
    await deliverMentions(db());

    await edit({ blocks: [mentioning("hi @Bob and @Carol", [person(bob, "Bob"), person(carol, "Carol")])] });
    expect(await queued(post.id)).toEqual([idOf(carol)]);
    await deliverMentions(db());
    expect((await mentionsOf(bob)).length).toBe(1);
    expect((await mentionsOf(carol)).length).toBe(1);
    await edit({ blocks: [mentioning("hi @Carol, @Carol again", [person(carol, "Carol")]), text("more")] });
    expect(await queued(post.id)).toEqual([]);
    expect(await mentionsOf(bob)).toEqual([]);
    expect((await mentionsOf(carol)).length).toBe(1);
    // A read notification stays when its mention goes: it is the recipient's history.
    await db().rpc(carol, "mark_notifications_read", { ids: null });
    await edit({ blocks: [text("nobody now")] });
    await deliverMentions(db());
    expect((await mentionsOf(carol)).length).toBe(1);
  });

  it("taken out before the job runs are never told; put back, they are told once", async () => {
    const [author, bob] = await users(db(), "m_pre_author", "m_pre_bob");
    const post = await createPost(db(), author, { blocks: [mentioning("hi @Bob", [person(bob, "Bob")])] });
    const edit = (content: unknown) =>
      db().request(author, (tx) => tx`update public.posts set content = ${tx.json(content as never)} where id = ${post.id}`, {
        method: "PATCH",
      });
    await edit({ blocks: [text("hi nobody")] });
    expect(await queued(post.id)).toEqual([]);
    await deliverMentions(db());
    expect(await mentionsOf(bob)).toEqual([]);
    await edit({ blocks: [mentioning("hi @Bob", [person(bob, "Bob")])] });
    await edit({ blocks: [mentioning("hi again @Bob", [person(bob, "Bob")])] });
    expect(await queued(post.id)).toEqual([idOf(bob)]);
    await deliverMentions(db());
    expect((await mentionsOf(bob)).length).toBe(1);
  });

  it("an edit that takes a mention out while the job runs leaves no notification of it, in every interleaving tried", async () => {
    const [author, bob] = await users(db(), "m_race_author", "m_race_bob");
    for (let round = 0; round < 12; round++) {
      const post = await createPost(db(), author, { blocks: [mentioning("hi @Bob", [person(bob, "Bob")])] });
      const takeOut = () =>
        db().request(
          author,
          (tx) => tx`update public.posts set content = ${tx.json({ blocks: [text("hi")] } as never)} where id = ${post.id}`,
          {
            method: "PATCH",
          },
        );
      const deliver = () => db().admin`select private.deliver_mentions(1000)`;
      await Promise.all(round % 2 ? [takeOut(), deliver()] : [deliver(), takeOut()]);
      await deliverMentions(db());
      const left = await db().admin<{ n: number }[]>`
        select count(*)::int as n from public.notifications where kind = 'mention' and subject_id = ${post.id}`;
      expect(left[0]?.n).toBe(0);
    }
  });
});
