// Helpers for the messaging tests: acting as supabase-js clients do (RPCs and PostgREST requests on
// public.messages), and a snapshot of everything messaging touches, to prove a refused action
// changed nothing.
import { expect } from "vitest";
import type { Actor, DriverRow, RpcRow, TestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

export { block, follow, idOf, mute, unblock } from "../people/graph.ts";

/** A messages row as postgres.js reads it (seq is bigint: a string). */
export type MessageRow = Omit<DriverRow<"messages", "created_at" | "edited_at" | "deleted_at">, "seq"> & { seq: string };

/** One row of my_conversations, as PostgREST answers it. */
export type ConversationItem = RpcRow<"my_conversations">;

function other(target: Actor | string): string {
  if (typeof target === "string") return target;
  if (!target.user) throw new Error("this actor has no user");
  return target.user.id;
}

/** supabase.rpc('start_conversation', { other_user }). */
export function startConversation(db: TestDatabase, actor: Actor, target: Actor | string): Promise<string> {
  return db.rpc(actor, "start_conversation", { other_user: other(target) });
}

/** supabase.from('messages').insert({ conversation_id, body }).select().single(). */
export async function send(db: TestDatabase, actor: Actor, conversationId: string, body: string): Promise<MessageRow> {
  const rows = await db.request(
    actor,
    (tx) => tx<MessageRow[]>`insert into public.messages (conversation_id, body) values (${conversationId}, ${body}) returning *`,
    { path: "/messages" },
  );
  return rows[0] as MessageRow;
}

/** supabase.from('messages').update({ body }).eq('id', id).select(); returns the rows changed. */
export function edit(db: TestDatabase, actor: Actor, messageId: string, body: string): Promise<MessageRow[]> {
  return db.request(actor, (tx) => tx<MessageRow[]>`update public.messages set body = ${body} where id = ${messageId} returning *`, {
    method: "PATCH",
    path: "/messages",
  });
}

export function deleteMessage(db: TestDatabase, actor: Actor, messageId: string): Promise<unknown> {
  return db.rpc(actor, "delete_message", { message_id: messageId });
}

export function accept(db: TestDatabase, actor: Actor, conversationId: string): Promise<unknown> {
  return db.rpc(actor, "accept_message_request", { conversation_id: conversationId });
}

export function decline(db: TestDatabase, actor: Actor, conversationId: string): Promise<unknown> {
  return db.rpc(actor, "decline_message_request", { conversation_id: conversationId });
}

export function markRead(db: TestDatabase, actor: Actor, conversationId: string): Promise<number> {
  return db.rpc(actor, "mark_conversation_read", { conversation_id: conversationId });
}

export function inbox(
  db: TestDatabase,
  actor: Actor,
  options: { cursor?: string | null; pageSize?: number; requests?: boolean } = {},
): Promise<ConversationItem[]> {
  return db.rpcRows(actor, "my_conversations", {
    cursor: options.cursor ?? null,
    page_size: options.pageSize ?? 30,
    requests: options.requests ?? false,
  });
}

export function requestInbox(db: TestDatabase, actor: Actor): Promise<ConversationItem[]> {
  return inbox(db, actor, { requests: true });
}

export function messagesOf(
  db: TestDatabase,
  actor: Actor,
  conversationId: string,
  options: { cursor?: string | null; pageSize?: number } = {},
): Promise<RpcRow<"conversation_messages">[]> {
  return db.rpcRows(actor, "conversation_messages", {
    conversation_id: conversationId,
    cursor: options.cursor ?? null,
    page_size: options.pageSize ?? 30,
  });
}

/** What a client reads of the messaging tables through PostgREST (RLS applies). */
export async function visibleTo(db: TestDatabase, actor: Actor, conversationId: string) {
  return db.request(
    actor,
    async (tx) => ({
      conversations: (await tx`select id from public.conversations where id = ${conversationId}`).length,
      participants: (await tx`select user_id from public.conversation_participants where conversation_id = ${conversationId}`).length,
      messages: (await tx`select id from public.messages where conversation_id = ${conversationId}`).length,
    }),
    { method: "GET" },
  );
}

/** The state of one side of a conversation, read past RLS. */
export async function sideOf(db: TestDatabase, actor: Actor, conversationId: string) {
  const [row] = await db.admin<{ state: string; last_read_seq: string }[]>`
    select state, last_read_seq from public.conversation_participants
    where conversation_id = ${conversationId} and user_id = ${other(actor)}`;
  return row ? { ...row } : undefined;
}

/** Everything messaging writes, read past RLS: compare before and after a refused action. */
export async function dmSnapshot(db: TestDatabase): Promise<unknown> {
  const plain = <T>(rows: readonly T[]) => rows.map((r) => ({ ...r }));
  return {
    conversations: plain(await db.admin`select * from public.conversations order by id`),
    participants: plain(await db.admin`select * from public.conversation_participants order by conversation_id, user_id`),
    messages: plain(await db.admin`select * from public.messages order by id`),
    notifications: plain(await db.admin`select * from public.notifications order by id`),
    broadcasts: plain(await db.admin`select topic, event, payload from realtime.messages where event <> 'probe' order by id`),
  };
}

/** The action fails with exactly this SQLSTATE and message, and nothing messaging owns changed. */
export async function expectRefused(db: TestDatabase, action: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const before = await dmSnapshot(db);
  await expectDbError(action(), code, message);
  expect(await dmSnapshot(db)).toEqual(before);
}

/** The action succeeds but changes nothing (RLS hid every row from the caller). */
export async function expectNoEffect(db: TestDatabase, action: () => Promise<unknown[]>): Promise<void> {
  const before = await dmSnapshot(db);
  expect(await action()).toEqual([]);
  expect(await dmSnapshot(db)).toEqual(before);
}

export async function setDmPolicy(db: TestDatabase, actor: Actor, policy: "everyone" | "followers" | "nobody"): Promise<void> {
  await db.request(actor, (tx) => tx`update public.profiles set dm_policy = ${policy} where id = ${other(actor)}`, {
    method: "PATCH",
    path: "/profiles",
  });
}
