import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, expectNoEffect, expectRefused, follow, idOf, mute, storedFollow } from "./graph.ts";

const db = useTestDatabase();

let n = 0;
async function pair(): Promise<[Actor, Actor]> {
  n++;
  return [await db().newUser(`muter_${n}`), await db().newUser(`muted_${n}`)];
}

const hour = 3600_000;

async function isMuting(muter: Actor, muted: Actor): Promise<boolean> {
  const [row] = await db().admin<{ v: boolean }[]>`select private.is_muting(${idOf(muter)}, ${idOf(muted)}) as v`;
  return row?.v ?? false;
}

async function relationship(actor: Actor, other: Actor): Promise<Record<string, boolean>> {
  return (await db().rpc(actor, "relationship", { other: idOf(other) })) as Record<string, boolean>;
}

describe("a mute", () => {
  it("is readable by the muter only: not the muted user, strangers, admins; anon is refused", async () => {
    const [muter, muted] = await pair();
    const stranger = await db().newUser(`nosy_${n}`);
    const admin = await db().makeAdmin(await db().newUser(`mute_admin_${n}`));
    await mute(db(), muter, muted);
    const read = (actor: Actor) =>
      db().request(actor, (tx) => tx`select muter_id, muted_id, expires_at from public.mutes where muted_id = ${idOf(muted)}`);
    expect(await read(muter)).toEqual([{ muter_id: idOf(muter), muted_id: idOf(muted), expires_at: null }]);
    for (const viewer of [muted, stranger, admin]) expect(await read(viewer)).toEqual([]);
    await expectDbError(read(anon), "42501", /^permission denied for table mutes$/);
    expect(await read(serviceRole)).toHaveLength(1);
  });

  it("cannot be told by the muted user: follows, profile and relationship are as before", async () => {
    const [muter, muted] = await pair();
    await follow(db(), muter, muted);
    await mute(db(), muter, muted);
    expect(await storedFollow(db(), muter, muted)).toMatchObject({ status: "accepted" });
    expect((await follow(db(), muted, muter)).status).toBe("accepted");
    const seen = await db().request(muted, (tx) => tx`select id from public.profiles where id = ${idOf(muter)}`);
    expect(seen).toHaveLength(1);
    expect(await relationship(muted, muter)).toEqual({
      following: true,
      followed_by: true,
      requested: false,
      requested_by: false,
      blocking: false,
      muting: false,
    });
    expect((await relationship(muter, muted)).muting).toBe(true);
  });

  it("counts until expires_at, and an expired mute makes room for a new one", async () => {
    const [muter, muted] = await pair();
    await mute(db(), muter, muted, new Date(Date.now() + hour));
    expect(await isMuting(muter, muted)).toBe(true);
    // An hour passes: move the expiry into the past behind the triggers' back.
    await db().admin.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update public.mutes set expires_at = now() - interval '1 second'
        where muter_id = ${idOf(muter)} and muted_id = ${idOf(muted)}`;
    });
    expect(await isMuting(muter, muted)).toBe(false);
    expect((await relationship(muter, muted)).muting).toBe(false);
    await mute(db(), muter, muted);
    expect(await isMuting(muter, muted)).toBe(true);
  });

  it("can have its expiry changed or removed by the muter, only into the future", async () => {
    const [muter, muted] = await pair();
    await mute(db(), muter, muted);
    const setExpiry = (actor: Actor, at: Date | null) =>
      db().request(
        actor,
        (tx) => tx`update public.mutes set expires_at = ${at} where muter_id = ${idOf(muter)} and muted_id = ${idOf(muted)} returning 1`,
      );
    expect(await setExpiry(muter, new Date(Date.now() + hour))).toHaveLength(1);
    expect(await setExpiry(muter, null)).toHaveLength(1);
    await expectRefused(db(), () => setExpiry(muter, new Date(Date.now() - hour)), "22023", /^expires_at must be in the future$/);
    await expectNoEffect(db(), async () => (await setExpiry(muted, new Date(Date.now() + hour))).length);
    await expectRefused(
      db(),
      () => db().request(muter, (tx) => tx`update public.mutes set muted_id = ${idOf(muter)} where muter_id = ${idOf(muter)}`),
      "42501",
      /^permission denied for table mutes$/,
    );
  });

  it("is lifted by the muter only", async () => {
    const [muter, muted] = await pair();
    await mute(db(), muter, muted);
    const lift = (actor: Actor) =>
      db().request(actor, (tx) => tx`delete from public.mutes where muter_id = ${idOf(muter)} and muted_id = ${idOf(muted)} returning 1`);
    await expectNoEffect(db(), async () => (await lift(muted)).length);
    await expectRefused(db(), () => lift(anon), "42501", /^permission denied for table mutes$/);
    expect(await lift(muter)).toHaveLength(1);
    expect(await isMuting(muter, muted)).toBe(false);
  });

  it("is refused, changing nothing: unconfirmed users, as someone else, oneself, twice, nobody, already expired", async () => {
    const [muter, muted] = await pair();
    const unconfirmed = await db().newUser(`unconfirmed_muter_${n}`, { confirm: false });
    await mute(db(), muter, muted);
    await expectRefused(db(), () => mute(db(), unconfirmed, muted), "42501", /^confirm your email address before you do this$/);
    await expectRefused(
      db(),
      () => db().request(muted, (tx) => tx`insert into public.mutes (muter_id, muted_id) values (${idOf(muter)}, ${idOf(unconfirmed)})`),
      "42501",
      /^you can only mute as yourself$/,
    );
    await expectRefused(db(), () => mute(db(), muter, muter), "22023", /^you cannot mute yourself$/);
    await expectRefused(db(), () => mute(db(), muter, muted), "23505", /^you already mute this user$/);
    await expectRefused(db(), () => mute(db(), muter, randomUUID()), "PT404", /^user not found$/);
    await expectRefused(db(), () => mute(db(), muted, muter, new Date(Date.now() - hour)), "22023", /^expires_at must be in the future$/);
  });

  it("may be placed on a user who blocks the muter, which tells the muter nothing", async () => {
    const [muter, muted] = await pair();
    await block(db(), muted, muter);
    await mute(db(), muter, muted);
    expect(await isMuting(muter, muted)).toBe(true);
  });
});
