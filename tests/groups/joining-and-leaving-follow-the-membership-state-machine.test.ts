import { describe, expect, it } from "vitest";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castAround, counts, createGroup, idOf, membership, snapshot, unique } from "./fixtures.ts";

const db = useTestDatabase();

describe("join_group", () => {
  it("makes a stranger an active member of a public group at once, and counts them", async () => {
    const c = await castAround(db(), { visibility: "public" });
    expect(await db().rpc(c.stranger, "join_group", { group_id: c.group.id })).toBe("active");
    expect(await membership(db(), c.group.id, c.stranger)).toMatchObject({ role: "member", status: "active", join_answer: null });
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 4, actual: 4 });
  });

  it("refuses a second join with PT409 and changes nothing", async () => {
    const c = await castAround(db(), { visibility: "public" });
    for (const actor of [c.member, c.admin, c.owner]) {
      const before = await snapshot(db(), c.group.id);
      await expectDbError(db().rpc(actor, "join_group", { group_id: c.group.id }), "PT409", /already a member/);
      expect(await snapshot(db(), c.group.id)).toEqual(before);
    }
  });

  it("turns a join of a private group into a pending request with the answer, and notifies the owner and admins only", async () => {
    const c = await castAround(db(), { visibility: "private", join_question: "Which club?" });
    expect(await db().rpc(c.stranger, "join_group", { group_id: c.group.id, answer: "  The chess club  " })).toBe("pending");
    expect(await membership(db(), c.group.id, c.stranger)).toMatchObject({ status: "pending", join_answer: "The chess club" });
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 3, actual: 3 });

    const notes = await db().admin<{ recipient_id: string; actor_id: string; actor_count: number; data: Record<string, string> }[]>`
      select recipient_id, actor_id, actor_count, data from public.notifications
      where kind = 'group_join_request' and subject_id = ${c.group.id} order by recipient_id`;
    expect(notes.map((n) => n.recipient_id).sort()).toEqual([idOf(c.owner), idOf(c.admin)].sort());
    for (const n of notes) {
      // Two requests so far (the cast's requester and the stranger), grouped into one notification.
      expect(n).toMatchObject({ actor_id: idOf(c.stranger), actor_count: 2 });
      expect(n.data).toMatchObject({ group_name: "A Group", group_slug: c.group.slug });
    }
    const seen = await db().request(
      c.owner,
      (tx) => tx`select kind, actor_count from public.notifications where subject_id = ${c.group.id}`,
    );
    expect(seen).toEqual([{ kind: "group_join_request", actor_count: 2 }]);
    const memberNotes = await db().request(
      c.member,
      (tx) => tx`select kind from public.notifications where subject_id = ${c.group.id} and kind = 'group_join_request'`,
    );
    expect(memberNotes).toEqual([]);
  });

  it("requires an answer when the private group asks a question (22023) and changes nothing", async () => {
    const c = await castAround(db(), { visibility: "private", join_question: "Which club?" });
    for (const answer of [null, "", "   "]) {
      const before = await snapshot(db(), c.group.id);
      await expectDbError(db().rpc(c.stranger, "join_group", { group_id: c.group.id, answer }), "22023", /asks a question before you join/);
      expect(await snapshot(db(), c.group.id)).toEqual(before);
    }
    await expectDbError(
      db().rpc(c.stranger, "join_group", { group_id: c.group.id, answer: "x".repeat(1001) }),
      "22023",
      /at most 1000 characters/,
    );
    expect(await membership(db(), c.group.id, c.stranger)).toBeUndefined();
  });

  it("accepts a request without an answer when the private group asks nothing", async () => {
    const c = await castAround(db(), { visibility: "private" });
    expect(await db().rpc(c.stranger, "join_group", { group_id: c.group.id })).toBe("pending");
  });

  it("refuses a repeated request with PT409 (already pending) and changes nothing", async () => {
    const c = await castAround(db(), { visibility: "private", join_question: "Why?" });
    const before = await snapshot(db(), c.group.id);
    await expectDbError(db().rpc(c.requester, "join_group", { group_id: c.group.id, answer: "Again" }), "PT409", /already pending/);
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("accepts a valid invitation when the invitee joins, even of a private group with a question", async () => {
    const c = await castAround(db(), { visibility: "private", join_question: "Why?" });
    expect(await db().rpc(c.invitee, "join_group", { group_id: c.group.id })).toBe("active");
    expect(await membership(db(), c.group.id, c.invitee)).toMatchObject({ status: "active", invite_expires_at: null });
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 4, actual: 4 });
  });

  it("is refused to anon, service_role (no user) and unconfirmed users with 42501, and to unknown groups with PT404", async () => {
    const c = await castAround(db(), { visibility: "public" });
    const before = await snapshot(db(), c.group.id);
    await expectDbError(db().rpc(anon, "join_group", { group_id: c.group.id }), "42501", /permission denied for function join_group/);
    await expectDbError(
      db().rpc(serviceRole, "join_group", { group_id: c.group.id }),
      "42501",
      /permission denied for function join_group/,
    );
    await expectDbError(db().rpc(c.unconfirmed, "join_group", { group_id: c.group.id }), "42501", /confirm your email address/);
    expect(await snapshot(db(), c.group.id)).toEqual(before);
    await expectDbError(
      db().rpc(c.stranger, "join_group", { group_id: "00000000-0000-4000-8000-000000000000" }),
      "PT404",
      /group not found/,
    );
  });
});

