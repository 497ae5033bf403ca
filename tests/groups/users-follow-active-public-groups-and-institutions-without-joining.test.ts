import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castAround, counts, createGroup, idOf, unique } from "./fixtures.ts";

const db = useTestDatabase();

const follow = (actor: Actor, groupId: string) =>
  db().request(actor, (tx) => tx`insert into public.group_follows (group_id) values (${groupId}) returning user_id, group_id`);

describe("group follows", () => {
  it("let a stranger follow a public group without joining; the follower count moves, the member count does not", async () => {
    const c = await castAround(db(), { visibility: "public" });
    expect(await follow(c.stranger, c.group.id)).toEqual([{ user_id: idOf(c.stranger), group_id: c.group.id }]);
    expect(await counts(db(), c.group.id)).toMatchObject({ stored: 3, actual: 3, followers: 1, actualFollowers: 1 });
    // A member may follow too (members and followers are independent).
    await follow(c.member, c.group.id);
    expect(await counts(db(), c.group.id)).toMatchObject({ followers: 2 });
  });

  it("let a user follow an approved institution but not a pending one (PT404 for strangers, PT409 for its creator)", async () => {
    const creator = await db().newUser(unique("creator"));
    const fan = await db().newUser(unique("fan"));
    const padmin = await db().makeAdmin(await db().newUser(unique("padmin")));
    const institution = await createGroup(db(), creator, { kind: "institution" });
    await expectDbError(follow(fan, institution.id), "PT404", /group not found/);
    await expectDbError(follow(creator, institution.id), "PT409", /only active groups can be followed/);
    await db().request(padmin, (tx) => tx`select private.review_institution(${institution.id}, 'approve')`);
    await follow(fan, institution.id);
    expect(await counts(db(), institution.id)).toMatchObject({ followers: 1, actualFollowers: 1 });
  });

  it("refuse private groups (PT409: ask to join), duplicates (23505) and unknown groups (PT404), changing nothing", async () => {
    const c = await castAround(db(), { visibility: "private" });
    await expectDbError(follow(c.stranger, c.group.id), "PT409", /private groups cannot be followed/);
    await expectDbError(follow(c.member, c.group.id), "PT409", /private groups cannot be followed/);
    const pub = await castAround(db(), { visibility: "public" });
    await follow(pub.stranger, pub.group.id);
    await expectDbError(follow(pub.stranger, pub.group.id), "23505", /already follow/);
    await expectDbError(follow(pub.stranger, "00000000-0000-4000-8000-000000000000"), "PT404", /group not found/);
    expect(await counts(db(), c.group.id)).toMatchObject({ followers: 0, actualFollowers: 0 });
    expect(await counts(db(), pub.group.id)).toMatchObject({ followers: 1, actualFollowers: 1 });
  });

  it("refuse anon and unconfirmed users (42501) and following on someone else's behalf (42501, RLS)", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await expectDbError(follow(anon, c.group.id), "42501", /permission denied for table group_follows/);
    await expectDbError(follow(c.unconfirmed, c.group.id), "42501", /confirm your email/);
    await expectDbError(
      db().request(c.stranger, (tx) => tx`insert into public.group_follows (user_id, group_id) values (${idOf(c.member)}, ${c.group.id})`),
      "42501",
      /row-level security/,
    );
    expect(await counts(db(), c.group.id)).toMatchObject({ followers: 0, actualFollowers: 0 });
  });

  it("are read by the follower and by the group's owner and admins, not by members, strangers or anon", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await follow(c.stranger, c.group.id);
    const read = (actor: Actor) =>
      db().request(actor, (tx) => tx`select user_id from public.group_follows where group_id = ${c.group.id}`, { method: "GET" });
    expect(await read(c.stranger)).toEqual([{ user_id: idOf(c.stranger) }]);
    expect(await read(c.owner)).toEqual([{ user_id: idOf(c.stranger) }]);
    expect(await read(c.admin)).toEqual([{ user_id: idOf(c.stranger) }]);
    expect(await read(c.member)).toEqual([]);
    expect(await read(c.invitee)).toEqual([]);
    await expectDbError(read(anon), "42501", /permission denied/);
    expect(await read(serviceRole)).toHaveLength(1);
  });

  it("are ended by the follower only; others delete nothing", async () => {
    const c = await castAround(db(), { visibility: "public" });
    await follow(c.stranger, c.group.id);
    const unfollow = (actor: Actor) =>
      db().request(actor, (tx) => tx`delete from public.group_follows where group_id = ${c.group.id} returning user_id`);
    expect(await unfollow(c.owner)).toEqual([]);
    expect(await unfollow(c.member)).toEqual([]);
    expect(await counts(db(), c.group.id)).toMatchObject({ followers: 1 });
    expect(await unfollow(c.stranger)).toEqual([{ user_id: idOf(c.stranger) }]);
    expect(await counts(db(), c.group.id)).toMatchObject({ followers: 0, actualFollowers: 0 });
  });
});
