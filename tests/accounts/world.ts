// A world around one account about to be deleted, built through the API as clients do, and the checks
// that the erasure left nothing behind and every counter exact.
import { expect } from "vitest";
import { indexPosts } from "../discovery/fixtures.ts";
import { createGroup, type GroupRow } from "../groups/fixtures.ts";
import type { Actor, TestDatabase } from "../helpers/db.ts";
import { send, startConversation } from "../messaging/dm.ts";
import { block, follow, mute } from "../people/graph.ts";
import { bookmark, comment, createPost, eventBlock, inDays, type PostRow, react, rsvp } from "../posts/fixtures.ts";

export interface World {
  victim: Actor;
  friend: Actor;
  admin: Actor;
  member: Actor;
  loner: Actor;
  groupWithAdmin: GroupRow;
  groupWithMember: GroupRow;
  groupAlone: GroupRow;
  victimPost: PostRow;
  friendPost: PostRow;
  friendEventPost: PostRow;
  threadComment: string;
  leafComment: string;
  conversation: string;
}

export async function buildWorld(db: TestDatabase, tag: string): Promise<World> {
  const user = (name: string) => db.newUser(`${name}_${tag}`);
  const victim = await user("victim");
  const friend = await user("friend");
  const admin = await user("gadmin");
  const member = await user("gmember");
  const loner = await user("loner");

  // Groups the victim owns: one with an admin (who joined after a member), one with a member only, one alone.
  const groupWithAdmin = await createGroup(db, victim);
  await db.rpc(member, "join_group", { group_id: groupWithAdmin.id });
  await db.rpc(admin, "join_group", { group_id: groupWithAdmin.id });
  await db.rpc(victim, "set_member_role", { group_id: groupWithAdmin.id, user_id: admin.user?.id ?? null, role: "admin" });
  const groupWithMember = await createGroup(db, victim);
  await db.rpc(member, "join_group", { group_id: groupWithMember.id });
  const groupAlone = await createGroup(db, victim);
  await db.rpc(loner, "join_group", { group_id: groupWithAdmin.id });
  await db.request(friend, (tx) => tx`insert into public.group_follows (group_id) values (${groupWithAdmin.id})`);
  await db.request(victim, (tx) => tx`insert into public.group_follows (group_id) values (${groupWithMember.id})`);

  // Content: the victim's post with others' comments, reactions and bookmarks; the victim's comments,
  // reactions, bookmark and RSVP on the friend's posts.
  // The victim's post has a hashtag and mentions the friend; a post of the friend's mentions the victim
  // (both still queued for delivery): search documents, tags and queued mentions are theirs too.
  const mine = "mine #party @friend";
  const victimPost = await createPost(db, victim, {
    blocks: [
      { type: "text", value: mine, meta: { mentions: [{ user_id: friend.user?.id, start: 12, end: 19 }] } },
      eventBlock("My party", inDays(3)),
    ],
  });
  await createPost(db, friend, {
    blocks: [{ type: "text", value: "hi @victim", meta: { mentions: [{ user_id: victim.user?.id, start: 3, end: 10 }] } }],
  });
  await indexPosts(db); // the post-index job has run (decision 0009): the victim's tags and search document exist
  const [indexed] = await db.admin<{ tags: number; documents: number }[]>`select
    (select count(*)::int from private.post_tags where post_id = ${victimPost.id}) as tags,
    (select count(*)::int from private.post_search where post_id = ${victimPost.id}) as documents`;
  expect(indexed).toEqual({ tags: 1, documents: 1 });
  await comment(db, friend, victimPost.id, "nice");
  await react(db, friend, "love", { post_id: victimPost.id });
  await bookmark(db, friend, victimPost.id);
  const friendPost = await createPost(db, friend);
  const threadComment = (await comment(db, victim, friendPost.id, "a thread")).id;
  await comment(db, friend, friendPost.id, "a reply", threadComment);
  const leafComment = (await comment(db, victim, friendPost.id, "a leaf")).id;
  await react(db, victim, "like", { post_id: friendPost.id });
  const friendsComment = await comment(db, friend, friendPost.id, "own comment");
  await react(db, victim, "haha", { comment_id: friendsComment.id });
  await bookmark(db, victim, friendPost.id);
  const friendEventPost = await createPost(db, friend, { blocks: [eventBlock("Friend's talk", inDays(5))] });
  const [event] = await db.admin`select id from public.events where post_id = ${friendEventPost.id}`;
  await rsvp(db, victim, event?.id as string, "going");
  await rsvp(db, friend, event?.id as string, "interested");

  // The graph: follows both ways, a block and a mute each way.
  await follow(db, victim, friend);
  await follow(db, friend, victim);
  await follow(db, member, victim);
  await block(db, victim, loner);
  await mute(db, admin, victim);

  // A conversation with messages both ways.
  const conversation = await startConversation(db, friend, victim);
  await send(db, friend, conversation, "hello");
  await send(db, victim, conversation, "hi back");
  await send(db, victim, conversation, "bye");

  return {
    victim,
    friend,
    admin,
    member,
    loner,
    groupWithAdmin,
    groupWithMember,
    groupAlone,
    victimPost,
    friendPost,
    friendEventPost,
    threadComment,
    leafComment,
    conversation,
  };
}