describe("leave_group", () => {
  it("ends a member's and an admin's membership and uncounts them; they may join again", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await db().rpc(c.member, "leave_group", { group_id: c.group.id });
    await db().rpc(c.admin, "leave_group", { group_id: c.group.id });
    expect(await membership(db(), c.group.id, c.member)).toBeUndefined();
    expect(await membership(db(), c.group.id, c.admin)).toBeUndefined();
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 1, actual: 1 });
    expect(await db().rpc(c.admin, "join_group", { group_id: c.group.id })).toBe("active");
    expect(await membership(db(), c.group.id, c.admin)).toMatchObject({ role: "member" });
  });

  it("withdraws a pending request and declines an invitation without touching the count", async () => {
    const c = await castAround(db(), { visibility: "private" });
    await db().rpc(c.requester, "leave_group", { group_id: c.group.id });
    await db().rpc(c.invitee, "leave_group", { group_id: c.group.id });
    expect(await membership(db(), c.group.id, c.requester)).toBeUndefined();
    expect(await membership(db(), c.group.id, c.invitee)).toBeUndefined();
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 3, actual: 3 });
  });

  it("refuses the owner with PT409 (transfer first) and changes nothing", async () => {
    const c = await castAround(db(), { visibility: "public" });
    const before = await snapshot(db(), c.group.id);
    await expectDbError(db().rpc(c.owner, "leave_group", { group_id: c.group.id }), "PT409", /transfer ownership first/);
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("refuses a stranger with PT409 (not a member), anon and unconfirmed users with 42501", async () => {
    const c = await castAround(db(), { visibility: "public" });
    const before = await snapshot(db(), c.group.id);
    await expectDbError(db().rpc(c.stranger, "leave_group", { group_id: c.group.id }), "PT409", /not a member/);
    await expectDbError(db().rpc(anon, "leave_group", { group_id: c.group.id }), "42501", /permission denied/);
    await expectDbError(db().rpc(c.unconfirmed, "leave_group", { group_id: c.group.id }), "42501", /confirm your email/);
    expect(await snapshot(db(), c.group.id)).toEqual(before);
  });

  it("lets the former owner leave once ownership is transferred", async () => {
    const owner = await db().newUser(unique("owner"));
    const heir = await db().newUser(unique("heir"));
    const group = await createGroup(db(), owner);
    await db().rpc(heir, "join_group", { group_id: group.id });
    await db().rpc(owner, "transfer_group_ownership", { group_id: group.id, new_owner: idOf(heir) });
    await db().rpc(owner, "leave_group", { group_id: group.id });
    expect(await counts(db(), group.id)).toMatchObject({ stored: 1, actual: 1 });
  });
});
