import { describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castAround, counts, createGroup, idOf, membership, snapshot } from "./fixtures.ts";

const db = useTestDatabase();

async function hasGroupOwnerRole(actor: Actor): Promise<boolean> {
  const [row] = await db()
    .admin`select exists (select from public.user_roles where user_id = ${idOf(actor)} and role = 'group_owner') as has`;
  return row?.has as boolean;
}

describe("set_member_role", () => {
  it("lets the owner make a member an admin and an admin a member again", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await db().rpc(c.owner, "set_member_role", { group_id: c.group.id, user_id: idOf(c.member), role: "admin" });
    expect(await membership(db(), c.group.id, c.member)).toMatchObject({ role: "admin" });
    await db().rpc(c.owner, "set_member_role", { group_id: c.group.id, user_id: idOf(c.admin), role: "member" });
    expect(await membership(db(), c.group.id, c.admin)).toMatchObject({ role: "member" });
    // Repeating a call changes nothing.
    const before = await snapshot(db(), c.group.id);
    await db().rpc(c.owner, "set_member_role", { group_id: c.group.id, user_id: idOf(c.admin), role: "member" });
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("is refused to admins, members and strangers with 42501, including on the owner, changing nothing", async () => {
    const c = await castAround(db(), { visibility: "public" });
    const before = await snapshot(db(), c.group.id);
    for (const actor of [c.admin, c.member, c.stranger, c.platformAdmin]) {
      for (const [target, role] of [
        [c.member, "admin"],
        [c.admin, "member"],
        [c.owner, "member"],
      ] as const) {
        await expectDbError(
          db().rpc(actor, "set_member_role", { group_id: c.group.id, user_id: idOf(target), role }),
          "42501",
          /only the group's owner can change member roles/,
        );
      }
    }
    await expectDbError(
      db().rpc(anon, "set_member_role", { group_id: c.group.id, user_id: idOf(c.member), role: "admin" }),
      "42501",
      /permission denied/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("refuses to change the owner's role (PT409), to make an owner (22023), or to give a role to non-members (PT409)", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const before = await snapshot(db(), c.group.id);
    await expectDbError(
      db().rpc(c.owner, "set_member_role", { group_id: c.group.id, user_id: idOf(c.owner), role: "admin" }),
      "PT409",
      /owner's role changes only by transferring ownership/,
    );
    await expectDbError(
      db().rpc(c.owner, "set_member_role", { group_id: c.group.id, user_id: idOf(c.member), role: "owner" }),
      "22023",
      /use transfer_group_ownership/,
    );
    for (const target of [c.requester, c.invitee, c.stranger]) {
      await expectDbError(
        db().rpc(c.owner, "set_member_role", { group_id: c.group.id, user_id: idOf(target), role: "admin" }),
        "PT409",
        /only active members can be given a role/,
      );
    }
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });
});

describe("transfer_group_ownership", () => {
  it("hands the group to an active member, keeps the old owner as admin, and moves the group_owner role", async () => {
    const c = await castAround(db(), { visibility: "public" });
    expect(await hasGroupOwnerRole(c.owner)).toBe(true);
    await db().rpc(c.owner, "transfer_group_ownership", { group_id: c.group.id, new_owner: idOf(c.member) });
    expect(await membership(db(), c.group.id, c.member)).toMatchObject({ role: "owner", status: "active" });
    expect(await membership(db(), c.group.id, c.owner)).toMatchObject({ role: "admin", status: "active" });
    expect(await hasGroupOwnerRole(c.member)).toBe(true);
    expect(await hasGroupOwnerRole(c.owner)).toBe(false);
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 3, actual: 3 });
    // The new owner now manages admins; the old one no longer can.
    await db().rpc(c.member, "set_member_role", { group_id: c.group.id, user_id: idOf(c.owner), role: "member" });
    await expectDbError(
      db().rpc(c.owner, "transfer_group_ownership", { group_id: c.group.id, new_owner: idOf(c.owner) }),
      "42501",
      /only the group's owner can transfer ownership/,
    );
  });

  it("keeps the group_owner role of a user who still owns another group", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await createGroup(db(), c.owner);
    await db().rpc(c.owner, "transfer_group_ownership", { group_id: c.group.id, new_owner: idOf(c.admin) });
    expect(await hasGroupOwnerRole(c.owner)).toBe(true);
    expect(await hasGroupOwnerRole(c.admin)).toBe(true);
  });

  it("is refused to admins, members and strangers (42501), and towards non-members or oneself (PT409), changing nothing", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const before = await snapshot(db(), c.group.id);
    for (const actor of [c.admin, c.member, c.stranger, c.platformAdmin]) {
      await expectDbError(
        db().rpc(actor, "transfer_group_ownership", { group_id: c.group.id, new_owner: idOf(c.member) }),
        "42501",
        /only the group's owner can transfer ownership/,
      );
    }
    for (const target of [c.requester, c.invitee, c.stranger]) {
      await expectDbError(
        db().rpc(c.owner, "transfer_group_ownership", { group_id: c.group.id, new_owner: idOf(target) }),
        "PT409",
        /only pass to an active member/,
      );
    }
    await expectDbError(
      db().rpc(c.owner, "transfer_group_ownership", { group_id: c.group.id, new_owner: idOf(c.owner) }),
      "PT409",
      /already own/,
    );
    await expectDbError(
      db().rpc(anon, "transfer_group_ownership", { group_id: c.group.id, new_owner: idOf(c.member) }),
      "42501",
      /permission denied/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("leaves exactly one owner when the owner races two transfers", async () => {
    const c = await castAround(db(), { visibility: "public" });
    const results = await Promise.allSettled([
      db().rpc(c.owner, "transfer_group_ownership", { group_id: c.group.id, new_owner: idOf(c.member) }),
      db().rpc(c.owner, "transfer_group_ownership", { group_id: c.group.id, new_owner: idOf(c.admin) }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason as { code: string }).code).toBe("42501");
    const owners = await db().admin`select user_id from public.group_members where group_id = ${c.group.id} and role = 'owner'`;
    expect(owners).toHaveLength(1);
    const holders = await db().admin`select user_id from public.user_roles
      where role = 'group_owner' and user_id in ${db().admin([idOf(c.owner), idOf(c.member), idOf(c.admin)])}`;
    expect(holders).toEqual(owners);
  });
});

describe("remove_group_member", () => {
  it("lets admins remove members, and only the owner remove admins", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await db().rpc(c.admin, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.member) });
    expect(await membership(db(), c.group.id, c.member)).toBeUndefined();
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 2, actual: 2 });
    await db().rpc(c.owner, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.admin) });
    expect(await membership(db(), c.group.id, c.admin)).toBeUndefined();
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 1, actual: 1 });
  });

  it("refuses an admin removing an admin, and members or strangers removing anyone, with 42501", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await db().rpc(c.stranger, "join_group", { group_id: c.group.id });
    await db().rpc(c.owner, "set_member_role", { group_id: c.group.id, user_id: idOf(c.stranger), role: "admin" });
    const before = await snapshot(db(), c.group.id);
    await expectDbError(
      db().rpc(c.admin, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.stranger) }),
      "42501",
      /only the owner can remove admins/,
    );
    await expectDbError(
      db().rpc(c.admin, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.admin) }),
      "42501",
      /only the owner can remove admins/,
    );
    for (const actor of [c.member, c.invitee, c.platformAdmin]) {
      await expectDbError(
        db().rpc(actor, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.member) }),
        "42501",
        /only the group's owner and admins can remove members/,
      );
    }
    await expectDbError(
      db().rpc(anon, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.member) }),
      "42501",
      /permission denied/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("refuses anyone removing the owner, the owner included, with PT409, and non-members with PT409", async () => {
    const c = await castAround(db(), { visibility: "public" });
    const before = await snapshot(db(), c.group.id);
    for (const actor of [c.owner, c.admin]) {
      await expectDbError(
        db().rpc(actor, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.owner) }),
        "PT409",
        /nobody can remove the owner/,
      );
    }
    await expectDbError(
      db().rpc(c.owner, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.stranger) }),
      "PT409",
      /not a member/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("drops a pending request without notifying anyone", async () => {
    const c = await castAround(db(), { visibility: "private" });
    await db().rpc(c.admin, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.requester) });
    expect(await membership(db(), c.group.id, c.requester)).toBeUndefined();
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 3, actual: 3 });
  });
});
