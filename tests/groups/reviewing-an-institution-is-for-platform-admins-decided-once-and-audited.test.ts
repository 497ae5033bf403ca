// The decision logic behind the institution-review edge function: private.review_institution,
// called as the caller in one transaction. (tests/functions/ drive it over HTTP on real Deno.)
import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { createGroup, type GroupRow, idOf, snapshot, unique } from "./fixtures.ts";

const db = useTestDatabase();

function review(actor: Actor, groupId: string, decision: string | null, reason: string | null = null) {
  return db().request(actor, async (tx) => {
    const [row] = await tx<
      { result: Record<string, unknown> }[]
    >`select private.review_institution(${groupId}, ${decision}, ${reason}) as result`;
    return row?.result;
  });
}

async function setting(): Promise<{ creator: Actor; platformAdmin: Actor; institution: GroupRow }> {
  const creator = await db().newUser(unique("creator"));
  const platformAdmin = await db().makeAdmin(await db().newUser(unique("padmin")));
  const institution = await createGroup(db(), creator, { kind: "institution", name: "Harbor Clinic" });
  return { creator, platformAdmin, institution };
}

async function audit(groupId: string) {
  return db()
    .admin`select group_id, group_name, reviewer_id, decision, reason from private.institution_reviews where group_id = ${groupId}`;
}

describe("reviewing an institution", () => {
  it("approves: active and verified, audited, and the creator notified", async () => {
    const { creator, platformAdmin, institution } = await setting();
    const result = await review(platformAdmin, institution.id, "approve");
    expect(result).toMatchObject({ group_id: institution.id, status: "active", verified: true, rejection_reason: null });
    expect(typeof result?.review_id).toBe("string");
    expect(await audit(institution.id)).toEqual([
      { group_id: institution.id, group_name: "Harbor Clinic", reviewer_id: idOf(platformAdmin), decision: "approve", reason: null },
    ]);
    const notes = await db().request(creator, (tx) => tx`select kind, actor_id, subject_id, data from public.notifications`);
    expect(notes).toEqual([
      {
        kind: "institution_approved",
        actor_id: idOf(platformAdmin),
        subject_id: institution.id,
        data: { group_name: "Harbor Clinic", group_slug: institution.slug, group_kind: "institution" },
      },
    ]);
    const visible = await db().request(anon, (tx) => tx`select verified from public.groups where id = ${institution.id}`);
    expect(visible).toEqual([{ verified: true }]);
  });

  it("rejects with a reason: rejected, the reason kept, audited, and the creator notified with the reason", async () => {
    const { creator, platformAdmin, institution } = await setting();
    const result = await review(platformAdmin, institution.id, "reject", "  Could not verify the clinic.  ");
    expect(result).toMatchObject({ status: "rejected", verified: false, rejection_reason: "Could not verify the clinic." });
    expect(await audit(institution.id)).toMatchObject([{ decision: "reject", reason: "Could not verify the clinic." }]);
    const [note] = await db().request(creator, (tx) => tx`select kind, data->>'reason' as reason from public.notifications`);
    expect(note).toEqual({ kind: "institution_rejected", reason: "Could not verify the clinic." });
    const [mine] = await db().request(creator, (tx) => tx`select status, rejection_reason from public.groups where id = ${institution.id}`);
    expect(mine).toEqual({ status: "rejected", rejection_reason: "Could not verify the clinic." });
  });

  it("is refused to the creator, other users, unconfirmed users (42501), anon and service_role, changing nothing", async () => {
    const { creator, institution } = await setting();
    const stranger = await db().newUser(unique("stranger"));
    const unconfirmed = await db().newUser(unique("unconfirmed"), { confirm: false });
    const before = await snapshot(db(), institution.id);
    for (const actor of [creator, stranger]) {
      await expectDbError(review(actor, institution.id, "approve"), "42501", /only platform admins can review institutions/);
    }
    await expectDbError(review(unconfirmed, institution.id, "approve"), "42501", /confirm your email/);
    await expectDbError(review(anon, institution.id, "approve"), "42501", /permission denied for function review_institution/);
    await expectDbError(review(serviceRole, institution.id, "approve"), "42501", /permission denied for function review_institution/);
    expect(await snapshot(db(), institution.id)).toEqual(before);
    expect(await audit(institution.id)).toEqual([]);
  });

  it("refuses bad input with 22023: an unknown decision, a rejection without a reason, an overlong reason", async () => {
    const { platformAdmin, institution } = await setting();
    const before = await snapshot(db(), institution.id);
    await expectDbError(review(platformAdmin, institution.id, "maybe"), "22023", /decision must be approve or reject/);
    await expectDbError(review(platformAdmin, institution.id, null), "22023", /decision must be approve or reject/);
    await expectDbError(review(platformAdmin, institution.id, "reject"), "22023", /a reason is required to reject/);
    await expectDbError(review(platformAdmin, institution.id, "reject", "   "), "22023", /a reason is required to reject/);
    await expectDbError(review(platformAdmin, institution.id, "reject", "x".repeat(1001)), "22023", /at most 1000 characters/);
    expect(await snapshot(db(), institution.id)).toEqual(before);
  });

  it("answers PT404 for unknown groups and generic groups", async () => {
    const { creator, platformAdmin } = await setting();
    const generic = await createGroup(db(), creator);
    await expectDbError(review(platformAdmin, "00000000-0000-4000-8000-000000000000", "approve"), "PT404", /institution not found/);
    await expectDbError(review(platformAdmin, generic.id, "approve"), "PT404", /institution not found/);
    expect(await audit(generic.id)).toEqual([]);
  });

  it("decides once: a second decision is PT409 and changes nothing", async () => {
    const { platformAdmin, institution } = await setting();
    await review(platformAdmin, institution.id, "reject", "Duplicate of another page");
    const before = await snapshot(db(), institution.id);
    await expectDbError(review(platformAdmin, institution.id, "approve"), "PT409", /already been reviewed \(it is rejected\)/);
    await expectDbError(review(platformAdmin, institution.id, "reject", "Again"), "PT409", /already been reviewed/);
    expect(await snapshot(db(), institution.id)).toEqual(before);
    expect(await audit(institution.id)).toHaveLength(1);
  });

  it("lets exactly one of two admins racing on the same request decide", async () => {
    const { platformAdmin, institution } = await setting();
    const second = await db().makeAdmin(await db().newUser(unique("padmin")));
    const results = await Promise.allSettled([
      review(platformAdmin, institution.id, "approve"),
      review(second, institution.id, "reject", "Not real"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason as { code: string }).code).toBe("PT409");
    expect(await audit(institution.id)).toHaveLength(1);
  });

  it("checks the admin role in the database, not the token: a revoked admin with an old token is refused", async () => {
    const { platformAdmin, institution } = await setting();
    await db().admin`delete from public.user_roles where user_id = ${idOf(platformAdmin)} and role = 'admin'`;
    expect(platformAdmin.claims.user_roles).toContain("admin");
    await expectDbError(review(platformAdmin, institution.id, "approve"), "42501", /only platform admins/);
  });
});
