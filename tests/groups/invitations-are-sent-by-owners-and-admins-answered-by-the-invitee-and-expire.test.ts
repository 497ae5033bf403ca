import { describe, expect, it } from "vitest";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castAround, counts, idOf, membership, snapshot, unique } from "./fixtures.ts";

const db = useTestDatabase();

async function expireInvitation(groupId: string, userId: string): Promise<void> {
  // Time passes: the only way to age an invitation is to arrange it as the superuser.
  await db().admin`update public.group_members set invite_expires_at = now() - interval '1 minute'
    where group_id = ${groupId} and user_id = ${userId}`;
}

describe("invite_to_group", () => {
  it("lets the owner and admins invite for 14 days and notifies the invitee", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const guest = await db().newUser(unique("guest"));
    const expires = await db().rpc(c.admin, "invite_to_group", { group_id: c.group.id, user_id: idOf(guest) });
    const days = (new Date(expires).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThanOrEqual(14);
    expect(await membership(db(), c.group.id, guest)).toMatchObject({ role: "member", status: "invited" });
    const notes = await db().request(
      guest,
      (tx) => tx`select kind, actor_id, subject_id, data->>'group_name' as group_name from public.notifications`,
    );
    expect(notes).toEqual([{ kind: "group_invite", actor_id: idOf(c.admin), subject_id: c.group.id, group_name: "A Group" }]);
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 3, actual: 3 });
  });

  it("is refused to members, requesters, invitees and strangers (42501), anon, service_role and unconfirmed users, changing nothing", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const guest = await db().newUser(unique("guest"));
    const before = await snapshot(db(), c.group.id);
    for (const actor of [c.member, c.requester, c.invitee, c.stranger]) {
      await expectDbError(
        db().rpc(actor, "invite_to_group", { group_id: c.group.id, user_id: idOf(guest) }),
        "42501",
        /only the group's owner and admins can invite/,
      );
    }
    await expectDbError(db().rpc(anon, "invite_to_group", { group_id: c.group.id, user_id: idOf(guest) }), "42501", /permission denied/);
    await expectDbError(
      db().rpc(serviceRole, "invite_to_group", { group_id: c.group.id, user_id: idOf(guest) }),
      "42501",
      /permission denied/,
    );
    await expectDbError(
      db().rpc(c.unconfirmed, "invite_to_group", { group_id: c.group.id, user_id: idOf(guest) }),
      "42501",
      /confirm your email/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
    expect(await membership(db(), c.group.id, guest)).toBeUndefined();
  });

  it("refuses members, requesters and holders of a valid invitation with PT409, and unknown users with PT404", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const before = await snapshot(db(), c.group.id);
    await expectDbError(
      db().rpc(c.owner, "invite_to_group", { group_id: c.group.id, user_id: idOf(c.member) }),
      "PT409",
      /already a member/,
    );
    await expectDbError(
      db().rpc(c.owner, "invite_to_group", { group_id: c.group.id, user_id: idOf(c.owner) }),
      "PT409",
      /already a member/,
    );
    await expectDbError(
      db().rpc(c.owner, "invite_to_group", { group_id: c.group.id, user_id: idOf(c.requester) }),
      "PT409",
      /asked to join: review the request instead/,
    );
    await expectDbError(
      db().rpc(c.admin, "invite_to_group", { group_id: c.group.id, user_id: idOf(c.invitee) }),
      "PT409",
      /already invited/,
    );
    await expectDbError(
      db().rpc(c.owner, "invite_to_group", { group_id: c.group.id, user_id: "00000000-0000-4000-8000-000000000000" }),
      "PT404",
      /user not found/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });
});

