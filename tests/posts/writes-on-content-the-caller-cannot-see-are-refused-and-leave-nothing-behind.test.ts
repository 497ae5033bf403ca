// The write side of the visibility matrix: on a private profile's post and a private group's post, every
// actor who cannot see the post is refused each write (comment, reaction, RSVP, bookmark) with the
// exact error, and the database is unchanged; the actors who can see it succeed.
import { beforeAll, describe, expect, it } from "vitest";
import { castAround } from "../groups/fixtures.ts";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { accept, block, follow, setPrivate } from "../people/graph.ts";
import { bookmark, comment, contentSnapshot, createPost, eventBlock, inDays, react, rsvp } from "./fixtures.ts";

const db = useTestDatabase();
const actors: Record<string, Actor> = {};
const targets: Record<string, { post: string; event: string }> = {};

beforeAll(async () => {
  const cast = await castAround(db(), { visibility: "private" });
  Object.assign(actors, {
    member: cast.member,
    groupAdmin: cast.admin,
    pendingMember: cast.requester,
    invitee: cast.invitee,
    nonMember: cast.stranger,
    platformAdmin: cast.platformAdmin,
    unconfirmed: cast.unconfirmed,
  });
  for (const n of ["privAuthor", "follower", "pendingFollower", "blockedByAuthor", "blocksAuthor"])
    actors[n] = await db().newUser(n.toLowerCase());
  const a = actors as Record<string, Actor>;
  await setPrivate(db(), a.privAuthor as Actor, true);
  await follow(db(), a.follower as Actor, a.privAuthor as Actor);
  await accept(db(), a.privAuthor as Actor, a.follower as Actor);
  await follow(db(), a.pendingFollower as Actor, a.privAuthor as Actor);
  await follow(db(), a.blockedByAuthor as Actor, a.privAuthor as Actor);
  await accept(db(), a.privAuthor as Actor, a.blockedByAuthor as Actor);
  await block(db(), a.privAuthor as Actor, a.blockedByAuthor as Actor);
  await block(db(), a.blocksAuthor as Actor, a.privAuthor as Actor);

  for (const [key, author, groupId] of [
    ["priv", a.privAuthor, null],
    ["grp", a.groupAdmin, cast.group.id],
  ] as const) {
    const post = await createPost(db(), author as Actor, {
      title: "Hidden",
      group_id: groupId,
      blocks: [eventBlock("Gathering", inDays(2))],
    });
    const [event] = await db().admin<{ id: string }[]>`select id from public.events where post_id = ${post.id}`;
    targets[key] = { post: post.id, event: event?.id as string };
  }
});

const writes = {
  comment: (actor: Actor, t: { post: string }) => comment(db(), actor, t.post, "hello"),
  react: (actor: Actor, t: { post: string }) => react(db(), actor, "like", { post_id: t.post }),
  rsvp: (actor: Actor, t: { event: string }) => rsvp(db(), actor, t.event, "going"),
  bookmark: (actor: Actor, t: { post: string }) => bookmark(db(), actor, t.post),
};
const notFound: Record<string, RegExp> = {
  comment: /post not found/,
  react: /post not found/,
  rsvp: /event not found/,
  bookmark: /post not found/,
};
const anonDenied: Record<string, RegExp> = {
  comment: /permission denied for table comments/,
  react: /permission denied for function react/,
  rsvp: /permission denied for table event_rsvps/,
  bookmark: /permission denied for table bookmarks/,
};

describe("writes under posts the caller cannot see", () => {
  it.each([
    ["priv", "nonMember"],
    ["priv", "pendingFollower"],
    ["priv", "platformAdmin"],
    ["priv", "blockedByAuthor"],
    ["priv", "blocksAuthor"],
    ["grp", "nonMember"],
    ["grp", "pendingMember"],
    ["grp", "invitee"],
    ["grp", "platformAdmin"],
  ])("on the %s post are refused to %s with PT404, changing nothing", async (key, who) => {
    const before = await contentSnapshot(db());
    for (const [name, write] of Object.entries(writes)) {
      await expectDbError(write(actors[who] as Actor, targets[key] as { post: string; event: string }), "PT404", notFound[name]);
    }
    expect(await contentSnapshot(db())).toEqual(before);
  });

  it.each(["priv", "grp"])("on the %s post are refused to anon (no grant) and to an unconfirmed user, changing nothing", async (key) => {
    const before = await contentSnapshot(db());
    for (const [name, write] of Object.entries(writes)) {
      await expectDbError(write(anon, targets[key] as { post: string; event: string }), "42501", anonDenied[name]);
      await expectDbError(
        write(actors.unconfirmed as Actor, targets[key] as { post: string; event: string }),
        "42501",
        /confirm your email/,
      );
    }
    expect(await contentSnapshot(db())).toEqual(before);
  });

  it.each([
    ["priv", "follower"],
    ["grp", "member"],
  ])("on the %s post succeed for %s, who can see it", async (key, who) => {
    for (const write of Object.values(writes)) await write(actors[who] as Actor, targets[key] as { post: string; event: string });
    const [row] = await db().admin`select comment_count, reaction_count from public.posts where id = ${targets[key]?.post as string}`;
    expect({ ...row }).toEqual({ comment_count: 1, reaction_count: 1 });
  });
});
