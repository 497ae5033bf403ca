// Posts fixtures: creating posts, comments, reactions, RSVPs and bookmarks as clients do, a world of
// actors around a public profile, a private profile and a private group, and a snapshot of everything
// a content write may change (to prove a refused write left nothing behind).
import type { Json } from "../../types/database.ts";
import type { Actor, DriverRow, RpcRow, TestDatabase } from "../helpers/db.ts";

export { idOf } from "../helpers/db.ts";

/** What create_post answers: the new posts row, as PostgREST's JSON. */
export type PostRow = RpcRow<"create_post">;

export const text = (value: string) => ({ type: "text", value });
export const eventBlock = (title: string, start: Date, hours = 2, location = "Town hall") => ({
  type: "event",
  value: { title, start: start.toISOString(), end: new Date(start.getTime() + hours * 3600_000).toISOString(), location },
});
export const inDays = (days: number) => new Date(Date.now() + days * 86400_000);

export async function createPost(
  db: TestDatabase,
  actor: Actor,
  args: { blocks?: unknown[]; title?: string | null; group_id?: string | null; idempotency_key?: string | null } = {},
): Promise<PostRow> {
  // PostgREST answers a function returning a row with that row as an object.
  const rows = await db.rpcRows(actor, "create_post", {
    content: { blocks: args.blocks ?? [text("Hello")] } as Json,
    title: args.title ?? null,
    group_id: args.group_id ?? null,
    idempotency_key: args.idempotency_key ?? null,
  });
  return rows[0] as PostRow;
}

export type CommentRow = DriverRow<"comments", "created_at" | "deleted_at" | "edited_at">;

/** POST /comments with Prefer: return=representation. */
export async function comment(db: TestDatabase, actor: Actor, postId: string, body: string, parentId: string | null = null) {
  const rows = await db.request(
    actor,
    (tx) => tx<CommentRow[]>`insert into public.comments (post_id, parent_id, body) values (${postId}, ${parentId}, ${body}) returning *`,
    { path: "/comments" },
  );
  return rows[0] as CommentRow;
}

/** DELETE /comments?id=eq.… ; returns the rows the response holds. */
export async function deleteComment(db: TestDatabase, actor: Actor, id: string): Promise<number> {
  const rows = await db.request(actor, (tx) => tx`delete from public.comments where id = ${id} returning 1`, {
    method: "DELETE",
    path: "/comments",
  });
  return rows.length;
}

export async function react(db: TestDatabase, actor: Actor, kind: string, target: { post_id?: string; comment_id?: string }) {
  // kind is any string: the tests also send kinds the database must refuse.
  const rows = await db.rpcRowsUnchecked(actor, "react", {
    kind,
    post_id: target.post_id ?? null,
    comment_id: target.comment_id ?? null,
  });
  return rows[0] as RpcRow<"react">;
}

export async function rsvp(db: TestDatabase, actor: Actor, eventId: string, status: string) {
  await db.request(actor, (tx) => tx`insert into public.event_rsvps (event_id, status) values (${eventId}, ${status})`, {
    path: "/event_rsvps",
  });
}

export async function bookmark(db: TestDatabase, actor: Actor, postId: string) {
  await db.request(actor, (tx) => tx`insert into public.bookmarks (post_id) values (${postId})`, { path: "/bookmarks" });
}

/** Everything a content write may touch, read past RLS. */
export async function contentSnapshot(db: TestDatabase): Promise<unknown> {
  const plain = <T>(rows: readonly T[]) => rows.map((r) => ({ ...r }));
  return {
    posts: plain(await db.admin`select * from public.posts order by id`),
    revisions: plain(await db.admin`select * from public.post_revisions order by id`),
    comments: plain(await db.admin`select * from public.comments order by id`),
    reactions: plain(await db.admin`select * from public.reactions order by id`),
    events: plain(await db.admin`select * from public.events order by id`),
    rsvps: plain(await db.admin`select * from public.event_rsvps order by event_id, user_id`),
    bookmarks: plain(await db.admin`select * from public.bookmarks order by user_id, post_id`),
    profiles: plain(await db.admin`select id, posts_count from public.profiles order by id`),
    notifications: plain(await db.admin`select * from public.notifications order by id`),
  };
}
