// The cast of trust and safety, built only through the API as clients do: a reporter, the reported
// user (author of a profile post, a group post, a comment and a direct message), a bystander, the
// group's owner and admin, the admin of another group, a platform moderator and admin, and helpers
// for acting (report, moderate) the way supabase-js calls them.
import { randomBytes } from "node:crypto";
import { type Actor, serviceRole, type TestDatabase } from "../helpers/db.ts";

// biome-ignore lint/suspicious/noExplicitAny: moderation tests assert results rather than type them
type Loose = any;

/** supabase.rpc(fn, args) without the generated types (test values are asserted, not typed). */
export function rpc<T = Loose>(db: TestDatabase, actor: Actor, fn: string, args: Record<string, unknown> = {}): Promise<T> {
  return db.rpcUnchecked(actor, fn, args) as Promise<T>;
}

/** A set-returning RPC (GET /rpc/fn), without the generated types. */
export function rpcRows<T = Loose>(db: TestDatabase, actor: Actor, fn: string, args: Record<string, unknown> = {}): Promise<T[]> {
  return db.rpcRowsUnchecked(actor, fn, args) as Promise<T[]>;
}

export function unique(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString("hex")}`;
}

export function idOf(actor: Actor): string {
  if (!actor.user) throw new Error("this actor is not a user");
  return actor.user.id;
}

export async function makeModerator(db: TestDatabase, actor: Actor): Promise<Actor> {
  await db.request(serviceRole, (tx) => tx`insert into public.user_roles (user_id, role) values (${idOf(actor)}, 'moderator')`);
  return db.signIn(actor.user as NonNullable<Actor["user"]>);
}

export async function createPost(db: TestDatabase, actor: Actor, text: string, groupId: string | null = null): Promise<string> {
  const [post] = await rpcRows<{ id: string }>(db, actor, "create_post", {
    content: { blocks: [{ type: "text", value: text }] },
    title: groupId ? "A title" : null,
    group_id: groupId,
  });
  return (post as { id: string }).id;
}

export async function comment(db: TestDatabase, actor: Actor, postId: string, body: string): Promise<string> {
  const [row] = await db.request(
    actor,
    (tx) => tx<{ id: string }[]>`insert into public.comments (post_id, body) values (${postId}, ${body}) returning id`,
  );
  return (row as { id: string }).id;
}

export async function createGroup(db: TestDatabase, owner: Actor, visibility: "public" | "private" = "public"): Promise<string> {
  const slug = unique("g").replaceAll("_", "-");
  const [row] = await db.request(
    owner,
    (tx) =>
      tx<
        { id: string }[]
      >`insert into public.groups (kind, slug, name, visibility) values ('generic', ${slug}, 'A Group', ${visibility}) returning id`,
  );
  return (row as { id: string }).id;
}

export async function join(db: TestDatabase, actor: Actor, groupId: string): Promise<void> {
  await rpc(db, actor, "join_group", { group_id: groupId });
}

export async function promote(db: TestDatabase, owner: Actor, groupId: string, member: Actor): Promise<void> {
  await rpc(db, owner, "set_member_role", { group_id: groupId, user_id: idOf(member), role: "admin" });
}

export async function conversationWith(db: TestDatabase, a: Actor, b: Actor): Promise<string> {
  return rpc<string>(db, a, "start_conversation", { other_user: idOf(b) });
}

export async function sendMessage(db: TestDatabase, actor: Actor, conversationId: string, body: string): Promise<string> {
  const [row] = await db.request(
    actor,
    (tx) => tx<{ id: string }[]>`insert into public.messages (conversation_id, body) values (${conversationId}, ${body}) returning id`,
  );
  return (row as { id: string }).id;
}

export function report(
  db: TestDatabase,
  actor: Actor,
  targetKind: string,
  targetId: string,
  category = "spam",
  details: string | null = null,
): Promise<string> {
  return rpc<string>(db, actor, "report", { target_kind: targetKind, target_id: targetId, category, details });
}

export function moderate(
  db: TestDatabase,
  actor: Actor,
  action: string,
  targetKind: string,
  targetId: string,
  reason: string | null,
  extra: { until?: Date | null; report_ids?: string[] | null; group_id?: string | null } = {},
): Promise<string> {
  return rpc<string>(db, actor, "moderate", {
    action,
    target_kind: targetKind,
    target_id: targetId,
    reason,
    until: extra.until ?? null,
    report_ids: extra.report_ids ?? null,
    group_id: extra.group_id ?? null,
  });
}

/** The same call made by an operator in Studio's SQL editor: role postgres, no JWT. */
export async function moderateAsOperator(
  db: TestDatabase,
  action: string,
  targetKind: string,
  targetId: string,
  reason: string | null,
  extra: { until?: Date | null; group_id?: string | null } = {},
): Promise<string> {
  const [row] = await db.admin<{ id: string }[]>`select public.moderate(${action}, ${targetKind}, ${targetId}, ${reason},
    ${extra.until ?? null}, null, ${extra.group_id ?? null}) as id`;
  return (row as { id: string }).id;
}

export interface Cast {
  reporter: Actor;
  reported: Actor;
  bystander: Actor;
  groupOwner: Actor;
  groupAdmin: Actor;
  otherGroupAdmin: Actor;
  moderator: Actor;
  admin: Actor;
  groupId: string;
  otherGroupId: string;
  profilePost: string;
  groupPost: string;
  groupComment: string;
  profileComment: string;
  conversationId: string;
  message: string;
}

export async function castOf(db: TestDatabase): Promise<Cast> {
  const [reporter, reported, bystander, groupOwner, groupAdmin, otherOwner, otherGroupAdmin] = await Promise.all(
    ["rep", "bad", "by", "gown", "gadm", "oown", "oadm"].map((p) => db.newUser(unique(p))),
  );
  const moderator = await makeModerator(db, await db.newUser(unique("mod")));
  const admin = await db.makeAdmin(await db.newUser(unique("adm")));
  const groupId = await createGroup(db, groupOwner as Actor);
  const otherGroupId = await createGroup(db, otherOwner as Actor);
  for (const u of [reporter, reported, groupAdmin, bystander] as Actor[]) await join(db, u, groupId);
  await promote(db, groupOwner as Actor, groupId, groupAdmin as Actor);
  await join(db, otherGroupAdmin as Actor, otherGroupId);
  await promote(db, otherOwner as Actor, otherGroupId, otherGroupAdmin as Actor);
  const profilePost = await createPost(db, reported as Actor, "buy cheap pills");
  const groupPost = await createPost(db, reported as Actor, "spam in the group", groupId);
  const groupComment = await comment(db, reported as Actor, groupPost, "more spam");
  const profileComment = await comment(db, reported as Actor, profilePost, "spam under my own post");
  const conversationId = await conversationWith(db, reported as Actor, reporter as Actor);
  await sendMessage(db, reported as Actor, conversationId, "hello");
  await sendMessage(db, reporter as Actor, conversationId, "hi, who are you?");
  const message = await sendMessage(db, reported as Actor, conversationId, "you will regret it");
  return {
    reporter: reporter as Actor,
    reported: reported as Actor,
    bystander: bystander as Actor,
    groupOwner: groupOwner as Actor,
    groupAdmin: (await db.signIn((groupAdmin as Actor).user as NonNullable<Actor["user"]>)) as Actor,
    otherGroupAdmin: otherGroupAdmin as Actor,
    moderator,
    admin,
    groupId,
    otherGroupId,
    profilePost,
    groupPost,
    groupComment,
    profileComment,
    conversationId,
    message,
  };
}
