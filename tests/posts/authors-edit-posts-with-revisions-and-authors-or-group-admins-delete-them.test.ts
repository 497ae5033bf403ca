// Editing: only the author, only title and content; each edit keeps a revision and sets edited_at.
// Deleting: the author, or an owner or admin of the post's group. Media paths: the author's own folder.
import { beforeAll, describe, expect, it } from "vitest";
import { type Cast, castAround } from "../groups/fixtures.ts";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { upload } from "../helpers/storage.ts";
import { contentSnapshot, createPost, idOf, type PostRow, text } from "./fixtures.ts";

const db = useTestDatabase();
let cast: Cast;
let author: Actor;

beforeAll(async () => {
  cast = await castAround(db());
  author = await db().newUser("editor");
});

async function patch(actor: Actor, id: string, set: Record<string, unknown>): Promise<PostRow[]> {
  return db().request(actor, (tx) => tx<PostRow[]>`update public.posts set ${tx(set)} where id = ${id} returning *`, {
    method: "PATCH",
    path: "/posts",
  });
}

async function remove(actor: Actor, id: string): Promise<number> {
  const rows = await db().request(actor, (tx) => tx`delete from public.posts where id = ${id} returning 1`, { method: "DELETE" });
  return rows.length;
}

describe("editing a post", () => {
  it("keeps each replaced version as a revision readable with the post, and sets edited_at", async () => {
    const post = await createPost(db(), author, { blocks: [text("v1")], title: "T1" });
    const [edited] = await patch(author, post.id, { content: { blocks: [text("v2")] } });
    expect(edited?.edited_at).toBeInstanceOf(Date);
    await patch(author, post.id, { title: "T3" });
    const revisions = await db().request(
      cast.stranger,
      (tx) => tx`select title, content from public.post_revisions where post_id = ${post.id} order by created_at, id`,
    );
    expect(revisions.map((r) => ({ ...r }))).toEqual([
      { title: "T1", content: { blocks: [text("v1")] } },
      { title: "T1", content: { blocks: [text("v2")] } },
    ]);
  });

  it("does not count a write that changes neither title nor content as an edit", async () => {
    const post = await createPost(db(), author, { title: "Same" });
    const [row] = await patch(author, post.id, { title: "Same" });
    expect(row?.edited_at).toBeNull();
    const [n] = await db().admin<{ n: number }[]>`select count(*)::int as n from public.post_revisions where post_id = ${post.id}`;
    expect(n?.n).toBe(0);
  });

  it("changes nothing for anyone but the author, and refuses columns other than title and content", async () => {
    const post = await createPost(db(), author, { title: "Mine" });
    const before = await contentSnapshot(db());
    expect(await patch(cast.stranger, post.id, { title: "Theirs" })).toEqual([]);
    await expectDbError(patch(author, post.id, { author_id: idOf(cast.stranger) }), "42501", /permission denied for table posts/);
    await expectDbError(patch(author, post.id, { comment_count: 100 }), "42501", /permission denied for table posts/);
    await expectDbError(patch(author, post.id, { content: { blocks: [] } }), "22023", /blocks must hold/);
    expect(await contentSnapshot(db())).toEqual(before);
  });
});

describe("media storage paths", () => {
  it("accept the author's own folder and refuse another user's folder, naming the block", async () => {
    const mine = `post-media/${idOf(author)}/photo.jpg`;
    await upload(db(), author, "post-media", `${idOf(author)}/photo.jpg`, { mimetype: "image/jpeg" });
    const post = await createPost(db(), author, { blocks: [text("look"), { type: "image", value: mine }] });
    expect((post.content as { blocks: unknown[] }).blocks[1]).toEqual({ type: "image", value: mine });
    const before = await contentSnapshot(db());
    const theirs = `post-media/${idOf(cast.stranger)}/photo.jpg`;
    const e = await expectDbError(
      createPost(db(), author, { blocks: [text("look"), { type: "video", value: theirs }] }),
      "22023",
      /content.blocks\[1\] \(video\): a storage path must lie in the author's own folder/,
    );
    expect(e.hint).toMatch(/rule media.own_folder/);
    await expectDbError(patch(author, post.id, { content: { blocks: [{ type: "image", value: theirs }] } }), "22023", /own folder/);
    expect(await contentSnapshot(db())).toEqual(before);
  });

  it("are declared by a private post-media bucket whose uploads go only into the uploader's folder", async () => {
    const [bucket] = await db().admin`select public, file_size_limit, allowed_mime_types from storage.buckets where id = 'post-media'`;
    expect(bucket).toMatchObject({ public: false });
    await upload(db(), author, "post-media", `${idOf(author)}/a.jpg`, { mimetype: "image/jpeg" });
    await expectDbError(upload(db(), author, "post-media", `${idOf(cast.stranger)}/a.jpg`), "42501", /row-level security/);
    await expectDbError(upload(db(), cast.unconfirmed, "post-media", `${idOf(cast.unconfirmed)}/a.jpg`), "42501", /row-level security/);
  });
});

describe("deleting a post", () => {
  it("is for its author, and for the owners and admins of its group, not for members or strangers", async () => {
    const g = cast.group.id;
    const byMember = async () => createPost(db(), cast.member, { title: "Hello group", group_id: g });
    const p1 = await byMember();
    expect(await remove(cast.stranger, p1.id)).toBe(0);
    expect(await remove(cast.platformAdmin, p1.id)).toBe(0);
    const p2 = await createPost(db(), cast.admin, { title: "Admin post", group_id: g });
    expect(await remove(cast.member, p2.id)).toBe(0);
    expect(await remove(cast.admin, p1.id)).toBe(1);
    expect(await remove(cast.owner, p2.id)).toBe(1);
    const p3 = await byMember();
    expect(await remove(cast.member, p3.id)).toBe(1);
    const own = await createPost(db(), author);
    expect(await remove(cast.owner, own.id)).toBe(0);
    expect(await remove(author, own.id)).toBe(1);
  });
});
