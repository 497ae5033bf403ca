// Counts are kept by triggers (`n = n ± 1` under the profile row lock, rows locked in id order).
// These tests run many requests at once on separate connections, each holding its transaction open a
// little after writing, and compare every count with a count of the rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { counts, idOf, newUsers, parallelClients, setPrivate } from "./graph.ts";

const db = useTestDatabase();
const N = 30;

let clients: ReturnType<typeof parallelClients>;
let crowd: Actor[];

beforeAll(async () => {
  clients = parallelClients(db(), N + 2);
  crowd = await newUsers(db(), "crowd", N);
});

afterAll(async () => {
  await clients.end();
});

/** One request per actor, all at once; returns the distinct backends that served them. */
async function allAtOnce(actors: Actor[], statement: (actor: Actor, i: number) => string, params: (actor: Actor, i: number) => string[]) {
  const pids = await Promise.all(
    actors.map((actor, i) =>
      clients.request(actor, async (tx) => {
        await tx.unsafe(statement(actor, i), params(actor, i));
        const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid, pg_sleep(0.02)`;
        return row?.pid;
      }),
    ),
  );
  return new Set(pids).size;
}

/** Profiles whose stored counts differ from the accepted follows in the table. */
async function countMismatches(): Promise<unknown[]> {
  const rows = await db().admin`
    select p.id, p.followers_count, p.following_count,
           (select count(*) from public.follows f where f.followee_id = p.id and f.status = 'accepted')::int as followers,
           (select count(*) from public.follows f where f.follower_id = p.id and f.status = 'accepted')::int as following
    from public.profiles p
    where p.followers_count <> (select count(*) from public.follows f where f.followee_id = p.id and f.status = 'accepted')
       or p.following_count <> (select count(*) from public.follows f where f.follower_id = p.id and f.status = 'accepted')`;
  return rows.map((r) => ({ ...r }));
}

const followSql = "insert into public.follows (followee_id) values ($1)";
const unfollowSql = "delete from public.follows where follower_id = (select auth.uid()) and followee_id = $1";

describe("follower and following counts under concurrency", () => {
  it("are exact when 30 users follow one profile at once, and when they all unfollow at once", async () => {
    const star = await db().newUser("star");
    const backends = await allAtOnce(
      crowd,
      () => followSql,
      () => [idOf(star)],
    );
    expect(backends).toBeGreaterThan(N / 2);
    expect(await counts(db(), star)).toMatchObject({ followers: N });
    for (const fan of crowd) expect(await counts(db(), fan)).toMatchObject({ following: 1 });
    expect(await countMismatches()).toEqual([]);

    await allAtOnce(
      crowd,
      () => unfollowSql,
      () => [idOf(star)],
    );
    expect(await counts(db(), star)).toMatchObject({ followers: 0 });
    expect(await countMismatches()).toEqual([]);
  });

  it("are exact, without deadlocks, when users follow each other in a ring while others follow and unfollow a hub", async () => {
    const hub = await db().newUser("hub");
    const half = crowd.slice(0, N / 2);
    await allAtOnce(
      half,
      () => followSql,
      () => [idOf(hub)],
    );
    // Everyone follows the next user in the ring; the first half leaves the hub, the second half joins it.
    await allAtOnce(
      [...crowd, ...crowd],
      (_actor, i) => (i < N ? followSql : i - N < N / 2 ? unfollowSql : followSql),
      (_actor, i) => [i < N ? idOf(crowd[(i + 1) % N] as Actor) : idOf(hub)],
    );
    expect(await counts(db(), hub)).toMatchObject({ followers: N / 2 });
    for (const user of crowd) expect(await counts(db(), user)).toMatchObject({ followers: 1 });
    expect(await countMismatches()).toEqual([]);
  });

  it("are exact when a private profile's owner accepts requests while other requesters cancel theirs", async () => {
    const owner = await db().newUser("popular_private");
    await setPrivate(db(), owner, true);
    await allAtOnce(
      crowd,
      () => followSql,
      () => [idOf(owner)],
    );
    expect(await counts(db(), owner)).toMatchObject({ followers: 0 });
    const accepters = crowd.filter((_, i) => i % 2 === 0);
    const cancellers = crowd.filter((_, i) => i % 2 === 1);
    await allAtOnce(
      [...accepters.map(() => owner), ...cancellers],
      (_actor, i) =>
        i < accepters.length
          ? "update public.follows set status = 'accepted' where follower_id = $1 and followee_id = (select auth.uid())"
          : unfollowSql,
      (_actor, i) => [i < accepters.length ? idOf(accepters[i] as Actor) : idOf(owner)],
    );
    expect(await counts(db(), owner)).toMatchObject({ followers: accepters.length });
    expect(await countMismatches()).toEqual([]);
  });

  it("are exact, and no request stays pending, when a private profile goes public while users follow it", async () => {
    const owner = await db().newUser("opening_up");
    await setPrivate(db(), owner, true);
    const requests = crowd.map((fan) => clients.request(fan, (tx) => tx.unsafe(followSql, [idOf(owner)])));
    const opening = clients.request(owner, (tx) => tx`update public.profiles set is_private = false where id = (select auth.uid())`);
    await Promise.all([...requests, opening]);
    const [pending] = await db().admin<{ n: number }[]>`
      select count(*)::int as n from public.follows where followee_id = ${idOf(owner)} and status = 'pending'`;
    expect(pending?.n).toBe(0);
    expect(await counts(db(), owner)).toMatchObject({ followers: N });
    expect(await countMismatches()).toEqual([]);
  });

  it("are exact when one statement writes many follows at once (a bulk load as service_role), both ways", async () => {
    const ids = crowd.map(idOf);
    await db().request(
      serviceRole,
      (tx) => tx`delete from public.follows where follower_id = any (${ids}::uuid[]) or followee_id = any (${ids}::uuid[])`,
    );
    expect(await countMismatches()).toEqual([]);
    // Every crowd member follows every other one: each profile gets N - 1 followers and follows N - 1.
    await db().request(
      serviceRole,
      (tx) => tx`insert into public.follows (follower_id, followee_id)
        select a, b from unnest(${ids}::uuid[]) a, unnest(${ids}::uuid[]) b where a <> b`,
    );
    expect(await countMismatches()).toEqual([]);
    for (const user of crowd) expect(await counts(db(), user)).toMatchObject({ followers: N - 1, following: N - 1 });
    await db().request(serviceRole, (tx) => tx`delete from public.follows where follower_id = any (${ids}::uuid[])`);
    expect(await countMismatches()).toEqual([]);
    for (const user of crowd) expect(await counts(db(), user)).toMatchObject({ following: 0 });
  });
});
