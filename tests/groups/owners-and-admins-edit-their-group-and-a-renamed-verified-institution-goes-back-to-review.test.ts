import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castAround, createGroup, type GroupRow, unique } from "./fixtures.ts";

const db = useTestDatabase();

function patch(actor: Actor, groupId: string, values: Record<string, unknown>) {
  return db().request(
    actor,
    (tx) =>
      tx<GroupRow[]>`update public.groups set ${tx(values as Record<string, string>, ...Object.keys(values))}
        where id = ${groupId} returning *`,
    { method: "PATCH" },
  );
}

async function row(id: string): Promise<GroupRow> {
  const [g] = await db().admin<GroupRow[]>`select * from public.groups where id = ${id}`;
  return g as GroupRow;
}

async function approvedInstitution(): Promise<{ owner: Actor; platformAdmin: Actor; institution: GroupRow }> {
  const owner = await db().newUser(unique("owner"));
  const platformAdmin = await db().makeAdmin(await db().newUser(unique("padmin")));
  const created = await createGroup(db(), owner, { kind: "institution", name: "Old Name Museum" });
  await db().request(platformAdmin, (tx) => tx`select private.review_institution(${created.id}, 'approve')`);
  return { owner, platformAdmin, institution: await row(created.id) };
}

describe("editing a group", () => {
  it("is for the owner and admins: name, description, avatar, visibility and join question", async () => {
    const c = await castAround(db(), { visibility: "public" });
    const [edited] = await patch(c.owner, c.group.id, { name: "Renamed", description: "About us", visibility: "private" });
    expect(edited).toMatchObject({ name: "Renamed", description: "About us", visibility: "private", status: "active" });
    const [again] = await patch(c.admin, c.group.id, { join_question: "Why?", avatar_path: `${c.owner.user?.id}/g.png` });
    expect(again).toMatchObject({ join_question: "Why?", avatar_path: `${c.owner.user?.id}/g.png` });
    expect(again?.updated_at.getTime()).toBeGreaterThan(c.group.updated_at.getTime());
  });

  it("updates nothing for members, invitees, strangers and platform admins, and is refused to anon", async () => {
    const c = await castAround(db(), { visibility: "public" });
    const before = await row(c.group.id);
    for (const actor of [c.member, c.invitee, c.stranger, c.platformAdmin, c.unconfirmed]) {
      expect(await patch(actor, c.group.id, { name: "Hijacked" })).toEqual([]);
    }
    await expectDbError(patch(anon, c.group.id, { name: "Hijacked" }), "42501", /permission denied/);
    expect(await row(c.group.id)).toEqual(before);
  });

  it.each([
    ["status", "suspended"],
    ["verified", true],
    ["slug", "new-slug"],
    ["kind", "institution"],
    ["created_by", null],
    ["member_count", 0],
  ])("refuses %s to the owner with 42501 (the database's column)", async (column, value) => {
    const c = await castAround(db(), { visibility: "public" });
    await expectDbError(patch(c.owner, c.group.id, { [column]: value }), "42501", /permission denied for table groups/);
  });

  it("is closed while the group is suspended, even to its owner", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await db().request(serviceRole, (tx) => tx`update public.groups set status = 'suspended' where id = ${c.group.id}`);
    expect(await patch(c.owner, c.group.id, { name: "Back" })).toEqual([]);
  });
});

describe("an institution", () => {
  it("stays public: turning it private is refused with 22023 and changes nothing", async () => {
    const { owner, institution } = await approvedInstitution();
    await expectDbError(patch(owner, institution.id, { visibility: "private" }), "22023", /institutions are always public/);
    expect(await row(institution.id)).toEqual(institution);
  });

  it("loses its verified badge and returns to pending review when renamed, hidden from the public again", async () => {
    const { owner, platformAdmin, institution } = await approvedInstitution();
    const stranger = await db().newUser(unique("stranger"));
    const [renamed] = await patch(owner, institution.id, { name: "New Name Museum" });
    expect(renamed).toMatchObject({ name: "New Name Museum", verified: false, status: "pending" });
    for (const actor of [anon, stranger]) {
      expect(await db().request(actor, (tx) => tx`select id from public.groups where id = ${institution.id}`)).toEqual([]);
    }
    const queue = await db().request(
      platformAdmin,
      (tx) => tx`select id from public.groups where kind = 'institution' and status = 'pending'`,
    );
    expect(queue).toContainEqual({ id: institution.id });
    // Approving the new name restores the badge.
    await db().request(platformAdmin, (tx) => tx`select private.review_institution(${institution.id}, 'approve')`);
    expect(await row(institution.id)).toMatchObject({ name: "New Name Museum", verified: true, status: "active" });
  });

  it("keeps its badge when other fields change or the name is set to the same value", async () => {
    const { owner, institution } = await approvedInstitution();
    const [edited] = await patch(owner, institution.id, { description: "Now with more art", name: institution.name });
    expect(edited).toMatchObject({ verified: true, status: "active", description: "Now with more art" });
  });

  it("stays pending (and unverified) when renamed before review", async () => {
    const owner = await db().newUser(unique("owner"));
    const created = await createGroup(db(), owner, { kind: "institution", name: "Draft Name" });
    const [renamed] = await patch(owner, created.id, { name: "Final Name" });
    expect(renamed).toMatchObject({ name: "Final Name", verified: false, status: "pending" });
  });
});
