// Shared arrangements of the discovery tests (issue 17): calls as supabase-js makes them.
import { randomBytes } from "node:crypto";
import type { Actor, TestDatabase } from "../helpers/db.ts";

/** A word no other test writes (lowercase letters only, so every text search configuration keeps it). */
export function word(prefix = "w"): string {
  const letters = [...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join("");
  return `${prefix}${letters}`;
}

/** Runs the post-index job (private.index_posts: search documents and hashtags, pg_cron every second on the platform) until the queue is empty; how many posts it took. */
export const indexPosts = (db: TestDatabase) => runUntilEmpty(db, "private.index_posts(1000)");

/** search_posts as a client calls it a second or more after the last write: the post-index job has run. */
export async function searchPosts(db: TestDatabase, actor: Actor, query: string, cursor: string | null = null, pageSize = 20) {
  await indexPosts(db);
  return db.rpcRows(actor, "search_posts", { query, cursor, page_size: pageSize });
}

export async function searchPeople(db: TestDatabase, actor: Actor, query: string, cursor: string | null = null, pageSize = 20) {
  return db.rpcRows(actor, "search_people", { query, cursor, page_size: pageSize });
}

export async function searchGroups(db: TestDatabase, actor: Actor, query: string, cursor: string | null = null, pageSize = 20) {
  return db.rpcRows(actor, "search_groups", { query, cursor, page_size: pageSize });
}

/** tag_feed a second or more after the last write (the post-index job has run). */
export async function tagFeed(db: TestDatabase, actor: Actor, tag: string, cursor: string | null = null, pageSize = 20) {
  await indexPosts(db);
  return db.rpcRows(actor, "tag_feed", { tag, cursor, page_size: pageSize });
}

/** The ids of the posts a search or tag feed returned, in order. */
export const postIds = (rows: { post_id: string | null }[]) => rows.map((r) => r.post_id);

/** A text block mentioning people: `@name` spans placed where they appear in the text. */
export function mentioning(value: string, people: { id: string; name: string }[]) {
  const mentions = people.map((p) => {
    const at = [...value].join("").indexOf(`@${p.name}`);
    if (at < 0) throw new Error(`@${p.name} is not in the text`);
    const start = [...value.slice(0, at)].length;
    return { user_id: p.id, start, end: start + [...`@${p.name}`].length };
  });
  return { type: "text", value, meta: { mentions } };
}

/** Runs the mention-delivery job (private.deliver_mentions, pg_cron every second on the platform) until the queue is empty; how many rows it took. */
export const deliverMentions = (db: TestDatabase) => runUntilEmpty(db, "private.deliver_mentions(1000)");

/** Runs a queue job's call (returning how many rows it took) until it takes nothing; the total. */
async function runUntilEmpty(db: TestDatabase, call: string): Promise<number> {
  let taken = 0;
  for (;;) {
    const [row] = await db.admin.unsafe<{ n: number }[]>(`select ${call} as n`);
    if (!row?.n) return taken;
    taken += row.n;
  }
}

/** New confirmed, signed-in users, one per username, in order. */
export async function users<const N extends readonly string[]>(db: TestDatabase, ...names: N): Promise<{ [K in keyof N]: Actor }> {
  return (await Promise.all(names.map((n) => db.newUser(n)))) as { [K in keyof N]: Actor };
}
