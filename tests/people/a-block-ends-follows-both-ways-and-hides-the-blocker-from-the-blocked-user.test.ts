import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { accept, block, counts, expectNoEffect, expectRefused, follow, idOf, setPrivate, storedFollow, unblock } from "./graph.ts";

const db = useTestDatabase();

let n = 0;
async function pair(): Promise<[Actor, Actor]> {
  n++;
  return [await db().newUser(`blocker_${n}`), await db().newUser(`blocked_${n}`)];
}

async function visibleProfiles(viewer: Actor, ...of: Actor[]): Promise<string[]> {
  const rows = await db().request(viewer, (tx) => tx<{ id: string }[]>`select id from public.profiles where id in ${tx(of.map(idOf))}`, {
    method: "GET",
    path: "/profiles",
  });
  return rows.map((r) => r.id).sort();
}

describe("a block", () => {
  it("ends follows and pending requests both ways, and the counts drop", async () => {
    const [blocker, blocked] = await pair();
    await setPrivate(db(), blocker, true);
    await follow(db(), blocked, blocker); // pending request to the blocker
    await follow(db(), blocker, blocked); // the blocker follows the blocked user
    expect(await counts(db(), blocked)).toMatchObject({ followers: 1 });
    await block(db(), blocker, blocked);
    expect(await storedFollow(db(), blocked, blocker)).toBeUndefined();
    expect(await storedFollow(db(), blocker, blocked)).toBeUndefined();
    expect(await counts(db(), blocked)).toMatchObject({ followers: 0, following: 0 });
    expect(await counts(db(), blocker)).toMatchObject({ followers: 0, following: 0 });
  });

  it("ends an accepted follow of the blocker by the blocked user", async () => {
    const [blocker, blocked] = await pair();
    await setPrivate(db(), blocker, true);
    await follow(db(), blocked, blocker);
    await accept(db(), blocker, blocked);
    await block(db(), blocker, blocked);
    expect(await storedFollow(db(), blocked, blocker)).toBeUndefined();
    expect(await counts(db(), blocker)).toMatchObject({ followers: 0 });
  });

  it("leaves the follows with other users alone", async () => {
    const [blocker, blocked] = await pair();
    const friend = await db().newUser(`friend_${n}`);
    await follow(db(), friend, blocker);
    await follow(db(), blocked, friend);
    await block(db(), blocker, blocked);
    expect(await storedFollow(db(), friend, blocker)).toMatchObject({ status: "accepted" });
    expect(await storedFollow(db(), blocked, friend)).toMatchObject({ status: "accepted" });
  });

  it("hides the blocker's profile from the blocked user only; anon, strangers and the blocker still see both", async () => {
    const [blocker, blocked] = await pair();
    const stranger = await db().newUser(`onlooker_${n}`);
    await block(db(), blocker, blocked);
    expect(await visibleProfiles(blocked, blocker, blocked)).toEqual([idOf(blocked)]);
    expect(await visibleProfiles(blocker, blocker, blocked)).toEqual([idOf(blocker), idOf(blocked)].sort());
    expect(await visibleProfiles(stranger, blocker, blocked)).toEqual([idOf(blocker), idOf(blocked)].sort());
    expect(await visibleProfiles(anon, blocker, blocked)).toEqual([idOf(blocker), idOf(blocked)].sort());
  });

  it("stops new follows both ways while it stands; unblocking restores visibility but not the follows", async () => {
    const [blocker, blocked] = await pair();
    await follow(db(), blocked, blocker);
    await block(db(), blocker, blocked);
    await expectRefused(db(), () => follow(db(), blocked, blocker), "PT404", /^user not found$/);
    await expectRefused(db(), () => follow(db(), blocker, blocked), "42501", /^you have blocked this user$/);
    expect(await unblock(db(), blocker, blocked)).toBe(1);
    expect(await visibleProfiles(blocked, blocker)).toEqual([idOf(blocker)]);
    expect(await storedFollow(db(), blocked, blocker)).toBeUndefined();
    expect((await follow(db(), blocked, blocker)).status).toBe("accepted");
  });

  it("may stand both ways at once; each side lifts only its own", async () => {
    const [a, b] = await pair();
    await block(db(), a, b);
    await block(db(), b, a);
    await expectNoEffect(db(), () => unblock(db(), a, a)); // a cannot lift b's block on a
    expect(await unblock(db(), a, b)).toBe(1);
    expect(await visibleProfiles(a, b)).toEqual([]); // b still blocks a
    expect(await visibleProfiles(b, a)).toEqual([idOf(a)]);
  });

  it("wins a race with a follow: after both commit, no follow crosses the block", async () => {
    for (let i = 0; i < 5; i++) {
      const [blocker, blocked] = await pair();
      await Promise.allSettled([follow(db(), blocked, blocker), block(db(), blocker, blocked)]);
      expect(await storedFollow(db(), blocked, blocker)).toBeUndefined();
      expect(await counts(db(), blocker)).toMatchObject({ followers: 0 });
    }
  });
});

