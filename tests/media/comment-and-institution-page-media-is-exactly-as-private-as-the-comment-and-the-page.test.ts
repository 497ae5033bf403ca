// Comments and institution pages reference uploaded post-media too (comment_media, institution_media),
// with the same checks as posts (the media exists, is the author's own, is an image or video), and the
// storage.objects select follows them: an object is read by whoever sees the comment (its post, no
// block, not removed) or the institution page (the group), and by nobody else.
import { beforeAll, describe, expect, it } from "vitest";
import { createGroup } from "../groups/fixtures.ts";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { accept, block, follow, setPrivate, unblock } from "../people/graph.ts";
import { comment, createPost } from "../posts/fixtures.ts";
import { mediaIdOf, ownPath, reads, remove, upload } from "./media.ts";

const db = useTestDatabase();

let owner: Actor;
let follower: Actor;
let commenter: Actor;
let stranger: Actor;

beforeAll(async () => {
  [owner, follower, commenter, stranger] = await Promise.all([
    db().newUser("cm_owner"),
    db().newUser("cm_follower"),
    db().newUser("cm_commenter"),
    db().newUser("cm_stranger"),
  ]);
  await setPrivate(db(), owner, true);
  for (const f of [follower, commenter]) {
    await follow(db(), f, owner);
    await accept(db(), owner, f);
  }
});

async function uploaded(actor: Actor, bucket = "post-media", mimetype = "image/png"): Promise<{ path: string; id: string }> {
  const path = ownPath(actor, mimetype.startsWith("video") ? "mp4" : "png");
  await upload(db(), actor, bucket, path, { mimetype });
  return { path, id: await mediaIdOf(db(), bucket, path) };
}

/** supabase.from('comment_media').insert({ comment_id, media_id, position }). */
function attachToComment(actor: Actor, commentId: string, mediaId: string, position = 0) {
  return db().request(
    actor,
    (tx) => tx`insert into public.comment_media (comment_id, media_id, position) values (${commentId}, ${mediaId}, ${position})`,
  );
}

/** supabase.from('institution_media').insert({ group_id, media_id, position }). */
function addToPage(actor: Actor, groupId: string, mediaId: string, position = 0) {
  return db().request(
    actor,
    (tx) => tx`insert into public.institution_media (group_id, media_id, position) values (${groupId}, ${mediaId}, ${position})`,
  );
}

const refCount = async (mediaId: string) =>
  (await db().admin`select ref_count, detached_at is not null as detached from public.media where id = ${mediaId}`)[0];

