// The visibility matrix: each actor reads every posts-domain table through the API and sees exactly the
// rows of the posts it may see (CONTRACT.md "Who sees a post"), never a row across a block (either
// way), and only its own bookmarks. service_role reads everything.
import { beforeAll, describe, expect, it } from "vitest";
import { castAround } from "../groups/fixtures.ts";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { accept, block, follow, setPrivate } from "../people/graph.ts";
import { bookmark, comment, createPost, eventBlock, idOf, inDays, react, text } from "./fixtures.ts";

const db = useTestDatabase();

const names = new Map<string, string>();
const labels = new Map<string, string>();
const actors: Record<string, Actor> = {};

interface View {
  posts: string[];
  comments: string[];
  reactions: string[];
  events: string[];
  revisions: string[];
  bookmarks: string[];
}

async function view(actor: Actor): Promise<View> {
  const label = (id: string) => labels.get(id) ?? "?";
  const name = (id: string) => names.get(id) ?? "?";
  return db().request(actor, async (tx) => {
    const posts = await tx<{ id: string }[]>`select id from public.posts`;
    const comments = await tx<{ post_id: string; author_id: string }[]>`select post_id, author_id from public.comments`;
    const reactions = await tx<{ post_id: string | null; comment_id: string | null; user_id: string }[]>`
      select r.post_id, coalesce(r.post_id, (select c.post_id from public.comments c where c.id = r.comment_id)) as comment_id, r.user_id
      from public.reactions r`;
    const events = await tx<{ post_id: string }[]>`select post_id from public.events`;
    const revisions = await tx<{ post_id: string }[]>`select post_id from public.post_revisions`;
    const bookmarks =
      actor.role === "anon" ? [] : await tx<{ post_id: string; user_id: string }[]>`select post_id, user_id from public.bookmarks`;
    return {
      posts: posts.map((r) => label(r.id)).sort(),
      comments: comments.map((r) => `${label(r.post_id)}:${name(r.author_id)}`).sort(),
      reactions: reactions
        .map((r) => `${r.post_id ? "" : "comment on "}${label(r.post_id ?? (r.comment_id as string))}:${name(r.user_id)}`)
        .sort(),
      events: events.map((r) => label(r.post_id)).sort(),
      revisions: revisions.map((r) => label(r.post_id)).sort(),
      bookmarks: bookmarks.map((r) => `${label(r.post_id)}:${name(r.user_id)}`).sort(),
    };
  });
}

beforeAll(async () => {
  const cast = await castAround(db(), { visibility: "private" });
  Object.assign(actors, {
    groupOwner: cast.owner,
    groupAdmin: cast.admin,
    member: cast.member,
    pendingMember: cast.requester,
    nonMember: cast.stranger,
    platformAdmin: cast.platformAdmin,
    unconfirmed: cast.unconfirmed,
  });
  for (const n of [
    "pubAuthor",
    "privAuthor",
    "follower",
    "pendingFollower",
    "commenter",
    "blockedByAuthor",
    "blocksAuthor",
    "blocksCommenter",
    "blockedByCommenter",
  ]) {
    actors[n] = await db().newUser(n.toLowerCase());
  }
  for (const [n, a] of Object.entries(actors)) if (a.user) names.set(a.user.id, n);
  const a = actors as Record<string, Actor>;

  await setPrivate(db(), a.privAuthor as Actor, true);
  await follow(db(), a.follower as Actor, a.privAuthor as Actor);
  await accept(db(), a.privAuthor as Actor, a.follower as Actor);
  await follow(db(), a.pendingFollower as Actor, a.privAuthor as Actor);
  await block(db(), a.pubAuthor as Actor, a.blockedByAuthor as Actor);
  await block(db(), a.blocksAuthor as Actor, a.pubAuthor as Actor);
  await block(db(), a.blocksCommenter as Actor, a.commenter as Actor);
  await block(db(), a.commenter as Actor, a.blockedByCommenter as Actor);

  const pub = await createPost(db(), a.pubAuthor as Actor, { blocks: [text("public"), eventBlock("Picnic", inDays(3))] });
  const priv = await createPost(db(), a.privAuthor as Actor, { blocks: [eventBlock("Dinner", inDays(4))] });
  const grp = await createPost(db(), a.member as Actor, {
    title: "Meeting",
    group_id: cast.group.id,
    blocks: [eventBlock("Assembly", inDays(5))],
  });
  labels.set(pub.id, "pub").set(priv.id, "priv").set(grp.id, "grp");
  await db().request(a.pubAuthor as Actor, (tx) => tx`update public.posts set title = 'Edited' where id = ${pub.id}`, { method: "PATCH" });

  for (const [post, author] of [
    [pub, a.pubAuthor],
    [priv, a.privAuthor],
    [grp, a.member],
  ] as const) {
    const own = await comment(db(), author as Actor, post.id, "first");
    await react(db(), author as Actor, "like", { post_id: post.id });
    await react(db(), author as Actor, "love", { comment_id: own.id });
    await bookmark(db(), author as Actor, post.id);
  }
  const byCommenter = await comment(db(), a.commenter as Actor, pub.id, "nice");
  await react(db(), a.commenter as Actor, "wow", { post_id: pub.id });
  await react(db(), a.pubAuthor as Actor, "haha", { comment_id: byCommenter.id });
});