describe("the blocks table", () => {
  it("shows each block to its blocker only, never to the blocked user, strangers, admins or anon", async () => {
    const [blocker, blocked] = await pair();
    const stranger = await db().newUser(`curious_${n}`);
    const admin = await db().makeAdmin(await db().newUser(`admin_${n}`));
    await block(db(), blocker, blocked);
    const read = (actor: Actor) =>
      db().request(actor, (tx) => tx`select blocker_id, blocked_id from public.blocks where blocked_id = ${idOf(blocked)}`);
    expect(await read(blocker)).toEqual([{ blocker_id: idOf(blocker), blocked_id: idOf(blocked) }]);
    for (const viewer of [blocked, stranger, admin]) expect(await read(viewer)).toEqual([]);
    await expectDbError(read(anon), "42501", /^permission denied for table blocks$/);
    expect(await read(serviceRole)).toHaveLength(1);
  });

  it("lets only the blocker lift a block", async () => {
    const [blocker, blocked] = await pair();
    const admin = await db().makeAdmin(await db().newUser(`lifter_admin_${n}`));
    await block(db(), blocker, blocked);
    const lift = (actor: Actor) =>
      db().request(
        actor,
        (tx) => tx`delete from public.blocks where blocker_id = ${idOf(blocker)} and blocked_id = ${idOf(blocked)} returning 1`,
      );
    for (const actor of [blocked, admin]) await expectNoEffect(db(), async () => (await lift(actor)).length);
    await expectRefused(db(), () => lift(anon), "42501", /^permission denied for table blocks$/);
    expect(await lift(blocker)).toHaveLength(1);
  });

  it("refuses, changing nothing: anon, unconfirmed users, blocking as someone else, oneself, twice, nobody", async () => {
    const [blocker, blocked] = await pair();
    const unconfirmed = await db().newUser(`unconfirmed_blocker_${n}`, { confirm: false });
    await block(db(), blocker, blocked);
    await expectRefused(
      db(),
      () => db().request(anon, (tx) => tx`insert into public.blocks (blocker_id, blocked_id) values (${idOf(blocker)}, ${idOf(blocked)})`),
      "42501",
      /^permission denied for table blocks$/,
    );
    await expectRefused(db(), () => block(db(), unconfirmed, blocked), "42501", /^confirm your email address before you do this$/);
    await expectRefused(
      db(),
      () =>
        db().request(
          blocked,
          (tx) => tx`insert into public.blocks (blocker_id, blocked_id) values (${idOf(blocker)}, ${idOf(unconfirmed)})`,
        ),
      "42501",
      /^you can only block as yourself$/,
    );
    await expectRefused(db(), () => block(db(), blocker, blocker), "22023", /^you cannot block yourself$/);
    await expectRefused(db(), () => block(db(), blocker, blocked), "23505", /^you already block this user$/);
    await expectRefused(db(), () => block(db(), blocker, randomUUID()), "PT404", /^user not found$/);
    await expectRefused(
      db(),
      () => db().request(blocker, (tx) => tx`update public.blocks set created_at = now() where blocker_id = ${idOf(blocker)}`),
      "42501",
      /^permission denied for table blocks$/,
    );
  });

  it("lets service_role block on a user's behalf, with the same effects", async () => {
    const [blocker, blocked] = await pair();
    await follow(db(), blocked, blocker);
    await db().request(
      serviceRole,
      (tx) => tx`insert into public.blocks (blocker_id, blocked_id) values (${idOf(blocker)}, ${idOf(blocked)})`,
    );
    expect(await storedFollow(db(), blocked, blocker)).toBeUndefined();
  });
});