describe("comment media", () => {
  it("is read by whoever sees the comment: the private profile's followers, not strangers, anon or across a block", async () => {
    const post = await createPost(db(), owner, { blocks: [{ type: "text", value: "members only" }] });
    const c = await comment(db(), commenter, post.id, "here is a photo");
    const photo = await uploaded(commenter);
    // Before it is attached, only the uploader reads it.
    expect(await reads(db(), follower, "post-media", photo.path)).toBe(false);
    await attachToComment(commenter, c.id, photo.id);
    expect(await refCount(photo.id)).toEqual({ ref_count: 1, detached: false });
    for (const [actor, expected] of [
      [commenter, true],
      [owner, true],
      [follower, true],
      [stranger, false],
      [anon, false],
    ] as const) {
      expect(await reads(db(), actor, "post-media", photo.path)).toBe(expected);
    }
    // The row is read with the comment.
    const rowsFor = (actor: Actor) => db().request(actor, (tx) => tx`select media_id from public.comment_media where comment_id = ${c.id}`);
    expect(await rowsFor(follower)).toEqual([{ media_id: photo.id }]);
    expect(await rowsFor(stranger)).toEqual([]);
    // A block between the reader and the commenter ends it; lifting the block restores it.
    await block(db(), commenter, follower);
    expect(await reads(db(), follower, "post-media", photo.path)).toBe(false);
    await unblock(db(), commenter, follower);
    expect(await reads(db(), follower, "post-media", photo.path)).toBe(true);
    // Referenced: its owner can neither delete nor overwrite it.
    expect(await remove(db(), commenter, "post-media", [photo.path])).toEqual([]);
    // A moderator's removal of the comment ends access for everyone but its author.
    await db().admin`update public.comments set removed_at = now(), removed_reason = 'spam' where id = ${c.id}`;
    expect(await reads(db(), follower, "post-media", photo.path)).toBe(false);
    expect(await reads(db(), owner, "post-media", photo.path)).toBe(false);
    expect(await reads(db(), commenter, "post-media", photo.path)).toBe(true);
  });

  it("a public post's comment media is read by anon; deleting the comment lets the media go", async () => {
    const publicAuthor = await db().newUser("cm_public");
    const post = await createPost(db(), publicAuthor);
    const c = await comment(db(), commenter, post.id, "a clip");
    const clip = await uploaded(commenter, "post-media", "video/mp4");
    await attachToComment(commenter, c.id, clip.id);
    expect(await reads(db(), anon, "post-media", clip.path)).toBe(true);
    await db().request(commenter, (tx) => tx`delete from public.comments where id = ${c.id}`);
    expect(await reads(db(), anon, "post-media", clip.path)).toBe(false);
    expect(await refCount(clip.id)).toEqual({ ref_count: 0, detached: true });
    expect(await remove(db(), commenter, "post-media", [clip.path])).toEqual([clip.path]);
  });

  it("only the author's own post-media images and videos, on their own live comment, at most 4; refusals change nothing", async () => {
    const publicAuthor = await db().newUser("cm_public2");
    const post = await createPost(db(), publicAuthor);
    const c = await comment(db(), commenter, post.id, "files");
    const theirs = await uploaded(stranger);
    await expectDbError(attachToComment(commenter, c.id, theirs.id), "22023", /no uploaded media .* of the author in post-media/);
    const dm = await uploaded(commenter, "message-media");
    await expectDbError(attachToComment(commenter, c.id, dm.id), "22023", /no uploaded media/);
    const mine = await uploaded(commenter);
    await expectDbError(attachToComment(stranger, c.id, mine.id), "PT404", /comment not found/);
    await expectDbError(attachToComment(anon, c.id, mine.id), "42501", /permission denied/);
    expect(await refCount(mine.id)).toEqual({ ref_count: 0, detached: false });
    for (let i = 0; i < 4; i++) await attachToComment(commenter, c.id, (await uploaded(commenter)).id, i);
    await expectDbError(attachToComment(commenter, c.id, mine.id, 3), "22023", /at most 4 attachments/);
    expect(await db().admin`select count(*)::int as n from public.comment_media where comment_id = ${c.id}`).toEqual([{ n: 4 }]);
  });
});

describe("institution page media", () => {
  it("is added by the page's owners and admins from their own uploads and read with the group", async () => {
    const [creator, member] = await Promise.all([db().newUser("cm_inst"), db().newUser("cm_member")]);
    const group = await createGroup(db(), creator, { kind: "institution" });
    const cover = await uploaded(creator);
    await addToPage(creator, group.id, cover.id);
    expect(await refCount(cover.id)).toEqual({ ref_count: 1, detached: false });
    // Pending review: only its people and platform admins see the group, so only they read the cover.
    expect(await reads(db(), creator, "post-media", cover.path)).toBe(true);
    expect(await reads(db(), stranger, "post-media", cover.path)).toBe(false);
    expect(await reads(db(), anon, "post-media", cover.path)).toBe(false);
    await db().admin`select private.review_institution(${group.id}, 'approve')`;
    expect(await reads(db(), stranger, "post-media", cover.path)).toBe(true);
    expect(await reads(db(), anon, "post-media", cover.path)).toBe(true);
    expect(await db().request(anon, (tx) => tx`select media_id from public.institution_media where group_id = ${group.id}`)).toEqual([
      { media_id: cover.id },
    ]);
    // A plain member or a stranger cannot add to the page; nobody adds someone else's upload.
    await db().rpc(member, "join_group", { group_id: group.id });
    const membersOwn = await uploaded(member);
    await expectDbError(addToPage(member, group.id, membersOwn.id), "PT404", /institution not found/);
    await expectDbError(addToPage(creator, group.id, membersOwn.id), "22023", /no uploaded media .* of yours in post-media/);
    const generic = await createGroup(db(), creator);
    await expectDbError(addToPage(creator, generic.id, (await uploaded(creator)).id), "PT404", /institution not found/);
    await expectDbError(addToPage(anon, group.id, cover.id), "42501", /permission denied/);
    // Taking it off the page lets it go.
    await db().request(member, (tx) => tx`delete from public.institution_media where group_id = ${group.id}`);
    expect(await refCount(cover.id)).toEqual({ ref_count: 1, detached: false });
    await db().request(creator, (tx) => tx`delete from public.institution_media where group_id = ${group.id}`);
    expect(await refCount(cover.id)).toEqual({ ref_count: 0, detached: true });
    expect(await reads(db(), anon, "post-media", cover.path)).toBe(false);
  });
});
