// Issue 17: search_posts and tag_feed return only posts the caller may read under the feeds' rules
// (the posts select policy less muted authors), applied at call time: a block, mute, unfollow,
// privacy change or moderation removal hides a post at once. Every actor kind, both ways.
import { describe, expect, it } from "vitest";
import { createGroup } from "../groups/fixtures.ts";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { accept, block, follow, mute, setPrivate, unblock, unfollow } from "../people/graph.ts";
import { createPost, idOf, text } from "../posts/fixtures.ts";
import { postIds, searchPosts, tagFeed, users, word } from "./fixtures.ts";

const db = useTestDatabase();

describe("search_posts and tag_feed", () => {
  it("find a private profile's post for its author and accepted followers only, and follow unfollows and privacy changes at once", async () => {
    const [author, follower, pending, stranger] = await users(
      db(),
      "v_priv_author",
      "v_priv_follower",
      "v_priv_pending",
      "v_priv_stranger",
    );
    await setPrivate(db(), author, true);
    await follow(db(), follower, author);
    await accept(db(), author, follower);
    await follow(db(), pending, author);
    const w = word();
    const post = await createPost(db(), author, { blocks: [text(`secret ${w} plans #${w}`)] });
    const sees = async (actor: typeof anon) => ({
      search: postIds(await searchPosts(db(), actor, w)),
      tag: postIds(await tagFeed(db(), actor, w)),
    });
    const found = { search: [post.id], tag: [post.id] };
    const nothing = { search: [], tag: [] };
    expect(await sees(author)).toEqual(found);
    expect(await sees(follower)).toEqual(found);
    expect(await sees(pending)).toEqual(nothing);
    expect(await sees(stranger)).toEqual(nothing);
    expect(await sees(anon)).toEqual(nothing);
    expect(await sees(serviceRole)).toEqual(nothing);

    // The author removes the follower: gone at once. Going public: everyone finds it.
    expect(await unfollow(db(), author, follower, author)).toBe(1);
    expect(await sees(follower)).toEqual(nothing);
    await setPrivate(db(), author, false);
    expect(await sees(stranger)).toEqual(found);
    expect(await sees(anon)).toEqual(found);
  });

  it("never cross a block, either way, and come back when it is lifted", async () => {
    const [author, blocked, bystander] = await users(db(), "v_blk_author", "v_blk_blocked", "v_blk_by");
    const w = word();
    const authors = await createPost(db(), author, { blocks: [text(`${w} from the author #${w}`)] });
    const blockeds = await createPost(db(), blocked, { blocks: [text(`${w} from the blocked one #${w}`)] });
    await block(db(), author, blocked);
    expect(postIds(await searchPosts(db(), blocked, w))).toEqual([blockeds.id]);
    expect(postIds(await searchPosts(db(), author, w))).toEqual([authors.id]);
    expect(postIds(await tagFeed(db(), blocked, `#${w}`))).toEqual([blockeds.id]);
    expect(postIds(await tagFeed(db(), author, w))).toEqual([authors.id]);
    expect(new Set(postIds(await searchPosts(db(), bystander, w)))).toEqual(new Set([authors.id, blockeds.id]));
    await unblock(db(), author, blocked);
    expect(new Set(postIds(await searchPosts(db(), blocked, w)))).toEqual(new Set([authors.id, blockeds.id]));
  });

  it("leave out authors the caller mutes, for the muter only", async () => {
    const [author, muter, other] = await users(db(), "v_mute_author", "v_mute_muter", "v_mute_other");
    const w = word();
    const post = await createPost(db(), author, { blocks: [text(`loud ${w} #${w}`)] });
    await mute(db(), muter, author);
    expect(postIds(await searchPosts(db(), muter, w))).toEqual([]);
    expect(postIds(await tagFeed(db(), muter, w))).toEqual([]);
    expect(postIds(await searchPosts(db(), other, w))).toEqual([post.id]);
    expect(postIds(await searchPosts(db(), author, w))).toEqual([post.id]);
  });

  it("never find a post removed by moderation, not even for its author; restored, it is found again", async () => {
    const [author, reader, adminUser] = await users(db(), "v_rm_author", "v_rm_reader", "v_rm_admin");
    const moderator = await db().makeAdmin(adminUser);
    const w = word();
    const post = await createPost(db(), author, { title: `About ${w}`, blocks: [text(`#${w} spam`)] });
    expect(postIds(await searchPosts(db(), reader, w))).toEqual([post.id]);
    await db().rpc(moderator, "moderate", {
      action: "remove",
      target_kind: "post",
      target_id: post.id,
      reason: "spam",
      until: null,
      report_ids: null,
      group_id: null,
    });
    for (const actor of [reader, author, moderator, anon]) {
      expect(postIds(await searchPosts(db(), actor, w))).toEqual([]);
      expect(postIds(await tagFeed(db(), actor, w))).toEqual([]);
    }
    await db().rpc(moderator, "moderate", {
      action: "restore",
      target_kind: "post",
      target_id: post.id,
      reason: "appeal upheld",
      until: null,
      report_ids: null,
      group_id: null,
    });
    expect(postIds(await searchPosts(db(), reader, w))).toEqual([post.id]);
  });

  it("find a private group's post for its active members only, and no more once they leave", async () => {
    const [owner, member, stranger] = await users(db(), "v_grp_owner", "v_grp_member", "v_grp_stranger");
    const group = await createGroup(db(), owner, { visibility: "private", name: "Quiet circle" });
    await db().rpc(owner, "invite_to_group", { group_id: group.id, user_id: idOf(member) });
    await db().rpc(member, "respond_to_invite", { group_id: group.id, accept: true });
    const w = word();
    const post = await createPost(db(), owner, { group_id: group.id, title: `Plans ${w}`, blocks: [text(`#${w} inside`)] });
    expect(postIds(await searchPosts(db(), member, w))).toEqual([post.id]);
    expect(postIds(await tagFeed(db(), member, w))).toEqual([post.id]);
    expect(postIds(await searchPosts(db(), owner, w))).toEqual([post.id]);
    for (const actor of [stranger, anon]) {
      expect(postIds(await searchPosts(db(), actor, w))).toEqual([]);
      expect(postIds(await tagFeed(db(), actor, w))).toEqual([]);
    }
    await db().rpc(member, "leave_group", { group_id: group.id });
    expect(postIds(await searchPosts(db(), member, w))).toEqual([]);
  });

  it("find a public group's post for everyone, anon included, and carry the feeds' cards", async () => {
    const owner = await db().newUser("v_pub_owner", { displayName: "Pub Owner" });
    const group = await createGroup(db(), owner, { name: "Open garden" });
    const w = word();
    const post = await createPost(db(), owner, { group_id: group.id, title: `Seeds ${w}`, blocks: [text(`#${w} swap`)] });
    const [row] = await searchPosts(db(), anon, w);
    expect(row).toMatchObject({
      post_id: post.id,
      author_card: { id: idOf(owner), display_name: "Pub Owner" },
      group_card: { id: group.id, name: "Open garden", kind: "generic", verified: false },
      my_reaction: null,
      bookmarked: false,
    });
    expect(typeof row?.cursor).toBe("string");
    expect(postIds(await tagFeed(db(), anon, w))).toEqual([post.id]);
  });
});
