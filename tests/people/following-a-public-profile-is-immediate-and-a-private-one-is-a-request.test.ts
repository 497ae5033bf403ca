import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { block, counts, expectRefused, follow, idOf, setPrivate, storedFollow } from "./graph.ts";

const db = useTestDatabase();

let publicOwner: Actor;
let privateOwner: Actor;
let fan: Actor;

beforeAll(async () => {
  publicOwner = await db().newUser("public_owner");
  privateOwner = await db().newUser("private_owner");
  await setPrivate(db(), privateOwner, true);
  fan = await db().newUser("fan");
});

describe("following", () => {
  it("is accepted at once for a public profile, with accepted_at, and counted on both profiles", async () => {
    const row = await follow(db(), fan, publicOwner);
    expect(row).toMatchObject({ follower_id: idOf(fan), followee_id: idOf(publicOwner), status: "accepted" });
    expect(row.accepted_at).toBeInstanceOf(Date);
    expect(await counts(db(), publicOwner)).toEqual({ followers: 1, following: 0, posts: 0 });
    expect(await counts(db(), fan)).toMatchObject({ followers: 0, following: 1 });
  });

  it("is a pending request for a private profile, not counted until accepted", async () => {
    const row = await follow(db(), fan, privateOwner);
    expect(row).toMatchObject({ status: "pending", accepted_at: null });
    expect(await counts(db(), privateOwner)).toMatchObject({ followers: 0 });
    expect(await counts(db(), fan)).toMatchObject({ following: 1 });
  });

  it("works the same for a platform admin (no special powers) and for a user whose email is unconfirmed as followee", async () => {
    const admin = await db().makeAdmin(await db().newUser("admin_follows"));
    const unconfirmed = await db().newUser("unconfirmed_followee", { confirm: false });
    expect((await follow(db(), admin, privateOwner)).status).toBe("pending");
    expect((await follow(db(), admin, unconfirmed)).status).toBe("accepted");
  });

  it("lets service_role create a follow whose status the database still decides", async () => {
    const other = await db().newUser("service_follower");
    const [row] = await db().request(
      serviceRole,
      (tx) => tx`insert into public.follows (follower_id, followee_id, status)
        values (${idOf(other)}, ${idOf(privateOwner)}, 'accepted') returning status, accepted_at`,
    );
    expect(row).toEqual({ status: "pending", accepted_at: null });
  });
});

describe("following is refused, and changes nothing,", () => {
  const refused = (action: () => Promise<unknown>, code: string, message: RegExp) => expectRefused(db(), action, code, message);

  it("for anon", async () => {
    await refused(
      () =>
        db().request(anon, (tx) => tx`insert into public.follows (follower_id, followee_id) values (${idOf(fan)}, ${idOf(publicOwner)})`),
      "42501",
      /^permission denied for table follows$/,
    );
  });

  it("for a user whose email is not confirmed", async () => {
    const unconfirmed = await db().newUser("unconfirmed_fan", { confirm: false });
    await refused(() => follow(db(), unconfirmed, publicOwner), "42501", /^confirm your email address before you do this$/);
  });

  it("on behalf of somebody else", async () => {
    const mallory = await db().newUser("mallory");
    const other = await db().newUser("puppet");
    await refused(
      () =>
        db().request(
          mallory,
          (tx) => tx`insert into public.follows (follower_id, followee_id) values (${idOf(other)}, ${idOf(publicOwner)})`,
        ),
      "42501",
      /^you can only follow as yourself$/,
    );
  });

  it("for oneself", async () => {
    await refused(() => follow(db(), fan, fan), "22023", /^you cannot follow yourself$/);
  });

  it("twice, with 23505 naming the follow or the request", async () => {
    await refused(() => follow(db(), fan, publicOwner), "23505", /^you already follow this user$/);
    await refused(() => follow(db(), fan, privateOwner), "23505", /^you already asked to follow this user$/);
  });

  it("for a user who does not exist", async () => {
    await refused(() => follow(db(), fan, randomUUID()), "PT404", /^user not found$/);
  });

  it("when the client tries to choose the status or the timestamps (column grants)", async () => {
    const eager = await db().newUser("eager");
    await refused(
      () => db().request(eager, (tx) => tx`insert into public.follows (followee_id, status) values (${idOf(privateOwner)}, 'accepted')`),
      "42501",
      /^permission denied for table follows$/,
    );
    await refused(
      () =>
        db().request(
          eager,
          (tx) => tx`insert into public.follows (followee_id, created_at) values (${idOf(publicOwner)}, now() - interval '1 year')`,
        ),
      "42501",
      /^permission denied for table follows$/,
    );
  });

  it("across a block, either way, without telling the blocked user about the block", async () => {
    const blocker = await db().newUser("blocker");
    const blocked = await db().newUser("blocked");
    await block(db(), blocker, blocked);
    await refused(() => follow(db(), blocked, blocker), "PT404", /^user not found$/);
    await refused(() => follow(db(), blocker, blocked), "42501", /^you have blocked this user$/);
    await refused(
      () =>
        db().request(
          serviceRole,
          (tx) => tx`insert into public.follows (follower_id, followee_id) values (${idOf(blocked)}, ${idOf(blocker)})`,
        ),
      "PT404",
      /^user not found$/,
    );
  });

  it("as a race: of two identical follows at once, one succeeds and the other gets the same clear error", async () => {
    const racer = await db().newUser("racer");
    const results = await Promise.allSettled([follow(db(), racer, publicOwner), follow(db(), racer, publicOwner)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(loser.reason).toMatchObject({ code: "23505", message: "you already follow this user" });
    expect(await storedFollow(db(), racer, publicOwner)).toMatchObject({ status: "accepted" });
  });
});
