// Helpers for the people tests: acting on the social graph as clients do (PostgREST requests on
// the tables), and a snapshot of everything the graph touches, to prove a refused action changed nothing.
import postgres from "postgres";
import { expect } from "vitest";
import { type Actor, type DriverRow, idOf, type TestDatabase, type Tx } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

export { idOf };

export type FollowRow = Pick<DriverRow<"follows", "accepted_at">, "follower_id" | "followee_id" | "status" | "accepted_at">;

/** POST /follows {followee_id} with Prefer: return=representation. */
export async function follow(db: TestDatabase, actor: Actor, target: Actor | string): Promise<FollowRow> {
  const followee = typeof target === "string" ? target : idOf(target);
  const rows = await db.request(
    actor,
    (tx) => tx<FollowRow[]>`insert into public.follows (followee_id) values (${followee})
      returning follower_id, followee_id, status, accepted_at`,
    { path: "/follows" },
  );
  return rows[0] as FollowRow;
}

/** PATCH /follows?follower_id=eq.…&followee_id=eq.<me> {status: accepted}; returns the rows changed. */
export async function accept(db: TestDatabase, actor: Actor, follower: Actor, followee: Actor = actor): Promise<number> {
  const rows = await db.request(
    actor,
    (tx) => tx`update public.follows set status = 'accepted'
      where follower_id = ${idOf(follower)} and followee_id = ${idOf(followee)} returning 1`,
    { method: "PATCH", path: "/follows" },
  );
  return rows.length;
}

/** DELETE /follows?follower_id=eq.…&followee_id=eq.…; returns the rows deleted. */
export async function unfollow(db: TestDatabase, actor: Actor, follower: Actor, followee: Actor): Promise<number> {
  const rows = await db.request(
    actor,
    (tx) => tx`delete from public.follows where follower_id = ${idOf(follower)} and followee_id = ${idOf(followee)} returning 1`,
    { method: "DELETE", path: "/follows" },
  );
  return rows.length;
}

export async function block(db: TestDatabase, actor: Actor, target: Actor | string): Promise<void> {
  const blocked = typeof target === "string" ? target : idOf(target);
  await db.request(actor, (tx) => tx`insert into public.blocks (blocked_id) values (${blocked})`, { path: "/blocks" });
}

export async function unblock(db: TestDatabase, actor: Actor, target: Actor): Promise<number> {
  const rows = await db.request(actor, (tx) => tx`delete from public.blocks where blocked_id = ${idOf(target)} returning 1`, {
    method: "DELETE",
    path: "/blocks",
  });
  return rows.length;
}

export async function mute(db: TestDatabase, actor: Actor, target: Actor | string, expiresAt: Date | null = null): Promise<void> {
  const muted = typeof target === "string" ? target : idOf(target);
  await db.request(actor, (tx) => tx`insert into public.mutes (muted_id, expires_at) values (${muted}, ${expiresAt})`, {
    path: "/mutes",
  });
}

export async function setPrivate(db: TestDatabase, actor: Actor, isPrivate: boolean): Promise<void> {
  await db.request(actor, (tx) => tx`update public.profiles set is_private = ${isPrivate} where id = ${idOf(actor)}`, {
    method: "PATCH",
    path: "/profiles",
  });
}

/** What the database holds about a follow, read past RLS. */
export async function storedFollow(db: TestDatabase, follower: Actor, followee: Actor): Promise<FollowRow | undefined> {
  const rows = await db.admin<FollowRow[]>`select follower_id, followee_id, status, accepted_at from public.follows
    where follower_id = ${idOf(follower)} and followee_id = ${idOf(followee)}`;
  return rows[0];
}

export interface Counts {
  followers: number;
  following: number;
  posts: number;
}

export async function counts(db: TestDatabase, actor: Actor | string): Promise<Counts> {
  const id = typeof actor === "string" ? actor : idOf(actor);
  const [row] = await db.admin<Counts[]>`select followers_count as followers, following_count as following, posts_count as posts
    from public.profiles where id = ${id}`;
  if (!row) throw new Error(`no profile ${id}`);
  return { ...row };
}

/** Everything the social graph writes, read past RLS: compare before and after a refused action. */
export async function graphSnapshot(db: TestDatabase): Promise<unknown> {
  const plain = <T>(rows: readonly T[]) => rows.map((r) => ({ ...r }));
  return {
    follows: plain(await db.admin`select * from public.follows order by follower_id, followee_id`),
    blocks: plain(await db.admin`select * from public.blocks order by blocker_id, blocked_id`),
    mutes: plain(await db.admin`select * from public.mutes order by muter_id, muted_id`),
    profiles: plain(await db.admin`select * from public.profiles order by id`),
    notifications: plain(await db.admin`select * from public.notifications order by id`),
  };
}

/**
 * A PostgREST-like client with its own pool of `size` connections, so that many requests truly run
 * at once (the shared harness keeps a small pool).
 */
export function parallelClients(db: TestDatabase, size: number) {
  const url = new URL(db.url);
  url.username = "authenticator";
  url.password = "";
  const sql = postgres(url.toString(), { max: size, onnotice: () => {} });
  return {
    async request<T>(actor: Actor, body: (tx: Tx) => Promise<T>): Promise<T> {
      const result = await sql.begin(async (tx) => {
        await tx`select
          set_config('search_path', '"public", "extensions"', true),
          set_config('role', ${actor.role}, true),
          set_config('request.jwt.claims', ${JSON.stringify(actor.claims)}, true),
          set_config('request.method', 'POST', true),
          set_config('request.path', '/follows', true),
          set_config('request.headers', '{}', true)`;
        return body(tx);
      });
      return result as T;
    },
    end: () => sql.end(),
  };
}

/** n confirmed, signed-in users named prefix_0 … prefix_{n-1}. */
export async function newUsers(db: TestDatabase, prefix: string, n: number): Promise<Actor[]> {
  const users: Actor[] = [];
  for (let i = 0; i < n; i++) users.push(await db.newUser(`${prefix}_${i}`));
  return users;
}

/** The action fails with exactly this SQLSTATE and message, and the graph is as it was before. */
export async function expectRefused(db: TestDatabase, action: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const before = await graphSnapshot(db);
  await expectDbError(action(), code, message);
  expect(await graphSnapshot(db)).toEqual(before);
}

/** The action succeeds but touches nothing (RLS hid every row from the caller). */
export async function expectNoEffect(db: TestDatabase, action: () => Promise<number>): Promise<void> {
  const before = await graphSnapshot(db);
  expect(await action()).toBe(0);
  expect(await graphSnapshot(db)).toEqual(before);
}
