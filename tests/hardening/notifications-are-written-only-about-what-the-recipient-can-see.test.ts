// Issue 14, finding 2: notifications follow visibility. A follower removed from a private profile, or
// a member who left a private group, still has comments there; replies and reactions to them must not
// reach that user (with actor ids) once they can no longer see the post. Every kind is checked.
import { describe, expect, it } from "vitest";
import type { Actor } from "../helpers/db.ts";
import { useTestDatabase } from "../helpers/db.ts";
import { accept, follow, setPrivate, unfollow } from "../people/graph.ts";
import { comment, createPost, idOf, react } from "../posts/fixtures.ts";

const db = useTestDatabase();

/** The actor's notifications about posts (comment, reply, reaction). */
async function notificationsOf(actor: Actor): Promise<{ kind: string; actor_id: string | null }[]> {
  return db().admin<{ kind: string; actor_id: string | null }[]>`
    select kind, actor_id from public.notifications
    where recipient_id = ${idOf(actor)} and kind in ('comment', 'reply', 'reaction') order by created_at, id`;
}

describe("notifications about posts", () => {
  it("stop reaching a follower removed from a private profile: reply, reaction on a comment, and while followed they arrive", async () => {
    const alice = await db().newUser("n2_alice");
    const bob = await db().newUser("n2_bob");
    const carol = await db().newUser("n2_carol");
    await setPrivate(db(), alice, true);
    for (const f of [bob, carol]) {
      await follow(db(), f, alice);
      await accept(db(), alice, f);
    }
    const post = await createPost(db(), alice);
    const bobs = await comment(db(), bob, post.id, "hello");
    // While Bob may see the post, replies and reactions reach him.
    await comment(db(), carol, post.id, "hi bob", bobs.id);
    await react(db(), carol, "like", { comment_id: bobs.id });
    expect((await notificationsOf(bob)).map((n) => n.kind)).toEqual(["reply", "reaction"]);
    await db().admin`delete from public.notifications where recipient_id = ${idOf(bob)}`;

    // Alice removes Bob as a follower: he can no longer read the post, so he hears nothing of it.
    expect(await unfollow(db(), alice, bob, alice)).toBe(1);
    await comment(db(), carol, post.id, "bob cannot see this", bobs.id);
    await comment(db(), alice, post.id, "nor this", bobs.id);
    await react(db(), alice, "love", { comment_id: bobs.id });
    expect(await notificationsOf(bob)).toEqual([]);
    // Alice, who sees her own post, still hears of Carol's comments.
    expect((await notificationsOf(alice)).some((n) => n.kind === "comment" && n.actor_id === idOf(carol))).toBe(true);
  });

  it("stop reaching a member who left a private group, for replies and reactions", async () => {
    const owner = await db().newUser("n2_owner");
    const member = await db().newUser("n2_member");
    const [group] = await db().request(
      owner,
      (tx) => tx<{ id: string }[]>`insert into public.groups (kind, slug, name, visibility)
        values ('generic', 'n2-private', 'Private', 'private') returning id`,
    );
    const g = group?.id as string;
    await db().rpc(owner, "invite_to_group", { group_id: g, user_id: idOf(member) });
    await db().rpc(member, "respond_to_invite", { group_id: g, accept: true });
    const post = await createPost(db(), owner, { group_id: g, title: "Inside" });
    const mine = await comment(db(), member, post.id, "mine");
    await db().rpc(member, "leave_group", { group_id: g });
    await comment(db(), owner, post.id, "after you left", mine.id);
    await react(db(), owner, "like", { comment_id: mine.id });
    expect(await notificationsOf(member)).toEqual([]);
  });

  it("still reach the author of a public post and a public comment", async () => {
    const author = await db().newUser("n2_pub_author");
    const replier = await db().newUser("n2_pub_replier");
    const post = await createPost(db(), author);
    const c = await comment(db(), author, post.id, "first");
    await comment(db(), replier, post.id, "re", c.id);
    await react(db(), replier, "like", { post_id: post.id });
    expect((await notificationsOf(author)).map((n) => n.kind).sort()).toEqual(["reaction", "reply"]);
  });
});

describe("notifications about groups", () => {
  it("reach the invitee of a private group and the managers of a join request", async () => {
    const owner = await db().newUser("n2_gowner");
    const invitee = await db().newUser("n2_invitee");
    const asker = await db().newUser("n2_asker");
    const [group] = await db().request(
      owner,
      (tx) => tx<{ id: string }[]>`insert into public.groups (kind, slug, name, visibility)
        values ('generic', 'n2-gp', 'Private', 'private') returning id`,
    );
    await db().rpc(owner, "invite_to_group", { group_id: group?.id as string, user_id: idOf(invitee) });
    await db().rpc(asker, "join_group", { group_id: group?.id as string });
    const kinds = async (a: Actor) =>
      (await db().admin<{ kind: string }[]>`select kind from public.notifications where recipient_id = ${idOf(a)}`).map((n) => n.kind);
    expect(await kinds(invitee)).toEqual(["group_invite"]);
    expect(await kinds(owner)).toEqual(["group_join_request"]);
  });
});
