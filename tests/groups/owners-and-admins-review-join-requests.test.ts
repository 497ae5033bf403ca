import { describe, expect, it } from "vitest";
import { anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castAround, counts, idOf, membership, snapshot, unique } from "./fixtures.ts";

const db = useTestDatabase();

describe("review_join_request", () => {
  it("lets the owner approve: the requester becomes an active member, the answer is cleared, and they are notified", async () => {
    const c = await castAround(db(), { visibility: "private", join_question: "Why?" });
    await db().rpc(c.owner, "review_join_request", { group_id: c.group.id, user_id: idOf(c.requester), approve: true });
    expect(await membership(db(), c.group.id, c.requester)).toMatchObject({ status: "active", role: "member", join_answer: null });
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 4, actual: 4 });
    const notes = await db().request(c.requester, (tx) => tx`select kind, actor_id, subject_id from public.notifications`);
    expect(notes).toEqual([{ kind: "group_join_approved", actor_id: idOf(c.owner), subject_id: c.group.id }]);
  });

  it("lets an admin decline: the request disappears, nobody is counted or notified, and the user may ask again", async () => {
    const c = await castAround(db(), { visibility: "private" });
    await db().rpc(c.admin, "review_join_request", { group_id: c.group.id, user_id: idOf(c.requester), approve: false });
    expect(await membership(db(), c.group.id, c.requester)).toBeUndefined();
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 3, actual: 3 });
    const notes = await db().request(c.requester, (tx) => tx`select kind from public.notifications`);
    expect(notes).toEqual([]);
    expect(await db().rpc(c.requester, "join_group", { group_id: c.group.id })).toBe("pending");
  });

  it("is refused to members, the requester, invitees, strangers and platform admins with 42501, changing nothing", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const before = await snapshot(db(), c.group.id);
    for (const actor of [c.member, c.requester, c.invitee, c.stranger, c.platformAdmin]) {
      for (const approve of [true, false]) {
        await expectDbError(
          db().rpc(actor, "review_join_request", { group_id: c.group.id, user_id: idOf(c.requester), approve }),
          "42501",
          /only the group's owner and admins can review join requests/,
        );
      }
    }
    await expectDbError(
      db().rpc(anon, "review_join_request", { group_id: c.group.id, user_id: idOf(c.requester), approve: true }),
      "42501",
      /permission denied/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("refuses to review anyone without a pending request (members, invitees, strangers) with PT409", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const before = await snapshot(db(), c.group.id);
    for (const target of [c.member, c.admin, c.owner, c.invitee, c.stranger]) {
      await expectDbError(
        db().rpc(c.owner, "review_join_request", { group_id: c.group.id, user_id: idOf(target), approve: true }),
        "PT409",
        /no pending request from this user/,
      );
    }
    await expectDbError(
      db().rpc(c.owner, "review_join_request", { group_id: c.group.id, user_id: idOf(c.requester), approve: null }),
      "22023",
      /approve must be true or false/,
    );
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("lets exactly one of two racing reviewers approve a request; the other gets PT409 and the count moves once", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const results = await Promise.allSettled([
      db().rpc(c.owner, "review_join_request", { group_id: c.group.id, user_id: idOf(c.requester), approve: true }),
      db().rpc(c.admin, "review_join_request", { group_id: c.group.id, user_id: idOf(c.requester), approve: true }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason.code).toBe("PT409");
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 4, actual: 4 });
    const [n] = await db()
      .admin`select count(*)::int as n from public.notifications where kind = 'group_join_approved' and recipient_id = ${idOf(c.requester)}`;
    expect(n?.n).toBe(1);
  });

  it("does not let a demoted admin review any more", async () => {
    const c = await castAround(db(), { visibility: "private" });
    await db().rpc(c.owner, "set_member_role", { group_id: c.group.id, user_id: idOf(c.admin), role: "member" });
    await expectDbError(
      db().rpc(c.admin, "review_join_request", { group_id: c.group.id, user_id: idOf(c.requester), approve: true }),
      "42501",
      /only the group's owner and admins/,
    );
    const late = await db().newUser(unique("late"));
    await db().rpc(late, "join_group", { group_id: c.group.id });
    const notified = await db().admin`select recipient_id from public.notifications
      where kind = 'group_join_request' and subject_id = ${c.group.id} and recipient_id = ${idOf(c.admin)} and actor_id = ${idOf(late)}`;
    expect(notified).toEqual([]);
  });
});
