// post-media and message-media are private: an object is read by its owner and by whoever can see a
// post or message that references it, through createSignedUrl and download alike; nobody lists
// another's folder; uploads, overwrites and deletes are the owner's, in their own folder. Every
// invalidating change (unfollow, block, profile or group going private, removal, deletion) ends
// access at once.
import { beforeAll, describe, expect, it } from "vitest";
import { createGroup } from "../groups/fixtures.ts";
import { type Actor, anon, idOf, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { deleteMessage, send, startConversation } from "../messaging/dm.ts";
import { accept, block, follow, setPrivate, unblock, unfollow } from "../people/graph.ts";
import { attach, list, mediaIdOf, ownPath, postWithMedia, reads, remove, upload } from "./media.ts";

const db = useTestDatabase();

let owner: Actor;
let follower: Actor;
let stranger: Actor;
let blocked: Actor;

beforeAll(async () => {
  [owner, follower, stranger, blocked] = await Promise.all([
    db().newUser("m_owner"),
    db().newUser("m_follower"),
    db().newUser("m_stranger"),
    db().newUser("m_blocked"),
  ]);
  await setPrivate(db(), owner, true);
  for (const f of [follower, blocked]) {
    await follow(db(), f, owner);
    await accept(db(), owner, f);
  }
});

describe("post-media of a private profile", () => {
  it("is read by the owner and accepted followers, not by non-followers, blocked users or anon", async () => {
    const { path } = await postWithMedia(db(), owner);
    expect(await reads(db(), owner, "post-media", path)).toBe(true);
    expect(await reads(db(), follower, "post-media", path)).toBe(true);
    expect(await reads(db(), blocked, "post-media", path)).toBe(true);
    await block(db(), owner, blocked);
    expect(await reads(db(), blocked, "post-media", path)).toBe(false);
    expect(await reads(db(), stranger, "post-media", path)).toBe(false);
    expect(await reads(db(), anon, "post-media", path)).toBe(false);
    await unblock(db(), owner, blocked);
  });

  it("lists only in one's own folder, for everyone", async () => {
    const { path } = await postWithMedia(db(), owner);
    const folder = `${idOf(owner)}/`;
    expect(await list(db(), owner, "post-media", folder)).toContain(path);
    for (const actor of [follower, stranger, blocked, anon]) {
      expect(await list(db(), actor, "post-media", folder)).toEqual([]);
      expect(await list(db(), actor, "post-media", "")).not.toContain(path);
    }
  });

  it("takes uploads only into the uploader's own folder, from confirmed users", async () => {
    const mine = ownPath(follower);
    await upload(db(), follower, "post-media", mine);
    expect(await list(db(), follower, "post-media", `${idOf(follower)}/`)).toContain(mine);
    await expectDbError(upload(db(), follower, "post-media", `${idOf(owner)}/intruder.png`), "42501", /row-level security/);
    await expectDbError(upload(db(), anon, "post-media", `${idOf(owner)}/anon.png`), "42501", /permission denied|row-level security/);
    const unconfirmed = await db().newUser("m_unconfirmed", { confirm: false });
    await expectDbError(upload(db(), unconfirmed, "post-media", ownPath(unconfirmed)), "42501", /row-level security/);
    expect(
      await db().admin`select 1 from storage.objects where name like ${`${idOf(owner)}/intruder%`} or name like ${`${idOf(owner)}/anon%`}`,
    ).toHaveLength(0);
  });

  it("is overwritten and deleted by its owner only while nothing references it", async () => {
    const { path } = await postWithMedia(db(), owner);
    // Referenced: neither the owner nor anyone else overwrites or deletes it.
    await expectDbError(upload(db(), owner, "post-media", path, { upsert: true }), "42501", /row-level security/);
    await expectDbError(upload(db(), follower, "post-media", path, { upsert: true }), "42501", /row-level security/);
    expect(await remove(db(), owner, "post-media", [path])).toEqual([]);
    expect(await remove(db(), follower, "post-media", [path])).toEqual([]);
    expect(await remove(db(), anon, "post-media", [path])).toEqual([]);
    // Unreferenced: the owner overwrites it (the media row follows) and deletes it; others cannot.
    const loose = ownPath(owner);
    await upload(db(), owner, "post-media", loose, { mimetype: "image/png", size: 10 });
    await upload(db(), owner, "post-media", loose, { mimetype: "image/webp", size: 20, upsert: true });
    const [row] = await db().admin`select mime_type, bytes from public.media where object_path = ${loose}`;
    expect(row).toEqual({ mime_type: "image/webp", bytes: "20" });
    await expectDbError(upload(db(), follower, "post-media", loose, { upsert: true }), "42501", /row-level security/);
    expect(await remove(db(), follower, "post-media", [loose])).toEqual([]);
    expect(await remove(db(), owner, "post-media", [loose])).toEqual([loose]);
    expect(await db().admin`select 1 from public.media where object_path = ${loose}`).toHaveLength(0);
  });

  it("stops being readable at once on unfollow, on going private, on a block and on the post's deletion", async () => {
    const { path, postId } = await postWithMedia(db(), owner);
    const fan = await db().newUser("m_fan");
    await follow(db(), fan, owner);
    await accept(db(), owner, fan);
    expect(await reads(db(), fan, "post-media", path)).toBe(true);
    await unfollow(db(), fan, fan, owner);
    expect(await reads(db(), fan, "post-media", path)).toBe(false);

    const open = await db().newUser("m_open");
    const pub = await postWithMedia(db(), open);
    expect(await reads(db(), anon, "post-media", pub.path)).toBe(true);
    expect(await reads(db(), stranger, "post-media", pub.path)).toBe(true);
    await setPrivate(db(), open, true);
    expect(await reads(db(), anon, "post-media", pub.path)).toBe(false);
    expect(await reads(db(), stranger, "post-media", pub.path)).toBe(false);
    await setPrivate(db(), open, false);
    expect(await reads(db(), stranger, "post-media", pub.path)).toBe(true);
    await block(db(), stranger, open);
    expect(await reads(db(), stranger, "post-media", pub.path)).toBe(false);

    expect(await reads(db(), follower, "post-media", path)).toBe(true);
    await db().request(owner, (tx) => tx`delete from public.posts where id = ${postId}`, { method: "DELETE", path: "/posts" });
    expect(await reads(db(), follower, "post-media", path)).toBe(false);
    expect(await reads(db(), owner, "post-media", path)).toBe(true);
    const [media] = await db().admin`select ref_count, detached_at is not null as detached from public.media where object_path = ${path}`;
    expect(media).toEqual({ ref_count: 0, detached: true });
  });
});

describe("post-media of a private group", () => {
  it("is read by active members, not by non-members or anon, and no longer after removal, leaving or the post's removal", async () => {
    const groupOwner = await db().newUser("m_gowner");
    const [member, other, removed] = await Promise.all([db().newUser("m_member"), db().newUser("m_other"), db().newUser("m_removed")]);
    const group = await createGroup(db(), groupOwner, { visibility: "private", join_question: null });
    for (const m of [member, removed]) {
      await db().rpc(groupOwner, "invite_to_group", { group_id: group.id, user_id: idOf(m) });
      await db().rpc(m, "respond_to_invite", { group_id: group.id, accept: true });
    }
    const { path, postId } = await postWithMedia(db(), member, { group_id: group.id });
    for (const [actor, expected] of [
      [member, true],
      [groupOwner, true],
      [removed, true],
      [other, false],
      [anon, false],
    ] as const) {
      expect(await reads(db(), actor, "post-media", path)).toBe(expected);
    }
    expect(await list(db(), groupOwner, "post-media", `${idOf(member)}/`)).toEqual([]);
    await db().rpc(groupOwner, "remove_group_member", { group_id: group.id, user_id: idOf(removed) });
    expect(await reads(db(), removed, "post-media", path)).toBe(false);
    // A moderator (the group owner) removes the post: members lose the media at once.
    await db().request(groupOwner, (tx) => tx`delete from public.posts where id = ${postId}`, { method: "DELETE", path: "/posts" });
    expect(await reads(db(), groupOwner, "post-media", path)).toBe(false);
    expect(await reads(db(), member, "post-media", path)).toBe(true);
  });

  it("of a public group becomes unreadable to outsiders when the group goes private", async () => {
    const groupOwner = await db().newUser("m_gowner2");
    const group = await createGroup(db(), groupOwner, { visibility: "public" });
    const { path } = await postWithMedia(db(), groupOwner, { group_id: group.id });
    expect(await reads(db(), anon, "post-media", path)).toBe(true);
    expect(await reads(db(), stranger, "post-media", path)).toBe(true);
    await db().request(groupOwner, (tx) => tx`update public.groups set visibility = 'private' where id = ${group.id}`, {
      method: "PATCH",
      path: "/groups",
    });
    expect(await reads(db(), anon, "post-media", path)).toBe(false);
    expect(await reads(db(), stranger, "post-media", path)).toBe(false);
    expect(await reads(db(), groupOwner, "post-media", path)).toBe(true);
  });
});

describe("message-media", () => {
  it("is read by the two participants only, never across a block, and not after the message is deleted", async () => {
    const [a, b, outsider] = await Promise.all([db().newUser("m_dm_a"), db().newUser("m_dm_b"), db().newUser("m_dm_out")]);
    await follow(db(), b, a); // b follows a: a's messages land in b's inbox, not as a request
    const conversation = await startConversation(db(), a, b);
    const message = await send(db(), a, conversation, "a photo for you");
    const path = ownPath(a, "jpg");
    await upload(db(), a, "message-media", path, { mimetype: "image/jpeg" });
    const mediaId = await mediaIdOf(db(), "message-media", path);
    // Before it is attached, only the uploader reads it.
    expect(await reads(db(), b, "message-media", path)).toBe(false);
    await expectDbError(attach(db(), b, message.id, mediaId), "PT404", /message not found/);
    await attach(db(), a, message.id, mediaId);
    for (const [actor, expected] of [
      [a, true],
      [b, true],
      [outsider, false],
      [anon, false],
    ] as const) {
      expect(await reads(db(), actor, "message-media", path)).toBe(expected);
    }
    expect(await list(db(), b, "message-media", `${idOf(a)}/`)).toEqual([]);
    expect(await list(db(), a, "message-media", `${idOf(a)}/`)).toEqual([path]);
    await expectDbError(upload(db(), b, "message-media", `${idOf(a)}/x.png`), "42501", /row-level security/);
    expect(await remove(db(), b, "message-media", [path])).toEqual([]);
    expect(await remove(db(), a, "message-media", [path])).toEqual([]);

    await block(db(), b, a);
    expect(await reads(db(), b, "message-media", path)).toBe(false);
    expect(await reads(db(), a, "message-media", path)).toBe(true);
    await unblock(db(), b, a);
    expect(await reads(db(), b, "message-media", path)).toBe(true);

    await deleteMessage(db(), a, message.id);
    expect(await reads(db(), b, "message-media", path)).toBe(false);
    expect(await remove(db(), a, "message-media", [path])).toEqual([path]);
  });

  it("attaches only the sender's own images and videos from message-media, to the sender's own live message", async () => {
    const [a, b] = await Promise.all([db().newUser("m_dm_c"), db().newUser("m_dm_d")]);
    await follow(db(), b, a);
    const conversation = await startConversation(db(), a, b);
    const message = await send(db(), a, conversation, "files");
    const theirs = ownPath(b);
    await upload(db(), b, "message-media", theirs);
    await expectDbError(attach(db(), a, message.id, await mediaIdOf(db(), "message-media", theirs)), "22023", /no uploaded media/);
    const inPosts = ownPath(a);
    await upload(db(), a, "post-media", inPosts);
    await expectDbError(attach(db(), a, message.id, await mediaIdOf(db(), "post-media", inPosts)), "22023", /no uploaded media/);
    const photo = ownPath(a, "png");
    await upload(db(), a, "message-media", photo, { mimetype: "image/png" });
    await attach(db(), a, message.id, await mediaIdOf(db(), "message-media", photo));
    const [row] = await db().admin`select ref_count from public.media where object_path = ${photo}`;
    expect(row).toEqual({ ref_count: 1 });
  });
});
