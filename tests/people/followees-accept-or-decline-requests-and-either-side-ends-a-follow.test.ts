import { beforeEach, describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { accept, counts, expectNoEffect, expectRefused, follow, idOf, setPrivate, storedFollow, unfollow } from "./graph.ts";

const db = useTestDatabase();

let owner: Actor; // private profile
let requester: Actor; // pending follower
let follower: Actor; // accepted follower
let stranger: Actor;
let admin: Actor;

let run = 0;
beforeEach(async () => {
  run++;
  owner = await db().newUser(`owner_${run}`);
  await setPrivate(db(), owner, true);
  requester = await db().newUser(`requester_${run}`);
  follower = await db().newUser(`follower_${run}`);
  stranger = await db().newUser(`stranger_${run}`);
  admin = await db().makeAdmin(await db().newUser(`admin_${run}`));
  await follow(db(), requester, owner);
  await follow(db(), follower, owner);
  await accept(db(), owner, follower);
});

describe("accepting a follow request", () => {
  it("is done by the followee: the request becomes a follow, stamped and counted", async () => {
    expect(await accept(db(), owner, requester)).toBe(1);
    const row = await storedFollow(db(), requester, owner);
    expect(row?.status).toBe("accepted");
    expect(row?.accepted_at).toBeInstanceOf(Date);
    expect(await counts(db(), owner)).toMatchObject({ followers: 2 });
    expect(await counts(db(), requester)).toMatchObject({ following: 1 });
  });

  it("again changes nothing (accepted_at and the counts stay)", async () => {
    const before = await storedFollow(db(), follower, owner);
    expect(await accept(db(), owner, follower)).toBe(1);
    expect(await storedFollow(db(), follower, owner)).toEqual(before);
    expect(await counts(db(), owner)).toMatchObject({ followers: 1 });
  });

  it("is not possible for the requester, a stranger or a platform admin: they touch no row", async () => {
    for (const actor of [requester, stranger, admin]) {
      await expectNoEffect(db(), () => accept(db(), actor, requester, owner));
    }
  });

  it("is refused to anon, and to a followee whose email is unconfirmed (no row matches)", async () => {
    await expectRefused(db(), () => accept(db(), anon, requester, owner), "42501", /^permission denied for table follows$/);
    const unconfirmed = await db().newUser(`unconfirmed_owner_${run}`, { confirm: false });
    await db().request(serviceRole, (tx) => tx`update public.profiles set is_private = true where id = ${idOf(unconfirmed)}`);
    await follow(db(), stranger, unconfirmed);
    await expectNoEffect(db(), () => accept(db(), unconfirmed, stranger));
  });

  it("writes only status: the followee cannot rewrite the follower, the dates or anything else", async () => {
    await expectRefused(
      db(),
      () =>
        db().request(
          owner,
          (tx) => tx`update public.follows set accepted_at = now() - interval '1 day'
            where follower_id = ${idOf(requester)} and followee_id = ${idOf(owner)}`,
        ),
      "42501",
      /^permission denied for table follows$/,
    );
    await expectRefused(
      db(),
      () =>
        db().request(
          owner,
          (tx) => tx`update public.follows set follower_id = ${idOf(stranger)}
            where follower_id = ${idOf(requester)} and followee_id = ${idOf(owner)}`,
        ),
      "42501",
      /^permission denied for table follows$/,
    );
  });

  it("cannot be undone by setting status back to pending", async () => {
    await expectRefused(
      db(),
      () =>
        db().request(
          owner,
          (tx) => tx`update public.follows set status = 'pending'
            where follower_id = ${idOf(follower)} and followee_id = ${idOf(owner)}`,
        ),
      "PT409",
      /^an accepted follow cannot go back to pending$/,
    );
  });

  it("may be done by service_role", async () => {
    await db().request(
      serviceRole,
      (tx) => tx`update public.follows set status = 'accepted' where follower_id = ${idOf(requester)} and followee_id = ${idOf(owner)}`,
    );
    expect((await storedFollow(db(), requester, owner))?.status).toBe("accepted");
    expect(await counts(db(), owner)).toMatchObject({ followers: 2 });
  });
});

describe("ending a follow", () => {
  it("lets the followee decline a request (nothing was counted, nothing is uncounted)", async () => {
    expect(await unfollow(db(), owner, requester, owner)).toBe(1);
    expect(await storedFollow(db(), requester, owner)).toBeUndefined();
    expect(await counts(db(), owner)).toMatchObject({ followers: 1 });
    expect(await counts(db(), requester)).toMatchObject({ following: 0 });
  });

  it("lets the follower cancel a request", async () => {
    expect(await unfollow(db(), requester, requester, owner)).toBe(1);
    expect(await storedFollow(db(), requester, owner)).toBeUndefined();
  });

  it("lets the followee remove a follower, and the counts drop", async () => {
    expect(await unfollow(db(), owner, follower, owner)).toBe(1);
    expect(await storedFollow(db(), follower, owner)).toBeUndefined();
    expect(await counts(db(), owner)).toMatchObject({ followers: 0 });
    expect(await counts(db(), follower)).toMatchObject({ following: 0 });
  });

  it("lets the follower unfollow, and the counts drop", async () => {
    expect(await unfollow(db(), follower, follower, owner)).toBe(1);
    expect(await counts(db(), owner)).toMatchObject({ followers: 0 });
    expect(await counts(db(), follower)).toMatchObject({ following: 0 });
  });

  it("is not possible for a stranger, a platform admin or the other pending follower: they touch no row", async () => {
    for (const actor of [stranger, admin, requester]) {
      await expectNoEffect(db(), () => unfollow(db(), actor, follower, owner));
    }
  });

  it("is refused to anon, and to a user whose email is unconfirmed (no row matches)", async () => {
    await expectRefused(db(), () => unfollow(db(), anon, follower, owner), "42501", /^permission denied for table follows$/);
    const unconfirmed = await db().newUser(`unconfirmed_star_${run}`, { confirm: false });
    await follow(db(), stranger, unconfirmed);
    await expectNoEffect(db(), () => unfollow(db(), unconfirmed, stranger, unconfirmed));
  });

  it("may be done by service_role, counts included", async () => {
    const deleted = await db().request(serviceRole, (tx) => tx`delete from public.follows where followee_id = ${idOf(owner)} returning 1`);
    expect(deleted).toHaveLength(2);
    expect(await counts(db(), owner)).toMatchObject({ followers: 0 });
  });

  it("happens when an account is deleted, and the other side's count follows", async () => {
    expect(await counts(db(), follower)).toMatchObject({ following: 1 });
    await db().admin`delete from auth.users where id = ${idOf(owner)}`;
    expect(await counts(db(), follower)).toMatchObject({ following: 0 });
    await follow(db(), follower, stranger);
    expect(await counts(db(), stranger)).toMatchObject({ followers: 1 });
    await db().admin`delete from auth.users where id = ${idOf(follower)}`;
    expect(await counts(db(), stranger)).toMatchObject({ followers: 0 });
  });
});
