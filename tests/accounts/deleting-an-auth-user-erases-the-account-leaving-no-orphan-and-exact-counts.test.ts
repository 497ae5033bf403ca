// The database side of an account deletion: whoever deletes the auth.users row (the account function
// through the Auth admin API, or an operator), every table follows the rules of docs/accounts.md, no
// row is left naming the user but the documented tombstones, and every counter stays exact.
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { send } from "../messaging/dm.ts";
import { follow } from "../people/graph.ts";
import { buildWorld, expectCountersExact, rowsNaming, type World } from "./world.ts";

const db = useTestDatabase();
let w: World;
let victimId: string;
const conversationLow = () => [w.victim.user?.id, w.friend.user?.id].sort()[0];

beforeAll(async () => {
  w = await buildWorld(db(), "del");
  victimId = w.victim.user?.id as string;
  await db().deleteAuthUser(victimId);
});

describe("deleting an Auth user", () => {
  it("leaves no row naming the user but the profile tombstone, the conversation and tombstoned messages and comments", async () => {
    expect(await rowsNaming(db(), victimId)).toEqual({
      "public.comments.author_id": 1,
      "public.conversation_participants.other_user_id": 1,
      ...(w.victim.user?.id === conversationLow() ? { "public.conversations.user_low": 1 } : { "public.conversations.user_high": 1 }),
      "public.messages.sender_id": 2,
    });
    const [tombstones] = await db().admin`select
      (select count(*)::int from public.profiles where id = ${victimId} and deleted_at is not null) as profile,
      (select count(*)::int from public.comments where author_id = ${victimId} and deleted_at is null) as live_comments,
      (select count(*)::int from public.messages where sender_id = ${victimId} and body is not null) as live_messages`;
    expect(tombstones).toEqual({ profile: 1, live_comments: 0, live_messages: 0 });
  });

  it("keeps every counter exact", async () => {
    await expectCountersExact(db());
  });

  it("leaves the profile as a tombstone and retires the username for good", async () => {
    const [profile] = await db().request(
      w.friend,
      (tx) => tx`select display_name, bio, avatar_path, dm_policy, deleted_at,
      followers_count, following_count, posts_count from public.profiles where id = ${victimId}`,
    );
    expect(profile).toMatchObject({
      display_name: "Deleted account",
      bio: "",
      avatar_path: null,
      dm_policy: "nobody",
      followers_count: 0,
      following_count: 0,
      posts_count: 0,
    });
    expect(profile?.deleted_at).toBeInstanceOf(Date);
    expect(await db().rpc(w.friend, "username_available", { candidate: w.victim.user?.username ?? null })).toBe(false);
    await expect(db().signUp({ username: w.victim.user?.username as string })).rejects.toThrow(/username is reserved/);
  });

  it("keeps the conversation for the other participant, with the deleted person's messages tombstoned", async () => {
    const messages = await db().request(
      w.friend,
      (tx) => tx`select sender_id, body, deleted_at is not null as deleted
      from public.messages where conversation_id = ${w.conversation} order by seq`,
    );
    expect(messages).toEqual([
      { sender_id: w.friend.user?.id, body: "hello", deleted: false },
      { sender_id: victimId, body: null, deleted: true },
      { sender_id: victimId, body: null, deleted: true },
    ]);
    const inbox = await db().rpcRows(w.friend, "my_conversations");
    expect(inbox.map((c) => [c.conversation_id, c.other_user_id, c.other_display_name])).toEqual([
      [w.conversation, victimId, "Deleted account"],
    ]);
    await expectDbError(send(db(), w.friend, w.conversation, "are you there?"), "PT409", /this account was deleted/);
  });

  it("keeps others' replies under a tombstone of the deleted person's comment, and removes their other comments", async () => {
    const rows = await db().request(
      w.friend,
      (tx) => tx`select id, author_id, body, deleted_at is not null as deleted
      from public.comments where post_id = ${w.friendPost.id} order by created_at`,
    );
    expect(rows.map((r) => [r.id === w.threadComment ? "thread" : r.body, r.deleted])).toEqual([
      ["thread", true],
      ["a reply", false],
      ["own comment", false],
    ]);
    expect(rows[0]?.body).toBe("");
  });

  it("removes their posts with everything on them, their reactions, RSVPs, bookmarks, follows, blocks and mutes", async () => {
    const [left] = await db().admin`select
      (select count(*)::int from public.posts where id = ${w.victimPost.id}) as post,
      (select count(*)::int from public.comments where post_id = ${w.victimPost.id}) as comments_on_it,
      (select count(*)::int from public.bookmarks where post_id = ${w.victimPost.id}) as others_bookmarks,
      (select count(*)::int from public.events where post_id = ${w.victimPost.id}) as event,
      (select count(*)::int from public.event_rsvps r join public.events e on e.id = r.event_id
        where e.post_id = ${w.friendEventPost.id}) as rsvps_left`;
    expect(left).toEqual({ post: 0, comments_on_it: 0, others_bookmarks: 0, event: 0, rsvps_left: 1 });
    const [friend] = await db().admin`select followers_count, following_count from public.profiles where id = ${w.friend.user?.id ?? null}`;
    expect(friend).toEqual({ followers_count: 0, following_count: 0 });
  });

  it("hands owned groups to the longest-standing admin, else the longest-standing member, else archives them", async () => {
    const groups = await db().admin`select g.id, g.status, g.member_count,
        (select m.user_id from public.group_members m where m.group_id = g.id and m.role = 'owner') as owner
      from public.groups g where g.id in (${w.groupWithAdmin.id}, ${w.groupWithMember.id}, ${w.groupAlone.id})`;
    const byId = Object.fromEntries(groups.map((g) => [g.id, { status: g.status, owner: g.owner, member_count: g.member_count }]));
    expect(byId).toEqual({
      [w.groupWithAdmin.id]: { status: "active", owner: w.admin.user?.id, member_count: 3 },
      [w.groupWithMember.id]: { status: "active", owner: w.member.user?.id, member_count: 1 },
      [w.groupAlone.id]: { status: "archived", owner: null, member_count: 0 },
    });
    const roles = await db().admin`select user_id, role from public.user_roles where role = 'group_owner'
      and user_id in (${w.admin.user?.id ?? null}, ${w.member.user?.id ?? null})`;
    expect(roles).toHaveLength(2);
  });

  it("hides an archived group from everyone but platform admins", async () => {
    const seen = await db().request(w.friend, (tx) => tx`select id from public.groups where id = ${w.groupAlone.id}`);
    expect(seen).toEqual([]);
  });

  it("refuses new follows and invitations of the deleted account like an unknown user", async () => {
    await expectDbError(follow(db(), w.friend, victimId), "PT404", /user not found/);
    await expectDbError(
      db().rpc(w.admin as Actor, "invite_to_group", { group_id: w.groupWithAdmin.id, user_id: victimId }),
      "PT404",
      /user not found/,
    );
  });
});