const all = {
  pub: {
    comments: ["pub:commenter", "pub:pubAuthor"],
    reactions: ["comment on pub:pubAuthor", "comment on pub:pubAuthor", "pub:commenter", "pub:pubAuthor"],
  },
  priv: { comments: ["priv:privAuthor"], reactions: ["comment on priv:privAuthor", "priv:privAuthor"] },
  grp: { comments: ["grp:member"], reactions: ["comment on grp:member", "grp:member"] },
};

function expected(posts: ("pub" | "priv" | "grp")[], bookmarks: string[] = []): View {
  return {
    posts: [...posts].sort(),
    comments: posts.flatMap((p) => all[p].comments).sort(),
    reactions: posts.flatMap((p) => all[p].reactions).sort(),
    events: [...posts].sort(),
    revisions: posts.filter((p) => p === "pub"),
    bookmarks,
  };
}

describe("who sees posts and everything hanging off them", () => {
  it.each([
    ["anon", ["pub"]],
    ["nonMember", ["pub"]],
    ["pendingMember", ["pub"]],
    ["unconfirmed", ["pub"]],
    ["platformAdmin", ["pub"]],
    ["pendingFollower", ["pub"]],
    ["follower", ["pub", "priv"]],
    ["member", ["pub", "grp"], ["grp:member"]],
    ["groupAdmin", ["pub", "grp"]],
    ["groupOwner", ["pub", "grp"]],
    ["pubAuthor", ["pub"], ["pub:pubAuthor"]],
    ["privAuthor", ["pub", "priv"], ["priv:privAuthor"]],
  ] as const)("%s sees exactly the rows of %j", async (who, posts, bookmarks: readonly string[] = []) => {
    const actor = who === "anon" ? anon : (actors[who] as Actor);
    expect(await view(actor)).toEqual(expected([...posts], [...bookmarks]));
  });

  it("hides a post and everything under it from a user its author blocks, and from a user who blocks its author", async () => {
    for (const who of ["blockedByAuthor", "blocksAuthor"]) {
      const v = await view(actors[who] as Actor);
      expect(v).toEqual(expected([]));
    }
  });

  it("hides the comments and reactions of a commenter across a block, either way, but not the post", async () => {
    for (const who of ["blocksCommenter", "blockedByCommenter"]) {
      const v = await view(actors[who] as Actor);
      expect(v.posts).toEqual(["pub"]);
      expect(v.comments).toEqual(["pub:pubAuthor"]);
      expect(v.reactions).toEqual(["comment on pub:pubAuthor", "pub:pubAuthor"]);
    }
  });

  it("lets service_role read every row", async () => {
    const v = await view(serviceRole);
    expect(v).toEqual(expected(["pub", "priv", "grp"], ["grp:member", "priv:privAuthor", "pub:pubAuthor"]));
  });

  it("shows a post again once the block is lifted and hides a private profile's posts once the follower leaves", async () => {
    const follower = actors.follower as Actor;
    await db().request(follower, (tx) => tx`delete from public.follows where follower_id = ${idOf(follower)}`, { method: "DELETE" });
    expect((await view(follower)).posts).toEqual(["pub"]);
  });
});
