import { describe, expect, it } from "vitest";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { counts, createGroup, unique } from "./fixtures.ts";

const db = useTestDatabase();

async function users(n: number, prefix: string): Promise<Actor[]> {
  return Promise.all(Array.from({ length: n }, () => db().newUser(unique(prefix))));
}

describe("member_count and follower_count", () => {
  it("stay exact while 40 users join, then 20 leave as 20 others join, all at once on parallel connections", async () => {
    const owner = await db().newUser(unique("owner"));
    const group = await createGroup(db(), owner, { visibility: "public" });
    const first = await users(40, "joiner");
    const results = await Promise.allSettled(first.map((u) => db().rpc(u, "join_group", { group_id: group.id })));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await counts(db(), group.id)).toMatchObject({ stored: 41, actual: 41 });

    const second = await users(20, "late");
    const mixed = await Promise.allSettled([
      ...first.slice(0, 20).map((u) => db().rpc(u, "leave_group", { group_id: group.id })),
      ...second.map((u) => db().rpc(u, "join_group", { group_id: group.id })),
    ]);
    expect(mixed.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await counts(db(), group.id)).toMatchObject({ stored: 41, actual: 41 });
  });

  it("stay exact when one user races duplicate joins: one succeeds, the rest are PT409", async () => {
    const owner = await db().newUser(unique("owner"));
    const group = await createGroup(db(), owner, { visibility: "public" });
    const eager = await db().newUser(unique("eager"));
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => db().rpc(eager, "join_group", { group_id: group.id })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason.code).toBe("PT409");
    }
    expect(await counts(db(), group.id)).toMatchObject({ stored: 2, actual: 2 });
  });

  it("count followers exactly while 30 follow and then 15 unfollow as 10 more follow, concurrently", async () => {
    const owner = await db().newUser(unique("owner"));
    const group = await createGroup(db(), owner, { visibility: "public" });
    const fans = await users(30, "fan");
    const follow = (u: Actor) => db().request(u, (tx) => tx`insert into public.group_follows (group_id) values (${group.id})`);
    const unfollow = (u: Actor) =>
      db().request(u, (tx) => tx`delete from public.group_follows where group_id = ${group.id} and user_id = (select auth.uid())`);
    expect((await Promise.allSettled(fans.map(follow))).filter((r) => r.status === "rejected")).toEqual([]);
    expect(await counts(db(), group.id)).toMatchObject({ followers: 30, actualFollowers: 30 });
    const more = await users(10, "newfan");
    const mixed = await Promise.allSettled([...fans.slice(0, 15).map(unfollow), ...more.map(follow)]);
    expect(mixed.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await counts(db(), group.id)).toMatchObject({ followers: 25, actualFollowers: 25 });
  });

  it("are not writable by clients, and counting does not touch updated_at", async () => {
    const owner = await db().newUser(unique("owner"));
    const group = await createGroup(db(), owner, { visibility: "public" });
    const [before] = await db().admin`select updated_at from public.groups where id = ${group.id}`;
    const joiner = await db().newUser(unique("joiner"));
    await db().rpc(joiner, "join_group", { group_id: group.id });
    const [after] = await db().admin`select updated_at, member_count from public.groups where id = ${group.id}`;
    expect(after).toEqual({ updated_at: before?.updated_at, member_count: 2 });
    await expect(
      db().request(owner, (tx) => tx`update public.groups set member_count = 1000 where id = ${group.id}`),
    ).rejects.toMatchObject({ code: "42501", message: "permission denied for table groups" });
  });
});
