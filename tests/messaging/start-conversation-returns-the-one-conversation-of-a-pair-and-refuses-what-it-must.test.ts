import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, expectRefused, follow, idOf, setDmPolicy, sideOf, startConversation } from "./dm.ts";

const db = useTestDatabase();

let n = 0;
async function pair(): Promise<[Actor, Actor]> {
  n++;
  return [await db().newUser(`opener_${n}`), await db().newUser(`other_${n}`)];
}

describe("start_conversation", () => {
  it("returns the same id whichever side calls, however often", async () => {
    const [a, b] = await pair();
    const id = await startConversation(db(), a, b);
    expect(await startConversation(db(), b, a)).toBe(id);
    expect(await startConversation(db(), a, b)).toBe(id);
    const [row] = await db().admin`select user_low, user_high, started_by from public.conversations where id = ${id}`;
    expect({ ...row }).toEqual({ user_low: [idOf(a), idOf(b)].sort()[0], user_high: [idOf(a), idOf(b)].sort()[1], started_by: idOf(a) });
    expect(await db().admin`select count(*)::int as n from public.conversation_participants where conversation_id = ${id}`).toEqual([
      { n: 2 },
    ]);
  });

  it("gives each pair its own conversation", async () => {
    const [a, b] = await pair();
    const c = await db().newUser(`third_${n}`);
    const ab = await startConversation(db(), a, b);
    const ac = await startConversation(db(), a, c);
    const bc = await startConversation(db(), c, b);
    expect(new Set([ab, ac, bc]).size).toBe(3);
  });

  it("opens a request unless the recipient follows the opener; the opener's side is always accepted", async () => {
    const [a, b] = await pair();
    const requested = await startConversation(db(), a, b);
    expect(await sideOf(db(), a, requested)).toMatchObject({ state: "accepted" });
    expect(await sideOf(db(), b, requested)).toMatchObject({ state: "request" });

    const [c, d] = await pair();
    await follow(db(), d, c); // the recipient d follows the opener c
    const direct = await startConversation(db(), c, d);
    expect(await sideOf(db(), d, direct)).toMatchObject({ state: "accepted" });
  });

  it("is refused, changing nothing, to oneself, to a missing user, without a user and without a confirmed email", async () => {
    const [a, b] = await pair();
    const unconfirmed = await db().newUser(`unconfirmed_${n}`, { confirm: false });
    await expectRefused(db(), () => startConversation(db(), a, a), "22023", /^you cannot message yourself$/);
    await expectRefused(db(), () => startConversation(db(), a, randomUUID()), "PT404", /^user not found$/);
    await expectRefused(db(), () => db().rpc(a, "start_conversation", { other_user: null }), "22023", /^other_user is required$/);
    await expectRefused(db(), () => startConversation(db(), unconfirmed, b), "42501", /^confirm your email address before you do this$/);
    await expectRefused(db(), () => startConversation(db(), anon, b), "42501", /^permission denied for function start_conversation$/);
    await expectRefused(
      db(),
      () => startConversation(db(), serviceRole, b),
      "42501",
      /^permission denied for function start_conversation$/,
    );
  });

  it("lets a confirmed user open a conversation with an unconfirmed one", async () => {
    const [a] = await pair();
    const unconfirmed = await db().newUser(`newcomer_${n}`, { confirm: false });
    expect(await startConversation(db(), a, unconfirmed)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("is refused across a block with the same words whichever side blocked, even for an existing conversation", async () => {
    const [blocker, blocked] = await pair();
    const existing = await startConversation(db(), blocker, blocked);
    await block(db(), blocker, blocked);
    for (const [from, to] of [
      [blocker, blocked],
      [blocked, blocker],
    ] as const) {
      const e = await expectDbError(startConversation(db(), from, to), "42501", /^you cannot message this user$/);
      expect(e.hint).toBeUndefined();
    }
    const [fresh1, fresh2] = await pair();
    await block(db(), fresh2, fresh1);
    await expectRefused(db(), () => startConversation(db(), fresh1, fresh2), "42501", /^you cannot message this user$/);
    await expectRefused(db(), () => startConversation(db(), fresh2, fresh1), "42501", /^you cannot message this user$/);
    expect(await db().admin`select id from public.conversations where id = ${existing}`).toHaveLength(1);
  });

  it("honours the recipient's dm_policy: nobody refuses everyone, followers refuses those the recipient does not follow", async () => {
    const [a, closed] = await pair();
    await setDmPolicy(db(), closed, "nobody");
    await follow(db(), closed, a);
    await expectRefused(db(), () => startConversation(db(), a, closed), "42501", /^this user does not accept messages$/);

    const [b, picky] = await pair();
    await setDmPolicy(db(), picky, "followers");
    await expectRefused(
      db(),
      () => startConversation(db(), b, picky),
      "42501",
      /^this user accepts messages only from people they follow$/,
    );
    await follow(db(), b, picky); // b following picky is not enough
    await expectRefused(
      db(),
      () => startConversation(db(), b, picky),
      "42501",
      /^this user accepts messages only from people they follow$/,
    );
    await follow(db(), picky, b);
    const id = await startConversation(db(), b, picky);
    expect(await sideOf(db(), picky, id)).toMatchObject({ state: "accepted" });
  });

  it("does not let a pending follow request count as following for dm_policy followers", async () => {
    const [a, picky] = await pair();
    await db().request(a, (tx) => tx`update public.profiles set is_private = true where id = ${idOf(a)}`);
    await setDmPolicy(db(), picky, "followers");
    await follow(db(), picky, a); // a request: a is private
    await expectRefused(
      db(),
      () => startConversation(db(), a, picky),
      "42501",
      /^this user accepts messages only from people they follow$/,
    );
  });

  it("returns an existing conversation even when the recipient closed their dm_policy since", async () => {
    const [a, b] = await pair();
    const id = await startConversation(db(), a, b);
    await setDmPolicy(db(), b, "nobody");
    expect(await startConversation(db(), a, b)).toBe(id);
    expect(await startConversation(db(), b, a)).toBe(id);
  });
});
