import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { accept, block, follow, idOf, setPrivate } from "./graph.ts";

const db = useTestDatabase();

// pub (public) ← fan (public), ← shy (private); pub → target.
// priv (private) ← approved (public, accepted), ← hopeful (pending); priv → target.
let pub: Actor;
let fan: Actor;
let shy: Actor;
let priv: Actor;
let approved: Actor;
let hopeful: Actor;
let target: Actor;
let stranger: Actor;
let admin: Actor;
let unconfirmed: Actor;

type Edge = string; // "follower→followee:status" with usernames

let names: Map<string, string>;

async function edges(actor: Actor, column: "follower_id" | "followee_id", of: Actor): Promise<Edge[]> {
  const rows = await db().request(
    actor,
    (tx) => tx<{ follower_id: string; followee_id: string; status: string }[]>`
      select follower_id, followee_id, status from public.follows where ${tx(column)} = ${idOf(of)}`,
    { method: "GET", path: "/follows" },
  );
  return rows.map((r) => `${names.get(r.follower_id)}→${names.get(r.followee_id)}:${r.status}`).sort();
}

const followersOf = (actor: Actor, of: Actor) => edges(actor, "followee_id", of);
const followingOf = (actor: Actor, of: Actor) => edges(actor, "follower_id", of);

beforeAll(async () => {
  pub = await db().newUser("pub");
  fan = await db().newUser("fan");
  shy = await db().newUser("shy");
  priv = await db().newUser("priv");
  approved = await db().newUser("approved");
  hopeful = await db().newUser("hopeful");
  target = await db().newUser("target");
  stranger = await db().newUser("stranger");
  admin = await db().makeAdmin(await db().newUser("platform_admin"));
  unconfirmed = await db().newUser("unconfirmed", { confirm: false });
  await setPrivate(db(), shy, true);
  await setPrivate(db(), priv, true);
  await follow(db(), fan, pub);
  await follow(db(), shy, pub);
  await follow(db(), pub, target);
  await follow(db(), approved, priv);
  await accept(db(), priv, approved);
  await follow(db(), hopeful, priv);
  await follow(db(), priv, target);
  names = new Map([pub, fan, shy, priv, approved, hopeful, target].map((a) => [idOf(a), a.user?.username ?? ""]));
});

describe("the follow lists of a public profile", () => {
  it("are readable by anon, strangers, admins and unconfirmed users, less the follows of private profiles", async () => {
    for (const viewer of [anon, stranger, admin, unconfirmed]) {
      expect(await followersOf(viewer, pub)).toEqual(["fan→pub:accepted"]);
      expect(await followingOf(viewer, pub)).toEqual(["pub→target:accepted"]);
    }
  });

  it("show the owner every follower, and the private follower its own follow", async () => {
    expect(await followersOf(pub, pub)).toEqual(["fan→pub:accepted", "shy→pub:accepted"]);
    expect(await followersOf(shy, pub)).toEqual(["fan→pub:accepted", "shy→pub:accepted"]);
  });
});

describe("the follow lists of a private profile", () => {
  it("are hidden from anon, strangers, admins, unconfirmed users and pending followers", async () => {
    for (const viewer of [anon, stranger, admin, unconfirmed]) {
      expect(await followersOf(viewer, priv)).toEqual([]);
      expect(await followingOf(viewer, priv)).toEqual([]);
    }
    expect(await followersOf(hopeful, priv)).toEqual(["hopeful→priv:pending"]);
    expect(await followingOf(hopeful, priv)).toEqual([]);
  });

  it("are readable by accepted followers", async () => {
    expect(await followersOf(approved, priv)).toEqual(["approved→priv:accepted"]);
    expect(await followingOf(approved, priv)).toEqual(["priv→target:accepted"]);
  });

  it("are readable by the owner, with the pending requests", async () => {
    expect(await followersOf(priv, priv)).toEqual(["approved→priv:accepted", "hopeful→priv:pending"]);
    expect(await followingOf(priv, priv)).toEqual(["priv→target:accepted"]);
  });

  it("never leak through the lists of public profiles (priv's follow of target shows only to who may see priv's lists)", async () => {
    expect(await followersOf(stranger, target)).toEqual(["pub→target:accepted"]);
    expect(await followersOf(approved, target)).toEqual(["priv→target:accepted", "pub→target:accepted"]);
    expect(await followersOf(anon, target)).toEqual(["pub→target:accepted"]);
  });

  it("are all readable by service_role", async () => {
    const rows = await db().request(serviceRole, (tx) => tx`select 1 from public.follows where followee_id = ${idOf(priv)}`);
    expect(rows).toHaveLength(2);
  });
});

describe("pending requests", () => {
  it("are listed to the followee as incoming and to the follower as outgoing, and to nobody else", async () => {
    const pending = (actor: Actor) =>
      db().request(
        actor,
        (tx) => tx<{ follower_id: string; followee_id: string }[]>`
          select follower_id, followee_id from public.follows where status = 'pending'`,
      );
    expect(await pending(priv)).toEqual([{ follower_id: idOf(hopeful), followee_id: idOf(priv) }]);
    expect(await pending(hopeful)).toEqual([{ follower_id: idOf(hopeful), followee_id: idOf(priv) }]);
    for (const viewer of [anon, stranger, admin, approved, pub]) expect(await pending(viewer)).toEqual([]);
  });
});

describe("a block", () => {
  it("hides the blocker's lists from the blocked user, and the blocked user's lists from the blocker", async () => {
    const blocker = await db().newUser("list_blocker");
    const blocked = await db().newUser("list_blocked");
    const watcher = await db().newUser("watcher");
    const other = await db().newUser("other");
    names.set(idOf(blocker), "list_blocker").set(idOf(blocked), "list_blocked").set(idOf(watcher), "watcher").set(idOf(other), "other");
    await follow(db(), watcher, blocker);
    await follow(db(), blocked, other);
    await block(db(), blocker, blocked);
    expect(await followersOf(blocked, blocker)).toEqual([]);
    expect(await followingOf(blocked, watcher)).toEqual([]);
    expect(await followingOf(blocker, blocked)).toEqual([]);
    expect(await followersOf(stranger, blocker)).toEqual(["watcher→list_blocker:accepted"]);
    expect(await followingOf(stranger, blocked)).toEqual(["list_blocked→other:accepted"]);
  });
});
