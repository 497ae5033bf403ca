// Reactions: one per user per post or comment, react() replaces the kind; never on what the user
// cannot see nor across a block; the target's author is notified (grouped). Counts by kind on posts and
// comments (and comment_count) stay exact when many connections insert, change and delete at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { block, newUsers, parallelClients, setPrivate } from "../people/graph.ts";
import { comment, contentSnapshot, createPost, idOf, react } from "./fixtures.ts";

const db = useTestDatabase();
const N = 30;
const kinds = ["like", "love", "haha", "wow", "sad", "angry"];
let clients: ReturnType<typeof parallelClients>;
let crowd: Actor[];
let author: Actor;

beforeAll(async () => {
  clients = parallelClients(db(), N + 2);
  crowd = await newUsers(db(), "reactor", N);
  author = await db().newUser("reacted_to");
});

afterAll(async () => {
  await clients.end();
});

/** Posts and comments whose stored counts differ from their rows. */
async function mismatches(): Promise<unknown[]> {
  const rows = await db().admin`
    with actual as (
      select t.id, 'post' as target, t.reaction_count, t.reaction_counts, t.comment_count,
        (select count(*)::int from public.reactions r where r.post_id = t.id) as n,
        (select coalesce(jsonb_object_agg(k.kind, k.n), '{}') from (select r.kind, count(*)::int as n from public.reactions r where r.post_id = t.id group by r.kind) k) as by_kind,
        (select count(*)::int from public.comments c where c.post_id = t.id and c.deleted_at is null) as comments
      from public.posts t
      union all
      select t.id, 'comment', t.reaction_count, t.reaction_counts, 0,
        (select count(*)::int from public.reactions r where r.comment_id = t.id),
        (select coalesce(jsonb_object_agg(k.kind, k.n), '{}') from (select r.kind, count(*)::int as n from public.reactions r where r.comment_id = t.id group by r.kind) k),
        0
      from public.comments t
    )
    select * from actual where reaction_count <> n or reaction_counts <> by_kind or comment_count <> comments`;
  return rows.map((r) => ({ ...r }));
}

