import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { type Cast, castAround, createGroup, type GroupRow, idOf, unique } from "./fixtures.ts";

const db = useTestDatabase();

async function seesGroup(actor: Actor, id: string): Promise<boolean> {
  const rows = await db().request(actor, (tx) => tx`select id from public.groups where id = ${id}`, { method: "GET" });
  return rows.length === 1;
}

/** The membership rows an actor can read, as "<user id>:<status>", sorted. */
async function visibleMembers(actor: Actor, id: string): Promise<string[]> {
  const rows = await db().request(
    actor,
    (tx) => tx<{ user_id: string; status: string }[]>`select user_id, status from public.group_members where group_id = ${id}`,
    { method: "GET" },
  );
  return rows.map((r) => `${r.user_id}:${r.status}`).sort();
}

const entry = (actor: Actor, status: string) => `${idOf(actor)}:${status}`;

describe("an active public group", () => {
  let c: Cast;
  beforeAll(async () => {
    c = await castAround(db(), { visibility: "public" });
  });

  it("is visible to everyone, anon included", async () => {
    for (const actor of [anon, c.stranger, c.member, c.owner, c.unconfirmed, c.platformAdmin, serviceRole]) {
      expect(await seesGroup(actor, c.group.id)).toBe(true);
    }
  });

  it("lists its active members to everyone, but invitations only to the invitee and the owner and admins", async () => {
    const active = [entry(c.owner, "active"), entry(c.admin, "active"), entry(c.member, "active")].sort();
    for (const actor of [anon, c.stranger, c.member, c.unconfirmed]) {
      expect(await visibleMembers(actor, c.group.id)).toEqual(active);
    }
    expect(await visibleMembers(c.invitee, c.group.id)).toEqual([...active, entry(c.invitee, "invited")].sort());
    for (const actor of [c.owner, c.admin, c.platformAdmin]) {
      expect(await visibleMembers(actor, c.group.id)).toEqual([...active, entry(c.invitee, "invited")].sort());
    }
  });
});

describe("an active private group", () => {
  let c: Cast;
  beforeAll(async () => {
    c = await castAround(db(), { visibility: "private", join_question: "Why do you want to join?" });
  });

  it("shows its name, description, avatar and join question to everyone", async () => {
    for (const actor of [anon, c.stranger, c.requester]) {
      const [row] = await db().request(
        actor,
        (tx) => tx`select name, description, avatar_path, join_question, member_count from public.groups where id = ${c.group.id}`,
      );
      expect(row).toEqual({
        name: "A Group",
        description: "",
        avatar_path: null,
        join_question: "Why do you want to join?",
        member_count: 3,
      });
    }
  });

  it("hides its members list from anon, strangers, requesters and invitees (who see only their own row)", async () => {
    expect(await visibleMembers(anon, c.group.id)).toEqual([]);
    expect(await visibleMembers(c.stranger, c.group.id)).toEqual([]);
    expect(await visibleMembers(c.requester, c.group.id)).toEqual([entry(c.requester, "pending")]);
    expect(await visibleMembers(c.invitee, c.group.id)).toEqual([entry(c.invitee, "invited")]);
  });

  it("lists active members to active members, and requests and invitations too to the owner, admins and platform admins", async () => {
    const active = [entry(c.owner, "active"), entry(c.admin, "active"), entry(c.member, "active")].sort();
    expect(await visibleMembers(c.member, c.group.id)).toEqual(active);
    const everyone = [...active, entry(c.requester, "pending"), entry(c.invitee, "invited")].sort();
    for (const actor of [c.owner, c.admin, c.platformAdmin]) {
      expect(await visibleMembers(actor, c.group.id)).toEqual(everyone);
    }
  });

  it("shows a requester's answer to the owner and admins, never to members", async () => {
    const read = (actor: Actor) =>
      db().request(
        actor,
        (tx) => tx`select join_answer from public.group_members where group_id = ${c.group.id} and user_id = ${idOf(c.requester)}`,
      );
    expect(await read(c.owner)).toEqual([{ join_answer: "Because I care." }]);
    expect(await read(c.admin)).toEqual([{ join_answer: "Because I care." }]);
    expect(await read(c.requester)).toEqual([{ join_answer: "Because I care." }]);
    expect(await read(c.member)).toEqual([]);
  });
});

