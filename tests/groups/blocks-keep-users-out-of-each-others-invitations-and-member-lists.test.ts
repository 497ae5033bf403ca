import { describe, expect, it } from "vitest";
import { type Actor, idOf, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const db = useTestDatabase();

async function newGroup(owner: Actor, slug: string, visibility: "public" | "private" = "public"): Promise<string> {
  const [row] = await db().request(
    owner,
    (tx) => tx`insert into public.groups (kind, name, slug, visibility) values ('generic', ${slug}, ${slug}, ${visibility}) returning id`,
  );
  return String(row?.id);
}

async function block(blocker: Actor, blocked: Actor): Promise<void> {
  await db().request(blocker, (tx) => tx`insert into public.blocks (blocked_id) values (${blocked.user?.id ?? ""})`);
}

async function memberIds(actor: Actor, group: string): Promise<string[]> {
  const rows = await db().request(
    actor,
    (tx) => tx`select user_id from public.group_members where group_id = ${group} and status = 'active' order by user_id`,
  );
  return rows.map((r) => String(r.user_id));
}

describe("blocks and groups", () => {
  it("refuse an invitation across a block in either direction, as if the user did not exist, and change nothing", async () => {
    const owner = await db().newUser("blk_owner");
    const blocked = await db().newUser("blk_target");
    const blocker = await db().newUser("blk_blocker");
    const group = await newGroup(owner, "blk-invites");
    await block(owner, blocked);
    await block(blocker, owner);
    for (const invitee of [blocked, blocker]) {
      await expectDbError(db().rpc(owner, "invite_to_group", { group_id: group, user_id: idOf(invitee) }), "PT404", /user not found/);
    }
    const rows = await db().admin`select user_id from public.group_members where group_id = ${group} and status = 'invited'`;
    expect(rows).toEqual([]);
    const stranger = await db().newUser("blk_other");
    await db().rpc(owner, "invite_to_group", { group_id: group, user_id: idOf(stranger) });
    expect(
      await db().admin`select 1 from public.group_members where group_id = ${group} and user_id = ${stranger.user?.id ?? ""}`,
    ).toHaveLength(1);
  });

  it("hide blocked users from a member list both ways, while others still see everyone and own rows stay visible", async () => {
    const owner = await db().newUser("list_owner");
    const alice = await db().newUser("list_alice");
    const bob = await db().newUser("list_bob");
    const carol = await db().newUser("list_carol");
    const group = await newGroup(owner, "blk-members");
    for (const m of [alice, bob, carol]) await db().rpc(m, "join_group", { group_id: group });
    await block(alice, bob);
    const ids = (...actors: Actor[]) => actors.map((a) => a.user?.id ?? "").sort();
    expect(await memberIds(alice, group)).toEqual(ids(owner, alice, carol));
    expect(await memberIds(bob, group)).toEqual(ids(owner, bob, carol));
    expect(await memberIds(carol, group)).toEqual(ids(owner, alice, bob, carol));
    await db().request(alice, (tx) => tx`delete from public.blocks where blocked_id = ${bob.user?.id ?? ""}`);
    expect(await memberIds(bob, group)).toEqual(ids(owner, alice, bob, carol));
  });
});