async function allAtOnce(actors: Actor[], statement: (i: number) => string, params: (i: number) => unknown[]): Promise<number> {
  const pids = await Promise.all(
    actors.map((actor, i) =>
      clients.request(actor, async (tx) => {
        await tx.unsafe(statement(i), params(i) as never[]);
        const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid, pg_sleep(0.02)`;
        return row?.pid;
      }),
    ),
  );
  return new Set(pids).size;
}

describe("reactions", () => {
  it("are one per user and target: react() replaces the kind, a second insert is a 23505", async () => {
    const post = await createPost(db(), author);
    const [fan] = crowd as [Actor];
    const first = await react(db(), fan, "like", { post_id: post.id });
    const second = await react(db(), fan, "love", { post_id: post.id });
    expect(second).toMatchObject({ id: first.id, kind: "love" });
    await expectDbError(
      db().request(fan, (tx) => tx`insert into public.reactions (post_id, kind) values (${post.id}, 'wow')`),
      "23505",
      /reactions_user_id_post_id_key/,
    );
    await db().request(fan, (tx) => tx`update public.reactions set kind = 'sad' where post_id = ${post.id}`, { method: "PATCH" });
    const [row] = await db().admin`select reaction_count, reaction_counts from public.posts where id = ${post.id}`;
    expect({ ...row }).toEqual({ reaction_count: 1, reaction_counts: { sad: 1 } });
    await expectDbError(react(db(), fan, "meh", { post_id: post.id }), "22P02", /invalid input value for enum reaction_kind/);
    await expectDbError(react(db(), fan, "like", {}), "22023", /exactly one of post_id and comment_id/);
  });

  it("are refused on posts and comments the user cannot see, across a block, and without a confirmed email", async () => {
    const hidden = await db().newUser("hidden_author");
    await setPrivate(db(), hidden, true);
    const secret = await createPost(db(), hidden);
    const open = await createPost(db(), author);
    const talk = await comment(db(), author, open.id, "hi");
    const [blocker, blocked] = [await db().newUser("blocker_r"), await db().newUser("blocked_r")];
    const blockersComment = await comment(db(), blocker, open.id, "mine");
    await block(db(), blocker, blocked);
    const unconfirmed = await db().newUser("unconfirmed_r", { confirm: false });
    const stranger = crowd[1] as Actor;
    const before = await contentSnapshot(db());
    await expectDbError(react(db(), stranger, "like", { post_id: secret.id }), "PT404", /post not found/);
    await expectDbError(react(db(), blocked, "like", { comment_id: blockersComment.id }), "PT404", /comment not found/);
    await expectDbError(react(db(), blocker, "like", { comment_id: "00000000-0000-0000-0000-000000000000" }), "PT404", /comment not found/);
    await expectDbError(react(db(), unconfirmed, "like", { comment_id: talk.id }), "42501", /confirm your email/);
    await expectDbError(
      db().request(
        stranger,
        (tx) => tx`insert into public.reactions (user_id, post_id, kind) values (${idOf(author)}, ${open.id}, 'like')`,
      ),
      "42501",
      /you can only react as yourself/,
    );
    expect(await contentSnapshot(db())).toEqual(before);
  });

  it("notify the target's author once per target while unread, counting the actors", async () => {
    const poster = await db().newUser("notified_r");
    const post = await createPost(db(), poster);
    for (const fan of crowd.slice(0, 3)) await react(db(), fan, "like", { post_id: post.id });
    await react(db(), crowd[0] as Actor, "love", { post_id: post.id });
    const rows = await db().admin`select kind, actor_count, subject_id from public.notifications
      where recipient_id = ${idOf(poster)}`;
    expect(rows.map((r) => ({ ...r }))).toEqual([{ kind: "reaction", actor_count: 3, subject_id: post.id }]);
  });

  it("keep counts exact when 30 users react to one post and one comment at once, change kinds, then remove them", async () => {
    const post = await createPost(db(), author);
    const target = await comment(db(), author, post.id, "react here");
    const backends = await allAtOnce(
      [...crowd, ...crowd],
      (i) => (i < N ? "select public.react(kind := $1, post_id := $2)" : "select public.react(kind := $1, comment_id := $2)"),
      (i) => [kinds[i % kinds.length], i < N ? post.id : target.id],
    );
    expect(backends).toBeGreaterThan(N / 2);
    const [p] = await db().admin`select reaction_count from public.posts where id = ${post.id}`;
    expect(p?.reaction_count).toBe(N);
    expect(await mismatches()).toEqual([]);

    // Half change their kind with react(), half with PATCH; everyone comments at the same time.
    await allAtOnce(
      [...crowd, ...crowd],
      (i) =>
        i < N
          ? i % 2
            ? "select public.react(kind := $1, post_id := $2)"
            : "update public.reactions set kind = $1 where post_id = $2 and user_id = (select auth.uid())"
          : "insert into public.comments (post_id, body) values ($2, $1)",
      (i) => [kinds[(i + 1) % kinds.length], post.id],
    );
    expect(await mismatches()).toEqual([]);

    // Everyone removes both reactions while half delete their comment.
    await allAtOnce(
      [...crowd, ...crowd],
      (i) =>
        i < N
          ? "delete from public.reactions where user_id = (select auth.uid()) and (post_id = $1 or comment_id = $2)"
          : "delete from public.comments where author_id = (select auth.uid()) and post_id = $1 and $2::uuid is not null and random() < 0.5",
      () => [post.id, target.id],
    );
    const [after] = await db().admin`select reaction_count, reaction_counts from public.posts where id = ${post.id}`;
    expect({ ...after }).toEqual({ reaction_count: 0, reaction_counts: {} });
    expect(await mismatches()).toEqual([]);
  });

  it("keep counts exact when one statement writes and removes many reactions (service_role)", async () => {
    const post = await createPost(db(), author);
    const ids = crowd.map(idOf);
    await db().request(
      serviceRole,
      (tx) => tx`insert into public.reactions (user_id, post_id, kind)
        select u, ${post.id}, (array['like', 'love', 'wow'])[1 + (row_number() over ()) % 3]::public.reaction_kind from unnest(${ids}::uuid[]) u`,
    );
    expect(await mismatches()).toEqual([]);
    await db().request(serviceRole, (tx) => tx`update public.reactions set kind = 'haha' where post_id = ${post.id} and kind = 'like'`);
    expect(await mismatches()).toEqual([]);
    await db().request(serviceRole, (tx) => tx`delete from public.posts where id = ${post.id}`);
    expect(await mismatches()).toEqual([]);
  });
});