describe("a pending institution", () => {
  let creator: Actor;
  let stranger: Actor;
  let platformAdmin: Actor;
  let institution: GroupRow;
  beforeAll(async () => {
    creator = await db().newUser(unique("creator"));
    stranger = await db().newUser(unique("stranger"));
    platformAdmin = await db().makeAdmin(await db().newUser(unique("padmin")));
    institution = await createGroup(db(), creator, { kind: "institution", name: "Hidden Museum" });
  });

  it("is visible only to its creator and platform admins, with its profile and members", async () => {
    for (const actor of [anon, stranger]) {
      expect(await seesGroup(actor, institution.id)).toBe(false);
      expect(await visibleMembers(actor, institution.id)).toEqual([]);
      const profiles = await db().request(
        actor,
        (tx) => tx`select group_id from public.institution_profiles where group_id = ${institution.id}`,
      );
      expect(profiles).toEqual([]);
    }
    for (const actor of [creator, platformAdmin]) {
      expect(await seesGroup(actor, institution.id)).toBe(true);
      expect(await visibleMembers(actor, institution.id)).toEqual([entry(creator, "active")]);
      const profiles = await db().request(
        actor,
        (tx) => tx`select group_id from public.institution_profiles where group_id = ${institution.id}`,
      );
      expect(profiles).toHaveLength(1);
    }
  });

  it("cannot be joined, followed or invited to by someone who cannot see it (PT404), nor joined by its viewers (PT409)", async () => {
    await expectDbError(db().rpc(stranger, "join_group", { group_id: institution.id }), "PT404", /group not found/);
    await expectDbError(
      db().request(stranger, (tx) => tx`insert into public.group_follows (group_id) values (${institution.id})`),
      "PT404",
      /group not found/,
    );
    await expectDbError(db().rpc(platformAdmin, "join_group", { group_id: institution.id }), "PT409", /the group is pending/);
    await expectDbError(
      db().rpc(creator, "invite_to_group", { group_id: institution.id, user_id: idOf(stranger) }),
      "PT409",
      /memberships change only in active groups/,
    );
  });

  it("appears in the platform admins' review queue; a user's queue holds only their own requests", async () => {
    const other = await createGroup(db(), stranger, { kind: "institution", name: "Other Request" });
    const queue = (actor: Actor) =>
      db().request(
        actor,
        (tx) => tx<{ id: string }[]>`select id from public.groups where kind = 'institution' and status = 'pending' order by created_at`,
        { method: "GET" },
      );
    expect((await queue(platformAdmin)).map((r) => r.id)).toEqual([institution.id, other.id]);
    expect((await queue(creator)).map((r) => r.id)).toEqual([institution.id]);
    expect((await queue(stranger)).map((r) => r.id)).toEqual([other.id]);
    expect(await queue(anon)).toEqual([]);
  });
});

describe("rejected and suspended groups", () => {
  it("are hidden from everyone but their creator, their members (suspended: read-only), owner and admins, and platform admins", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await db().request(serviceRole, (tx) => tx`update public.groups set status = 'suspended' where id = ${c.group.id}`);
    for (const actor of [anon, c.stranger, c.invitee]) {
      expect(await seesGroup(actor, c.group.id)).toBe(false);
    }
    // A suspended group stays readable by its active members (issue 12: members keep reading).
    expect(await seesGroup(c.member, c.group.id)).toBe(true);
    expect(await visibleMembers(anon, c.group.id)).toEqual([]);
    expect(await visibleMembers(c.stranger, c.group.id)).toEqual([]);
    expect(await visibleMembers(c.member, c.group.id)).toEqual([entry(c.member, "active")]);
    expect(await visibleMembers(c.invitee, c.group.id)).toEqual([entry(c.invitee, "invited")]);
    for (const actor of [c.owner, c.admin, c.platformAdmin]) {
      expect(await seesGroup(actor, c.group.id)).toBe(true);
    }
    await db().rpc(c.member, "leave_group", { group_id: c.group.id }); // a member may still leave it
    expect(await seesGroup(c.member, c.group.id)).toBe(false);
    await expectDbError(db().rpc(c.invitee, "respond_to_invite", { group_id: c.group.id, accept: true }), "PT404", /group not found/);

    const creator = await db().newUser(unique("creator"));
    const stranger = await db().newUser(unique("stranger"));
    const platformAdmin = await db().makeAdmin(await db().newUser(unique("padmin")));
    const rejected = await createGroup(db(), creator, { kind: "institution" });
    await db().request(platformAdmin, (tx) => tx`select private.review_institution(${rejected.id}, 'reject', 'Not an institution')`);
    expect(await seesGroup(creator, rejected.id)).toBe(true);
    expect(await seesGroup(platformAdmin, rejected.id)).toBe(true);
    expect(await seesGroup(stranger, rejected.id)).toBe(false);
    expect(await seesGroup(anon, rejected.id)).toBe(false);
  });
});

describe("the visibility rule", () => {
  it("is the same in the select policy and in private.can_see_group, for every actor and status", async () => {
    const c = await castAround(db(), { visibility: "private" });
    const pending = await createGroup(db(), c.member, { kind: "institution" });
    const rejected = await createGroup(db(), c.member, { kind: "institution" });
    await db().request(c.platformAdmin, (tx) => tx`select private.review_institution(${rejected.id}, 'reject', 'No')`);
    const suspended = await createGroup(db(), c.admin);
    await db().request(serviceRole, (tx) => tx`update public.groups set status = 'suspended' where id = ${suspended.id}`);
    const ids = [c.group.id, pending.id, rejected.id, suspended.id];
    for (const actor of [anon, c.owner, c.admin, c.member, c.requester, c.invitee, c.stranger, c.platformAdmin]) {
      const byPolicy = await db().request(actor, (tx) => tx<{ id: string }[]>`select id from public.groups where id in ${tx(ids)}`);
      const byPredicate = await db().request(
        actor,
        (tx) => tx<{ id: string }[]>`select id from unnest(${ids}::uuid[]) as t(id) where private.can_see_group(id)`,
      );
      expect(byPolicy.map((r) => r.id).sort()).toEqual(byPredicate.map((r) => r.id).sort());
    }
  });
});
