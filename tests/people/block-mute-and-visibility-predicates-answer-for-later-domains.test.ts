// The predicates in private that policies here, and later posts, comments, reactions, feeds and DMs,
// build on. Called as the API roles do when a policy evaluates them.
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { accept, block, follow, idOf, mute, setPrivate } from "./graph.ts";

const db = useTestDatabase();

let owner: Actor; // private
let pub: Actor; // public
let follower: Actor;
let pending: Actor;
let blocked: Actor; // owner blocks them
let blocker: Actor; // blocks owner
let muted: Actor; // owner mutes them
let stranger: Actor;
let admin: Actor;
let unconfirmed: Actor;

async function ask<T>(actor: Actor, query: string, params: unknown[] = []): Promise<T> {
  const rows = await db().request(actor, (tx) => tx.unsafe(query, params as never[]));
  return (rows[0] as unknown as { v: T }).v;
}

const canSee = (viewer: Actor, of: Actor) => ask<boolean>(viewer, "select private.can_see_profile_content($1) as v", [idOf(of)]);
const ids = (viewer: Actor, fn: string) =>
  ask<string[]>(viewer, `select coalesce(array_agg(x order by x), '{}') as v from private.${fn}() x`);
const sorted = (...actors: Actor[]) => actors.map(idOf).sort();

beforeAll(async () => {
  owner = await db().newUser("owner");
  pub = await db().newUser("pub");
  follower = await db().newUser("follower");
  pending = await db().newUser("pending");
  blocked = await db().newUser("blocked");
  blocker = await db().newUser("blocker");
  muted = await db().newUser("muted");
  stranger = await db().newUser("stranger");
  admin = await db().makeAdmin(await db().newUser("platform_admin"));
  unconfirmed = await db().newUser("unconfirmed", { confirm: false });
  await setPrivate(db(), owner, true);
  for (const a of [follower, pending, muted]) await follow(db(), a, owner);
  await accept(db(), owner, follower);
  await accept(db(), owner, muted);
  await follow(db(), owner, pub);
  await block(db(), owner, blocked);
  await block(db(), blocker, owner);
  await mute(db(), owner, muted);
});

describe("private.can_see_profile_content(owner)", () => {
  it("lets the owner and accepted followers (muted or not) see a private profile's content", async () => {
    for (const viewer of [owner, follower, muted]) expect(await canSee(viewer, owner)).toBe(true);
  });

  it("hides a private profile's content from anon, strangers, admins, unconfirmed and pending followers, and across blocks", async () => {
    for (const viewer of [anon, stranger, admin, unconfirmed, pending, blocked, blocker]) expect(await canSee(viewer, owner)).toBe(false);
  });

  it("shows a public profile's content to everyone but the users a block separates from it", async () => {
    for (const viewer of [anon, stranger, admin, unconfirmed, owner]) expect(await canSee(viewer, pub)).toBe(true);
    await block(db(), pub, stranger);
    expect(await canSee(stranger, pub)).toBe(false);
    expect(await canSee(pub, stranger)).toBe(false);
  });
});

describe("block predicates", () => {
  it("is_blocked_between answers in either direction, and false without a block or a user", async () => {
    const between = (a: Actor, b: Actor) => ask<boolean>(follower, "select private.is_blocked_between($1, $2) as v", [idOf(a), idOf(b)]);
    expect(await between(owner, blocked)).toBe(true);
    expect(await between(blocked, owner)).toBe(true);
    expect(await between(owner, blocker)).toBe(true);
    expect(await between(owner, follower)).toBe(false);
    expect(await ask<boolean>(follower, "select private.is_blocked_between(null, $1) as v", [idOf(owner)])).toBe(false);
  });

  it("users_blocking_me lists who blocks the caller; blocked_by_or_blocking_me both directions; empty without blocks", async () => {
    expect(await ids(owner, "users_blocking_me")).toEqual(sorted(blocker));
    expect(await ids(owner, "blocked_by_or_blocking_me")).toEqual(sorted(blocker, blocked));
    expect(await ids(blocked, "users_blocking_me")).toEqual(sorted(owner));
    expect(await ids(follower, "blocked_by_or_blocking_me")).toEqual([]);
  });
});

describe("follow and mute predicates", () => {
  it("users_i_follow lists accepted follows only", async () => {
    expect(await ids(follower, "users_i_follow")).toEqual(sorted(owner));
    expect(await ids(pending, "users_i_follow")).toEqual([]);
    expect(await ids(owner, "users_i_follow")).toEqual(sorted(pub));
  });

  it("users_i_mute and is_muting honour the muter and expiry", async () => {
    expect(await ids(owner, "users_i_mute")).toEqual(sorted(muted));
    expect(await ids(muted, "users_i_mute")).toEqual([]);
    const isMuting = (a: Actor, b: Actor) => ask<boolean>(stranger, "select private.is_muting($1, $2) as v", [idOf(a), idOf(b)]);
    expect(await isMuting(owner, muted)).toBe(true);
    expect(await isMuting(muted, owner)).toBe(false);
  });

  it("are not callable by anon where they describe a caller", async () => {
    await expect(ids(anon, "users_blocking_me")).rejects.toMatchObject({ code: "42501" });
    await expect(ids(anon, "users_i_mute")).rejects.toMatchObject({ code: "42501" });
  });
});
