import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { accept, block, follow, idOf, mute, setPrivate } from "./graph.ts";

const db = useTestDatabase();

const none = { following: false, followed_by: false, requested: false, requested_by: false, blocking: false, muting: false };

let owner: Actor; // private profile
let follower: Actor;
let pending: Actor;
let blocked: Actor; // the owner blocks them
let blocker: Actor; // blocks the owner
let muted: Actor; // the owner mutes them
let stranger: Actor;

function relationship(actor: Actor, other: Actor | string | null): Promise<unknown> {
  return db().rpc(actor, "relationship", { other: other === null || typeof other === "string" ? other : idOf(other) });
}

beforeAll(async () => {
  owner = await db().newUser("owner");
  follower = await db().newUser("follower");
  pending = await db().newUser("pending");
  blocked = await db().newUser("blocked");
  blocker = await db().newUser("blocker");
  muted = await db().newUser("muted");
  stranger = await db().newUser("stranger");
  await setPrivate(db(), owner, true);
  await follow(db(), follower, owner);
  await accept(db(), owner, follower);
  await follow(db(), owner, follower);
  await follow(db(), pending, owner);
  await follow(db(), blocked, owner);
  await accept(db(), owner, blocked);
  await block(db(), owner, blocked);
  await follow(db(), owner, blocker);
  await follow(db(), blocker, owner);
  await accept(db(), owner, blocker);
  await block(db(), blocker, owner);
  await mute(db(), owner, muted);
  await follow(db(), muted, owner);
  await accept(db(), owner, muted);
});

describe("relationship(other)", () => {
  it("shows mutual follows from both sides", async () => {
    expect(await relationship(owner, follower)).toEqual({ ...none, following: true, followed_by: true });
    expect(await relationship(follower, owner)).toEqual({ ...none, following: true, followed_by: true });
  });

  it("shows a pending request as requested to its sender and requested_by to the private profile", async () => {
    expect(await relationship(pending, owner)).toEqual({ ...none, requested: true });
    expect(await relationship(owner, pending)).toEqual({ ...none, requested_by: true });
  });

  it("shows the blocker its block, and shows the blocked user nothing at all", async () => {
    expect(await relationship(owner, blocked)).toEqual({ ...none, blocking: true });
    expect(await relationship(blocked, owner)).toEqual(none);
  });

  it("reads all false for a user who blocks the caller, exactly like a stranger or an unknown id", async () => {
    expect(await relationship(owner, blocker)).toEqual(none);
    expect(await relationship(owner, stranger)).toEqual(none);
    expect(await relationship(owner, randomUUID())).toEqual(none);
    expect(await relationship(owner, null)).toEqual(none);
    expect(await relationship(blocker, owner)).toEqual({ ...none, blocking: true });
  });

  it("shows the muter its mute, and the muted user only the follow", async () => {
    expect(await relationship(owner, muted)).toEqual({ ...none, followed_by: true, muting: true });
    expect(await relationship(muted, owner)).toEqual({ ...none, following: true });
  });

  it("answers a platform admin and an unconfirmed user about their own relationships only", async () => {
    const admin = await db().makeAdmin(await db().newUser("platform_admin"));
    const unconfirmed = await db().newUser("unconfirmed", { confirm: false });
    expect(await relationship(admin, owner)).toEqual(none);
    expect(await relationship(unconfirmed, owner)).toEqual(none);
    await follow(db(), admin, follower);
    expect(await relationship(admin, follower)).toEqual({ ...none, following: true });
    expect(await relationship(follower, admin)).toEqual({ ...none, followed_by: true });
  });

  it("is refused to anon and service_role, which have no side in a relationship", async () => {
    await expectDbError(relationship(anon, owner), "42501", /^permission denied for function relationship$/);
    await expectDbError(relationship(serviceRole, owner), "42501", /^permission denied for function relationship$/);
  });
});