/** Rows that still name the user, per table and column, across every foreign key to profiles or auth.users. */
export async function rowsNaming(db: TestDatabase, userId: string): Promise<Record<string, number>> {
  const fks = await db.admin<{ tab: string; col: string }[]>`
    select n.nspname || '.' || cl.relname as tab, a.attname as col
    from pg_constraint c
    join pg_class cl on cl.oid = c.conrelid
    join pg_namespace n on n.oid = cl.relnamespace
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
    where c.contype = 'f' and c.confrelid in ('public.profiles'::regclass, 'auth.users'::regclass) and n.nspname <> 'auth'
    order by 1, 2`;
  const found: Record<string, number> = {};
  for (const fk of fks) {
    const [row] = await db.admin.unsafe(`select count(*)::int as n from ${fk.tab} where ${fk.col} = $1`, [userId]);
    if (row?.n) found[`${fk.tab}.${fk.col}`] = row.n;
  }
  for (const [name, query] of Object.entries({
    "private.feed_inbox.user_id": "select count(*)::int as n from private.feed_inbox where user_id = $1",
    "private.feed_inbox_state.user_id": "select count(*)::int as n from private.feed_inbox_state where user_id = $1",
    "private.rate_limit_buckets.user_id": "select count(*)::int as n from private.rate_limit_buckets where user_id = $1",
    "private.post_tags.author_id": "select count(*)::int as n from private.post_tags where author_id = $1",
    "private.mention_queue": "select count(*)::int as n from private.mention_queue where recipient_id = $1 or author_id = $1",
    // a deleted post's search document, tags and index queue row go with it (no foreign key: posts_discovery_after_delete)
    "private.post_search (orphans)":
      "select count(*)::int as n from private.post_search s where not exists (select from public.posts p where p.id = s.post_id) and $1::uuid is not null",
    "private.post_index_queue (orphans)":
      "select count(*)::int as n from private.post_index_queue q where not exists (select from public.posts p where p.id = q.post_id) and $1::uuid is not null",
    "private.post_tags (orphans)":
      "select count(*)::int as n from private.post_tags t where not exists (select from public.posts p where p.id = t.post_id) and $1::uuid is not null",
    "storage.objects": "select count(*)::int as n from storage.objects where owner_id = $1::text or name like $1::text || '/%'",
    "auth.users": "select count(*)::int as n from auth.users where id = $1",
  })) {
    const [row] = await db.admin.unsafe(query, [userId]);
    if (row?.n) found[name] = row.n;
  }
  return found;
}

/** Every counter the database keeps equals a recount of the rows. */
export async function expectCountersExact(db: TestDatabase): Promise<void> {
  const drift = await db.admin`
    select 'profile ' || p.id as what from public.profiles p
    where p.followers_count <> (select count(*) from public.follows f where f.followee_id = p.id and f.status = 'accepted')
       or p.following_count <> (select count(*) from public.follows f where f.follower_id = p.id and f.status = 'accepted')
       or p.posts_count <> (select count(*) from public.posts x where x.author_id = p.id)
    union all
    select 'post ' || x.id from public.posts x
    where x.comment_count <> (select count(*) from public.comments c where c.post_id = x.id and c.deleted_at is null)
       or x.reaction_count <> (select count(*) from public.reactions r where r.post_id = x.id)
    union all
    select 'comment ' || c.id from public.comments c
    where c.reaction_count <> (select count(*) from public.reactions r where r.comment_id = c.id)
    union all
    select 'group ' || g.id from public.groups g
    where g.member_count <> (select count(*) from public.group_members m where m.group_id = g.id and m.status = 'active')
       or g.follower_count <> (select count(*) from public.group_follows gf where gf.group_id = g.id)
    union all
    select 'event ' || e.id from public.events e
    where e.going_count <> (select count(*) from public.event_rsvps r where r.event_id = e.id and r.status = 'going')
       or e.interested_count <> (select count(*) from public.event_rsvps r where r.event_id = e.id and r.status = 'interested')`;
  expect(drift.map((d) => d.what)).toEqual([]);
}
