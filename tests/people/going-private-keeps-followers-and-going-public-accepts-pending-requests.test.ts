import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { block, counts, follow, idOf, setPrivate, storedFollow } from "./graph.ts";

const db = useTestDatabase();

describe("changing a profile's privacy", () => {
  it("to private keeps the accepted followers and makes new follows requests", async () => {
    const owner = await db().newUser("going_private");
    const early = await db().newUser("early_fan");
    const late = await db().newUser("late_fan");
    await follow(db(), early, owner);
    await setPrivate(db(), owner, true);
    expect(await storedFollow(db(), early, owner)).toMatchObject({ status: "accepted" });
    expect(await counts(db(), owner)).toMatchObject({ followers: 1 });
    expect((await follow(db(), late, owner)).status).toBe("pending");
  });

  it("to public accepts every pending request, stamps it and counts it", async () => {
    const owner = await db().newUser("going_public");
    await setPrivate(db(), owner, true);
    const asking = [await db().newUser("asking_1"), await db().newUser("asking_2"), await db().newUser("asking_3")];
    for (const a of asking) await follow(db(), a, owner);
    expect(await counts(db(), owner)).toMatchObject({ followers: 0 });
    await setPrivate(db(), owner, false);
    for (const a of asking) {
      const row = await storedFollow(db(), a, owner);
      expect(row?.status).toBe("accepted");
      expect(row?.accepted_at).toBeInstanceOf(Date);
      expect(await counts(db(), a)).toMatchObject({ following: 1 });
    }
    expect(await counts(db(), owner)).toMatchObject({ followers: 3 });
  });

  it("to public leaves alone requests the owner made to others and requests ended by a block", async () => {
    const owner = await db().newUser("public_again");
    const other = await db().newUser("still_private");
    const pest = await db().newUser("pest");
    await setPrivate(db(), owner, true);
    await setPrivate(db(), other, true);
    await follow(db(), owner, other);
    await follow(db(), pest, owner);
    await block(db(), owner, pest);
    await setPrivate(db(), owner, false);
    expect(await storedFollow(db(), owner, other)).toMatchObject({ status: "pending" });
    expect(await storedFollow(db(), pest, owner)).toBeUndefined();
    expect(await counts(db(), owner)).toMatchObject({ followers: 0, following: 0 });
  });

  it("does not touch updated_at when only the counts change, and does when the owner edits", async () => {
    const owner = await db().newUser("stamped");
    const fan = await db().newUser("stamp_fan");
    const read = async () =>
      (await db().admin<{ updated_at: Date }[]>`select updated_at from public.profiles where id = ${idOf(owner)}`)[0]?.updated_at;
    const before = await read();
    await follow(db(), fan, owner);
    expect(await read()).toEqual(before);
    await setPrivate(db(), owner, true);
    expect((await read())?.getTime()).toBeGreaterThan(before?.getTime() ?? 0);
  });
});