describe("respond_to_invite", () => {
  it("makes the invitee an active member on accept, counted and able to see a private group's members", async () => {
    const c = await castAround(db(), { visibility: "private" });
    expect(await db().rpc(c.invitee, "respond_to_invite", { group_id: c.group.id, accept: true })).toBe("active");
    expect(await membership(db(), c.group.id, c.invitee)).toMatchObject({ status: "active", invite_expires_at: null });
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 4, actual: 4 });
    const visible = await db().request(
      c.invitee,
      (tx) => tx`select user_id from public.group_members where group_id = ${c.group.id} and status = 'active'`,
    );
    expect(visible).toHaveLength(4);
  });

  it("removes the invitation on decline without counting anyone", async () => {
    const c = await castAround(db(), { visibility: "public" });
    expect(await db().rpc(c.invitee, "respond_to_invite", { group_id: c.group.id, accept: false })).toBeNull();
    expect(await membership(db(), c.group.id, c.invitee)).toBeUndefined();
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 3, actual: 3 });
  });

  it("refuses anyone without an invitation with PT409 (members, requesters, strangers) and changes nothing", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const before = await snapshot(db(), c.group.id);
    for (const actor of [c.member, c.owner, c.requester, c.stranger]) {
      for (const accept of [true, false]) {
        await expectDbError(db().rpc(actor, "respond_to_invite", { group_id: c.group.id, accept }), "PT409", /no invitation to this group/);
      }
    }
    await expectDbError(db().rpc(anon, "respond_to_invite", { group_id: c.group.id, accept: true }), "42501", /permission denied/);
    await expectDbError(
      db().rpc(c.invitee, "respond_to_invite", { group_id: c.group.id, accept: null }),
      "22023",
      /accept must be true or false/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("refuses to accept an expired invitation (PT409, nothing changes) but lets the invitee decline it", async () => {
    const c = await castAround(db(), { visibility: "private" });
    await expireInvitation(c.group.id, idOf(c.invitee));
    const before = await snapshot(db(), c.group.id);
    await expectDbError(
      db().rpc(c.invitee, "respond_to_invite", { group_id: c.group.id, accept: true }),
      "PT409",
      /invitation has expired/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
    await db().rpc(c.invitee, "respond_to_invite", { group_id: c.group.id, accept: false });
    expect(await membership(db(), c.group.id, c.invitee)).toBeUndefined();
  });

  it("lets an owner or admin renew an expired invitation, which the invitee can then accept", async () => {
    const c = await castAround(db(), { visibility: "private" });
    await expireInvitation(c.group.id, idOf(c.invitee));
    await db().rpc(c.admin, "invite_to_group", { group_id: c.group.id, user_id: idOf(c.invitee) });
    const row = await membership(db(), c.group.id, c.invitee);
    expect(row?.invite_expires_at?.getTime()).toBeGreaterThan(Date.now());
    expect(await db().rpc(c.invitee, "respond_to_invite", { group_id: c.group.id, accept: true })).toBe("active");
  });

  it("turns a join with an expired invitation into an ordinary request (private) or membership (public)", async () => {
    const priv = await castAround(db(), { visibility: "private" });
    await expireInvitation(priv.group.id, idOf(priv.invitee));
    expect(await db().rpc(priv.invitee, "join_group", { group_id: priv.group.id })).toBe("pending");
    expect(await membership(db(), priv.group.id, priv.invitee)).toMatchObject({ status: "pending", invite_expires_at: null });

    const pub = await castAround(db(), { visibility: "public" });
    await expireInvitation(pub.group.id, idOf(pub.invitee));
    expect(await db().rpc(pub.invitee, "join_group", { group_id: pub.group.id })).toBe("active");
  });

  it("lets an admin revoke an invitation with remove_group_member", async () => {
    const c = await castAround(db(), { visibility: "private" });
    await db().rpc(c.admin, "remove_group_member", { group_id: c.group.id, user_id: idOf(c.invitee) });
    await expectDbError(db().rpc(c.invitee, "respond_to_invite", { group_id: c.group.id, accept: true }), "PT409", /no invitation/);
  });
});
