// Comments: threads up to 8 levels; edit and delete one's own; the post's author and the group's
// owners and admins delete any under it; a deleted comment with replies leaves a tombstone;
// comment_count counts live comments; the post's author and the parent's author are notified.
import { beforeAll, describe, expect, it } from "vitest";
import { type Cast, castAround } from "../groups/fixtures.ts";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, mute } from "../people/graph.ts";
import { type CommentRow, comment, contentSnapshot, createPost, deleteComment, idOf } from "./fixtures.ts";

const db = useTestDatabase();
let cast: Cast;
let author: Actor;
let replier: Actor;

beforeAll(async () => {
  cast = await castAround(db());
  author = await db().newUser("poster");
  replier = await db().newUser("replier");
});

async function stored(id: string): Promise<CommentRow | undefined> {
  const [row] = await db().admin<CommentRow[]>`select * from public.comments where id = ${id}`;
  return row;
}

async function commentCount(postId: string): Promise<{ stored: number; live: number }> {
  const [row] = await db().admin<{ stored: number; live: number }[]>`
    select p.comment_count as stored,
      (select count(*)::int from public.comments c where c.post_id = p.id and c.deleted_at is null) as live
    from public.posts p where p.id = ${postId}`;
  return row as { stored: number; live: number };
}

async function notifications(recipient: Actor) {
  const rows = await db().admin<{ kind: string; actor_id: string; actor_count: number; subject_id: string }[]>`
    select kind, actor_id, actor_count, subject_id from public.notifications
    where recipient_id = ${idOf(recipient)} and kind in ('comment', 'reply') order by created_at`;
  return rows.map((r) => ({ ...r }));
}

describe("comments", () => {
  it("thread up to 8 levels deep and refuse a ninth, naming the rule", async () => {
    const post = await createPost(db(), author);
    let parent: CommentRow | null = null;
    for (let depth = 1; depth <= 8; depth++) {
      parent = await comment(db(), depth % 2 ? replier : author, post.id, `level ${depth}`, parent?.id ?? null);
      expect(parent.depth).toBe(depth);
    }
    const before = await contentSnapshot(db());
    await expectDbError(comment(db(), replier, post.id, "too deep", parent?.id ?? null), "22023", /replies nest at most 8 levels deep/);
    expect(await contentSnapshot(db())).toEqual(before);
    expect(await commentCount(post.id)).toEqual({ stored: 8, live: 8 });
  });

  it("refuse a reply to a comment of another post, bodies out of 1–10,000, and other authors", async () => {
    const post = await createPost(db(), author);
    const other = await createPost(db(), author);
    const top = await comment(db(), replier, other.id, "elsewhere");
    const before = await contentSnapshot(db());
    await expectDbError(comment(db(), replier, post.id, "x", top.id), "PT404", /comment not found/);
    await expectDbError(comment(db(), replier, post.id, ""), "23514", /comments_body_length/);
    await expectDbError(comment(db(), replier, post.id, "a".repeat(10_001)), "23514", /comments_body_length/);
    await expectDbError(
      db().request(replier, (tx) => tx`insert into public.comments (post_id, author_id, body) values (${post.id}, ${idOf(author)}, 'x')`),
      "42501",
      /you can only comment as yourself/,
    );
    expect(await contentSnapshot(db())).toEqual(before);
  });

  it("are edited by their author only, which sets edited_at", async () => {
    const post = await createPost(db(), author);
    const c = await comment(db(), replier, post.id, "typo");
    const edit = (actor: Actor, body: string) =>
      db().request(actor, (tx) => tx`update public.comments set body = ${body} where id = ${c.id} returning 1`, { method: "PATCH" });
    expect(await edit(author, "hijacked")).toHaveLength(0);
    expect(await edit(replier, "fixed")).toHaveLength(1);
    expect(await stored(c.id)).toMatchObject({ body: "fixed", edited_at: expect.any(Date) });
  });

  it("leave a tombstone when deleted with replies, which goes with its last reply", async () => {
    const post = await createPost(db(), author);
    const top = await comment(db(), replier, post.id, "top");
    const reply = await comment(db(), author, post.id, "reply", top.id);
    expect(await deleteComment(db(), replier, top.id)).toBe(0);
    expect(await stored(top.id)).toMatchObject({ body: "", deleted_at: expect.any(Date) });
    expect(await commentCount(post.id)).toEqual({ stored: 1, live: 1 });
    await expectDbError(comment(db(), author, post.id, "to a ghost", top.id), "PT409", /a deleted comment cannot be replied to/);
    expect(await deleteComment(db(), author, reply.id)).toBe(1);
    expect(await stored(reply.id)).toBeUndefined();
    expect(await stored(top.id)).toBeUndefined();
    expect(await commentCount(post.id)).toEqual({ stored: 0, live: 0 });
  });

  it("under a post are deleted by the post's author and the group's owners and admins, not by members or strangers", async () => {
    const g = cast.group.id;
    const post = await createPost(db(), cast.member, { title: "Group talk", group_id: g });
    const by = async (actor: Actor) => comment(db(), actor, post.id, "hello");
    const [c1, c2, c3] = [await by(cast.admin), await by(cast.owner), await by(replier)];
    const c4 = await by(cast.stranger);
    expect(await deleteComment(db(), cast.stranger, c1.id)).toBe(0);
    expect(await deleteComment(db(), cast.platformAdmin, c1.id)).toBe(0);
    expect(await deleteComment(db(), replier, c1.id)).toBe(0);
    expect(await deleteComment(db(), cast.member, c1.id)).toBe(1);
    expect(await deleteComment(db(), cast.admin, c2.id)).toBe(1);
    expect(await deleteComment(db(), cast.owner, c3.id)).toBe(1);
    expect(await deleteComment(db(), cast.stranger, c4.id)).toBe(1);
    expect(await commentCount(post.id)).toEqual({ stored: 0, live: 0 });
  });

  it("notify the post's author (grouped per post) and the parent's author, never across a block or a mute", async () => {
    const poster = await db().newUser("notified_poster");
    const [a, b, muted, blocked] = [
      await db().newUser("fan_a"),
      await db().newUser("fan_b"),
      await db().newUser("muted_c"),
      await db().newUser("blocked_d"),
    ];
    await mute(db(), poster, muted);
    const post = await createPost(db(), poster);
    const top = await comment(db(), a, post.id, "one");
    await comment(db(), b, post.id, "two");
    await comment(db(), muted, post.id, "muted");
    const mine = await comment(db(), poster, post.id, "thanks", top.id);
    await comment(db(), b, post.id, "reply to the author", mine.id);
    await block(db(), poster, blocked);
    await expectDbError(comment(db(), blocked, post.id, "x"), "PT404", /post not found/);
    expect(await notifications(poster)).toEqual([
      { kind: "comment", actor_id: idOf(b), actor_count: 2, subject_id: post.id },
      { kind: "reply", actor_id: idOf(b), actor_count: 1, subject_id: expect.any(String) },
    ]);
    expect(await notifications(a)).toEqual([{ kind: "reply", actor_id: idOf(poster), actor_count: 1, subject_id: expect.any(String) }]);
  });
});
