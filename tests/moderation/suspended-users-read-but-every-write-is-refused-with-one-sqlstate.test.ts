// A suspended user signs in and reads; every write, by table or RPC, is refused with PT403 naming the
// suspension and its end (no session needs revoking: every write asks the database). Lifting it, or
// its end passing, gives writing back. Only platform moderators and admins suspend; only admins
// suspend a moderator.
import { describe, expect, it } from "vitest";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castOf, createPost, idOf, moderate, moderateAsOperator, rpc, unique } from "./cast.ts";

const db = useTestDatabase();

describe("suspensions", () => {
  it("every write path refuses a suspended user with PT403 and the end; reading goes on", async () => {
    const c = await castOf(db());
    const until = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    const logId = await moderate(db(), c.moderator, "suspend", "profile", idOf(c.reported), "spamming", { until });
    expect(typeof logId).toBe("string");
    const u = c.reported;
    const writes: [string, () => Promise<unknown>][] = [
      ["create_post", () => createPost(db(), u, "more spam")],
      [
        "insert posts",
        () =>
          db().request(u, (tx) => tx`insert into public.posts (content) values (${tx.json({ blocks: [{ type: "text", value: "x" }] })})`),
      ],
      ["update posts", () => db().request(u, (tx) => tx`update public.posts set title = 'edited' where id = ${c.profilePost}`)],
      ["comment", () => db().request(u, (tx) => tx`insert into public.comments (post_id, body) values (${c.groupPost}, 'hi')`)],
      ["react", () => rpc(db(), u, "react", { kind: "like", post_id: c.groupPost })],
      [
        "message",
        () => db().request(u, (tx) => tx`insert into public.messages (conversation_id, body) values (${c.conversationId}, 'hey')`),
      ],
      ["start_conversation", () => rpc(db(), u, "start_conversation", { other_user: idOf(c.bystander) })],
      ["follow", () => db().request(u, (tx) => tx`insert into public.follows (followee_id) values (${idOf(c.bystander)})`)],
      ["profile", () => db().request(u, (tx) => tx`update public.profiles set bio = 'new' where id = ${idOf(u)}`)],
      ["join_group", () => rpc(db(), u, "join_group", { group_id: c.otherGroupId })],
      ["report", () => rpc(db(), u, "report", { target_kind: "profile", target_id: idOf(c.reporter), category: "spam" })],
      ["bookmark", () => db().request(u, (tx) => tx`insert into public.bookmarks (post_id) values (${c.groupPost})`)],
    ];
    for (const [name, write] of writes) {
      const e = await expectDbError(write(), "PT403", /^your account is suspended until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(e.message, name).toContain(until.toISOString().slice(0, 16));
    }
    // Reading goes on: posts, own profile, own account (which shows the suspension).
    expect(await db().request(u, (tx) => tx`select id from public.posts where id = ${c.groupPost}`)).toHaveLength(1);
    const account = await rpc<Record<string, unknown>>(db(), u, "my_account");
    expect(account).toMatchObject({ suspended: true, suspension_reason: "spamming" });
    expect(new Date(account.suspended_until as string).toISOString()).toBe(new Date(until.toISOString().slice(0, 23)).toISOString());
    // Others write as before.
    await createPost(db(), c.bystander, "fine");
  });

  it("a permanent suspension says so; lifting it gives writing back", async () => {
    const c = await castOf(db());
    await moderate(db(), c.admin, "suspend", "profile", idOf(c.reported), "ban evasion");
    await expectDbError(createPost(db(), c.reported, "x"), "PT403", /^your account is suspended permanently$/);
    expect(await rpc(db(), c.reported, "my_account")).toMatchObject({ suspended: true, suspended_until: null });
    await moderate(db(), c.moderator, "unsuspend", "profile", idOf(c.reported), null);
    await createPost(db(), c.reported, "I am back");
    expect(await rpc(db(), c.reported, "my_account")).toMatchObject({ suspended: false });
    await expectDbError(moderate(db(), c.moderator, "unsuspend", "profile", idOf(c.reported), null), "PT409", /not suspended/);
  });

  it("a suspension past its end no longer counts", async () => {
    const c = await castOf(db());
    await moderate(db(), c.moderator, "suspend", "profile", idOf(c.reported), "cool off", { until: new Date(Date.now() + 3600_000) });
    await expectDbError(createPost(db(), c.reported, "x"), "PT403");
    await db().admin`alter table public.suspensions disable trigger suspensions_log`;
    await db().admin`update public.suspensions set until = now() - interval '1 second' where user_id = ${idOf(c.reported)}`;
    await db().admin`alter table public.suspensions enable trigger suspensions_log`;
    await createPost(db(), c.reported, "the week is over");
  });

  it("only platform moderators and admins suspend, only admins suspend a moderator, nobody themselves", async () => {
    const c = await castOf(db());
    const target = idOf(c.bystander);
    for (const actor of [c.reporter, c.reported, c.groupOwner, c.groupAdmin, c.otherGroupAdmin] as Actor[]) {
      await expectDbError(moderate(db(), actor, "suspend", "profile", target, "x"), "42501", /only platform moderators and admins/);
    }
    const otherModerator = await db().newUser(unique("mod2"));
    await db().admin`insert into public.user_roles (user_id, role) values (${idOf(otherModerator)}, 'moderator')`;
    await expectDbError(
      moderate(db(), c.moderator, "suspend", "profile", idOf(otherModerator), "x"),
      "42501",
      /only platform admins can suspend a moderator/,
    );
    await expectDbError(moderate(db(), c.moderator, "suspend", "profile", idOf(c.moderator), "x"), "42501", /cannot moderate yourself/);
    await moderate(db(), c.admin, "suspend", "profile", idOf(otherModerator), "abuse of power");
    expect(await db().admin`select user_id from public.suspensions where user_id in (${idOf(otherModerator)}, ${target})`).toEqual([
      { user_id: idOf(otherModerator) },
    ]);
    // A suspended moderator cannot moderate either.
    await expectDbError(
      moderate(db(), await db().signIn(otherModerator.user as NonNullable<Actor["user"]>), "warn", "profile", target, "x"),
      "PT403",
    );
  });

  it("an operator suspends from Studio with no JWT, and the user reads their own suspension row", async () => {
    const c = await castOf(db());
    await moderateAsOperator(db(), "suspend", "profile", idOf(c.reported), "operator says so");
    await expectDbError(createPost(db(), c.reported, "x"), "PT403");
    expect(await db().request(c.reported, (tx) => tx`select reason from public.suspensions`)).toEqual([{ reason: "operator says so" }]);
    expect(await db().request(c.bystander, (tx) => tx`select reason from public.suspensions`)).toEqual([]);
    expect(
      await db().request(c.moderator, (tx) => tx`select reason from public.suspensions where user_id = ${idOf(c.reported)}`),
    ).toHaveLength(1);
    await expectDbError(
      db().request(c.moderator, (tx) => tx`delete from public.suspensions`),
      "42501",
      /permission denied/,
    );
  });
});
