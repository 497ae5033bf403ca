import { describe, expect, it } from "vitest";
import { type Actor, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { createPost, react } from "../posts/fixtures.ts";
import { accept, block, follow, idOf, mute, setPrivate, unblock, unfollow } from "./graph.ts";

const db = useTestDatabase();

let n = 0;
const user = (name: string) => db().newUser(`${name}_${++n}`);

/** The recipient's notifications as the recipient reads them: kind and actor. */
async function inbox(recipient: Actor): Promise<{ kind: string; actor_id: string }[]> {
  const rows = await db().request(
    recipient,
    (tx) => tx<{ kind: string; actor_id: string }[]>`select kind, actor_id from public.notifications order by created_at, kind`,
    { method: "GET", path: "/notifications" },
  );
  return rows.map((r) => ({ ...r }));
}

/** What a workflow (e.g. a comment trigger) would write: private.notify as service_role. */
/** A notification about a post of the recipient's (notifications are written only about what the recipient can see). */
async function notify(recipient: Actor, actor: Actor, kind = "comment"): Promise<void> {
  const post = await createPost(db(), recipient);
  await db().request(
    serviceRole,
    (tx) => tx`select private.notify(${idOf(recipient)}, ${idOf(actor)}, ${kind}::public.notification_kind, ${post.id}::uuid)`,
  );
}

describe("follow notifications", () => {
  it("tell a public profile about a new follower", async () => {
    const [star, fan] = [await user("star"), await user("fan")];
    await follow(db(), fan, star);
    expect(await inbox(star)).toEqual([{ kind: "follow", actor_id: idOf(fan) }]);
    expect(await inbox(fan)).toEqual([]);
  });

  it("tell a private profile about a request, and the requester when it is accepted", async () => {
    const [owner, asker] = [await user("owner"), await user("asker")];
    await setPrivate(db(), owner, true);
    await follow(db(), asker, owner);
    expect(await inbox(owner)).toEqual([{ kind: "follow_request", actor_id: idOf(asker) }]);
    await accept(db(), owner, asker);
    expect(await inbox(asker)).toEqual([{ kind: "follow_accepted", actor_id: idOf(owner) }]);
  });

  it("tell every requester when a private profile goes public", async () => {
    const owner = await user("opening");
    const askers = [await user("asker_a"), await user("asker_b")];
    await setPrivate(db(), owner, true);
    for (const a of askers) await follow(db(), a, owner);
    await setPrivate(db(), owner, false);
    for (const a of askers) expect(await inbox(a)).toEqual([{ kind: "follow_accepted", actor_id: idOf(owner) }]);
  });

  it("go away with the follow: a cancelled request, and an unfollow before the followee read it", async () => {
    const [owner, asker, star, fan] = [await user("owner"), await user("asker"), await user("star"), await user("fan")];
    await setPrivate(db(), owner, true);
    await follow(db(), asker, owner);
    await unfollow(db(), asker, asker, owner);
    expect(await inbox(owner)).toEqual([]);
    await follow(db(), fan, star);
    await unfollow(db(), fan, fan, star);
    expect(await inbox(star)).toEqual([]);
  });

  it("stay once read when the follower leaves later", async () => {
    const [star, fan] = [await user("star"), await user("fan")];
    await follow(db(), fan, star);
    await db().rpc(star, "mark_notifications_read");
    await unfollow(db(), fan, fan, star);
    expect(await inbox(star)).toEqual([{ kind: "follow", actor_id: idOf(fan) }]);
  });
});

describe("a mute", () => {
  it("silences the muted user's follows and requests for the muter, while the muted user sees their follow succeed", async () => {
    const [muter, muted] = [await user("muter"), await user("muted")];
    await mute(db(), muter, muted);
    expect((await follow(db(), muted, muter)).status).toBe("accepted");
    expect(await inbox(muter)).toEqual([]);
    await notify(muter, muted);
    expect(await inbox(muter)).toEqual([]);
  });

  it("is one-way: the muted user still hears from the muter", async () => {
    const [muter, muted] = [await user("muter"), await user("muted")];
    await mute(db(), muter, muted);
    await follow(db(), muter, muted);
    expect(await inbox(muted)).toEqual([{ kind: "follow", actor_id: idOf(muter) }]);
  });

  it("stops silencing when it expires", async () => {
    const [muter, muted] = [await user("muter"), await user("muted")];
    await mute(db(), muter, muted, new Date(Date.now() + 3600_000));
    await db().admin.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update public.mutes set expires_at = now() - interval '1 second' where muter_id = ${idOf(muter)}`;
    });
    await follow(db(), muted, muter);
    expect(await inbox(muter)).toEqual([{ kind: "follow", actor_id: idOf(muted) }]);
  });
});

describe("a block", () => {
  it("suppresses notifications both ways while it stands, and not after", async () => {
    const [blocker, blocked] = [await user("blocker"), await user("blocked")];
    await block(db(), blocker, blocked);
    await notify(blocker, blocked);
    await notify(blocked, blocker);
    expect(await inbox(blocker)).toEqual([]);
    expect(await inbox(blocked)).toEqual([]);
    await unblock(db(), blocker, blocked);
    await notify(blocker, blocked);
    expect(await inbox(blocker)).toEqual([{ kind: "comment", actor_id: idOf(blocked) }]);
  });

  it("removes the blocker's notifications caused by the blocked user alone, and keeps grouped ones others share without the blocked user", async () => {
    const [blocker, blocked, other] = [await user("blocker"), await user("blocked"), await user("other")];
    await follow(db(), blocked, blocker);
    const post = await createPost(db(), blocker);
    for (const actor of [other, blocked]) await react(db(), actor, "like", { post_id: post.id });
    await notify(blocker, blocked, "comment");
    await db().rpc(blocker, "mark_notifications_read");
    await block(db(), blocker, blocked);
    const rows = await db().admin<{ kind: string; actor_id: string; actor_count: number }[]>`
      select kind, actor_id, actor_count from public.notifications where recipient_id = ${idOf(blocker)}`;
    // Issue 14: the grouped one stays, with the other reacting user as its actor and one fewer counted.
    expect(rows.map((r) => ({ ...r }))).toEqual([{ kind: "reaction", actor_id: idOf(other), actor_count: 1 }]);
  });
});
