// Issue 14, finding 1: a block must never put content beyond moderation. Group owners and admins see
// and act on what is in their group, post authors on what is under their posts, whichever side
// blocked; everyone else still sees nothing across a block. The rule lives in the shared predicates
// (private.can_moderate_group_content, private.can_moderate_post, private.can_see_post).
import { describe, expect, it } from "vitest";
import type { Actor } from "../helpers/db.ts";
import { useTestDatabase } from "../helpers/db.ts";
import { block } from "../people/graph.ts";
import { comment, createPost, deleteComment, idOf } from "../posts/fixtures.ts";

const db = useTestDatabase();

let n = 0;
async function groupWith(visibility: "public" | "private") {
  n++;
  const [owner, admin, member, bystander] = await Promise.all(["own", "adm", "mem", "bys"].map((r) => db().newUser(`mod1_${r}_${n}`)));
  const [group] = await db().request(
    owner as Actor,
    (tx) => tx<{ id: string }[]>`insert into public.groups (kind, slug, name, visibility)
      values ('generic', ${`mod1-${n}`}, 'Moderated', ${visibility}) returning id`,
  );
  const g = group?.id as string;
  for (const a of [admin, member, bystander] as Actor[]) {
    await db().rpc(owner as Actor, "invite_to_group", { group_id: g, user_id: idOf(a) });
    await db().rpc(a, "respond_to_invite", { group_id: g, accept: true });
  }
  await db().rpc(owner as Actor, "set_member_role", { group_id: g, user_id: idOf(admin as Actor), role: "admin" });
  return { g, owner: owner as Actor, admin: admin as Actor, member: member as Actor, bystander: bystander as Actor };
}

const seesPost = async (actor: Actor, id: string) =>
  (await db().request(actor, (tx) => tx`select 1 from public.posts where id = ${id}`)).length === 1;
const seesComment = async (actor: Actor, id: string) =>
  (await db().request(actor, (tx) => tx`select 1 from public.comments where id = ${id}`)).length === 1;
const deletePost = async (actor: Actor, id: string) =>
  (await db().request(actor, (tx) => tx`delete from public.posts where id = ${id} returning 1`, { method: "DELETE" })).length;
const memberIds = async (actor: Actor, g: string) =>
  (await db().request(actor, (tx) => tx<{ user_id: string }[]>`select user_id from public.group_members where group_id = ${g}`)).map(
    (r) => r.user_id,
  );

describe("a block and group moderation", () => {
  for (const visibility of ["public", "private"] as const) {
    it(`leaves a member's post in a ${visibility} group readable and deletable by the owner and admins the member blocks`, async () => {
      const { g, owner, admin, member, bystander } = await groupWith(visibility);
      const post = await createPost(db(), member, { group_id: g, title: "Mine" });
      await block(db(), member, owner);
      await block(db(), member, admin);
      await block(db(), member, bystander);
      expect(await seesPost(owner, post.id)).toBe(true);
      expect(await seesPost(admin, post.id)).toBe(true);
      // A plain member the author blocks still sees nothing, and cannot delete.
      expect(await seesPost(bystander, post.id)).toBe(false);
      expect(await deletePost(bystander, post.id)).toBe(0);
      expect(await deletePost(admin, post.id)).toBe(1);
      const second = await createPost(db(), member, { group_id: g, title: "Again" });
      expect(await deletePost(owner, second.id)).toBe(1);
    });
  }

  it("does the same when the owner is the one who blocked, and keeps the blocker in the owner's member list", async () => {
    const { g, owner, admin, member, bystander } = await groupWith("private");
    const post = await createPost(db(), member, { group_id: g, title: "Seen" });
    await block(db(), owner, member);
    await block(db(), member, admin);
    await block(db(), bystander, member);
    expect(await seesPost(owner, post.id)).toBe(true);
    expect(await memberIds(owner, g)).toContain(idOf(member));
    expect(await memberIds(admin, g)).toContain(idOf(member));
    expect(await memberIds(bystander, g)).not.toContain(idOf(member));
    expect(await deletePost(owner, post.id)).toBe(1);
  });

  it("leaves comments in a group readable and deletable by its owners and admins across a block", async () => {
    const { g, owner, admin, member, bystander } = await groupWith("public");
    const post = await createPost(db(), bystander, { group_id: g, title: "Thread" });
    const c1 = await comment(db(), member, post.id, "first");
    const c2 = await comment(db(), member, post.id, "second");
    await block(db(), member, owner);
    await block(db(), admin, member);
    expect(await seesComment(owner, c1.id)).toBe(true);
    expect(await seesComment(admin, c1.id)).toBe(true);
    expect(await deleteComment(db(), owner, c1.id)).toBe(1);
    expect(await deleteComment(db(), admin, c2.id)).toBe(1);
  });
});

describe("a block and a post's author", () => {
  it("leaves a comment under the post readable and deletable by the post's author, whoever blocked", async () => {
    const author = await db().newUser("mod1_author");
    const commenter = await db().newUser("mod1_commenter");
    const other = await db().newUser("mod1_other");
    const post = await createPost(db(), author);
    const c1 = await comment(db(), commenter, post.id, "rude");
    const c2 = await comment(db(), commenter, post.id, "ruder");
    const c3 = await comment(db(), other, post.id, "fine");
    await block(db(), commenter, author);
    await block(db(), commenter, other);
    expect(await seesComment(author, c1.id)).toBe(true);
    // Someone who is not the post's author still sees nothing across the block, and deletes nothing.
    expect(await seesComment(other, c1.id)).toBe(false);
    expect(await deleteComment(db(), other, c1.id)).toBe(0);
    expect(await deleteComment(db(), author, c1.id)).toBe(1);
    // The commenter blocked the author: the author can still remove the rest; the commenter's own
    // view of the author's post stays hidden (the block works for the blocker).
    expect(await deleteComment(db(), author, c2.id)).toBe(1);
    expect(await seesPost(commenter, post.id)).toBe(false);
    expect(await seesComment(author, c3.id)).toBe(true);
  });

  it("does not extend to comments under someone else's post", async () => {
    const author = await db().newUser("mod1_author2");
    const commenter = await db().newUser("mod1_commenter2");
    const post = await createPost(db(), author);
    const c = await comment(db(), commenter, post.id, "hello");
    const outsider = await db().newUser("mod1_outsider2");
    await block(db(), commenter, outsider);
    expect(await seesComment(outsider, c.id)).toBe(false);
    expect(await deleteComment(db(), outsider, c.id)).toBe(0);
  });
});
