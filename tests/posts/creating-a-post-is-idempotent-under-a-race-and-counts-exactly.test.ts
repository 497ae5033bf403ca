// create_post: a retried create (even many at once, on separate connections) returns the first post and
// never posts twice; the key is per author; posts_count follows inserts and deletes exactly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { parallelClients } from "../people/graph.ts";
import { contentSnapshot, createPost, idOf, type PostRow, text } from "./fixtures.ts";

const db = useTestDatabase();
let clients: ReturnType<typeof parallelClients>;
let author: Actor;

beforeAll(async () => {
  clients = parallelClients(db(), 24);
  author = await db().newUser("retrier");
});

afterAll(async () => {
  await clients.end();
});

async function postsCount(actor: Actor): Promise<{ stored: number; actual: number }> {
  const [row] = await db().admin<{ stored: number; actual: number }[]>`
    select p.posts_count as stored, (select count(*)::int from public.posts x where x.author_id = p.id) as actual
    from public.profiles p where p.id = ${idOf(actor)}`;
  return row as { stored: number; actual: number };
}

describe("create_post", () => {
  it("returns the created post with the caller as author", async () => {
    const post = await createPost(db(), author, { blocks: [text("first")], title: "Hi" });
    expect(post).toMatchObject({ author_id: idOf(author), title: "Hi", group_id: null, edited_at: null, comment_count: 0 });
    expect(await postsCount(author)).toEqual({ stored: 1, actual: 1 });
  });

  it("returns the first post for a retry with the same key, even when the retry carries other content", async () => {
    const first = await createPost(db(), author, { blocks: [text("once")], idempotency_key: "k-1" });
    const again = await createPost(db(), author, { blocks: [text("twice?")], idempotency_key: "k-1" });
    expect(again.id).toBe(first.id);
    expect(again.content).toEqual({ blocks: [text("once")] });
    const [n] = await db().admin<{ n: number }[]>`select count(*)::int as n from public.posts where idempotency_key = 'k-1'`;
    expect(n?.n).toBe(1);
  });

  it("posts once when 20 retries with one key race on separate connections", async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        clients.request(author, async (tx) => {
          const [row] = await tx<PostRow[]>`select * from public.create_post(
            content := ${tx.json({ blocks: [text(`race ${i}`)] })}, idempotency_key := 'race-key')`;
          await tx`select pg_sleep(0.01)`;
          return row?.id;
        }),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    const [n] = await db().admin<{ n: number }[]>`select count(*)::int as n from public.posts where idempotency_key = 'race-key'`;
    expect(n?.n).toBe(1);
    expect(await postsCount(author)).toMatchObject({ stored: (await postsCount(author)).actual });
  });

  it("keeps keys per author: another author's same key makes another post", async () => {
    const other = await db().newUser("other_retrier");
    const mine = await createPost(db(), author, { idempotency_key: "shared" });
    const theirs = await createPost(db(), other, { idempotency_key: "shared" });
    expect(theirs.id).not.toBe(mine.id);
    expect(theirs.author_id).toBe(idOf(other));
  });

  it("refuses anon (no grant), an unconfirmed user and an invalid key, leaving nothing behind", async () => {
    const unconfirmed = await db().newUser("unconfirmed_poster", { confirm: false });
    const before = await contentSnapshot(db());
    await expectDbError(
      db().rpcRows({ role: "anon", claims: { role: "anon" } }, "create_post", { content: { blocks: [text("x")] } }),
      "42501",
      /permission denied for function create_post/,
    );
    await expectDbError(createPost(db(), unconfirmed), "42501", /confirm your email address/);
    await expectDbError(createPost(db(), author, { idempotency_key: "" }), "23514", /posts_idempotency_key_length/);
    await expectDbError(createPost(db(), author, { blocks: [] }), "22023", /content: blocks must hold 1–50 blocks/);
    await expectDbError(db().rpcRows(author, "create_post", { content: { blocks: "x" } }), "22023", /content: blocks must be an array/);
    await expectDbError(db().rpcRows(author, "create_post", { content: "x" }), "22023", /content: must be a JSON object/);
    expect(await contentSnapshot(db())).toEqual(before);
  });

  it("keeps posts_count exact when 20 posts are written at once and when a statement deletes many", async () => {
    const writer = await db().newUser("prolific");
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        clients.request(writer, (tx) => tx`select public.create_post(content := ${tx.json({ blocks: [text(`p${i}`)] })})`),
      ),
    );
    expect(await postsCount(writer)).toEqual({ stored: 20, actual: 20 });
    await db().request(
      writer,
      (tx) => tx`delete from public.posts where author_id = ${idOf(writer)} and content->'blocks'->0->>'value' like 'p1%'`,
      {
        method: "DELETE",
      },
    );
    expect(await postsCount(writer)).toEqual({ stored: 9, actual: 9 });
    await db().request(serviceRole, (tx) => tx`delete from public.posts where author_id = ${idOf(writer)}`);
    expect(await postsCount(writer)).toEqual({ stored: 0, actual: 0 });
  });
});
