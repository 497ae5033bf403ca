// Bookmarks: made by their confirmed owner of posts the owner can see, read by the owner alone (and only
// while the post stays visible), removed by the owner.
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, setPrivate } from "../people/graph.ts";
import { bookmark, contentSnapshot, createPost, idOf } from "./fixtures.ts";

const db = useTestDatabase();
let owner: Actor;
let other: Actor;
let author: Actor;

beforeAll(async () => {
  [owner, other, author] = [await db().newUser("saver"), await db().newUser("nosy"), await db().newUser("saved_author")];
});

const mine = (actor: Actor) =>
  db().request(actor, (tx) => tx<{ post_id: string; user_id: string }[]>`select post_id, user_id from public.bookmarks`);

describe("bookmarks", () => {
  it("are read by their owner only", async () => {
    const post = await createPost(db(), author);
    await bookmark(db(), owner, post.id);
    expect((await mine(owner)).map((r) => r.post_id)).toEqual([post.id]);
    expect(await mine(other)).toEqual([]);
    expect(await mine(author)).toEqual([]);
    await expectDbError(mine(anon), "42501", /permission denied for table bookmarks/);
  });

  it("are refused for posts the user cannot see, twice, for others, and without a confirmed email", async () => {
    const hidden = await db().newUser("private_saved");
    await setPrivate(db(), hidden, true);
    const secret = await createPost(db(), hidden);
    const open = await createPost(db(), author);
    await bookmark(db(), owner, open.id);
    const unconfirmed = await db().newUser("unconfirmed_saver", { confirm: false });
    const before = await contentSnapshot(db());
    await expectDbError(bookmark(db(), owner, secret.id), "PT404", /post not found/);
    await expectDbError(bookmark(db(), owner, open.id), "23505", /you already bookmarked this post/);
    await expectDbError(bookmark(db(), unconfirmed, open.id), "42501", /confirm your email/);
    await expectDbError(
      db().request(other, (tx) => tx`insert into public.bookmarks (user_id, post_id) values (${idOf(owner)}, ${open.id})`),
      "42501",
      /you can only bookmark for yourself/,
    );
    expect(await contentSnapshot(db())).toEqual(before);
  });

  it("disappear from the list while a block hides the post, and are removed by their owner only", async () => {
    const blocker = await db().newUser("blocking_author");
    const post = await createPost(db(), blocker);
    await bookmark(db(), other, post.id);
    const removeAs = (actor: Actor) =>
      db().request(actor, (tx) => tx`delete from public.bookmarks where post_id = ${post.id} returning 1`, { method: "DELETE" });
    expect(await removeAs(owner)).toHaveLength(0);
    await block(db(), blocker, other);
    expect((await mine(other)).map((r) => r.post_id)).not.toContain(post.id);
    const fresh = await createPost(db(), author);
    await bookmark(db(), other, fresh.id);
    const removeFresh = await db().request(other, (tx) => tx`delete from public.bookmarks where post_id = ${fresh.id} returning 1`, {
      method: "DELETE",
    });
    expect(removeFresh).toHaveLength(1);
  });
});
