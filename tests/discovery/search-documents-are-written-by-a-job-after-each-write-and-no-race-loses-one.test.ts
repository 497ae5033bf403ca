// Decision 0009: a post's search document and hashtags are written by the post-index job
// (private.index_posts, every second on the platform), not by the posting transaction. So a post
// is found once the job has run, an edit is found by its new words and not its old ones, a deleted
// post leaves nothing behind, and an edit or a delete racing a run of the job is never lost: each race
// below holds one side's transaction open, proves the other side waits or passes over, then commits;
// the job never waits on a post, so neither race can deadlock.
import { describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { useHeldTransactions } from "../helpers/held-transactions.ts";
import { indexPosts, word } from "./fixtures.ts";

describe("search documents are written by a job", () => {
  const db = useTestDatabase();
  /** search_posts as anon right now, without running the job first (the fixture's searchPosts runs it). */
  const found = async (w: string) =>
    ((await db().rpcRows(anon, "search_posts", { query: w })) as { post_id: string }[]).map((r) => r.post_id);
  const content = (w: string) => ({ blocks: [{ type: "text", value: `a post about ${w}` }] });
  const write = async (author: Actor, w: string) => {
    const [row] = await db().request(
      author,
      (tx) => tx<{ id: string }[]>`insert into public.posts (content) values (${tx.json(content(w))}) returning id`,
      {
        path: "/posts",
      },
    );
    return (row as { id: string }).id;
  };
  const queued = async (postId: string) =>
    (await db().admin<{ n: number }[]>`select count(*)::int as n from private.post_index_queue where post_id = ${postId}`)[0]?.n;
  const documents = async (postId: string) =>
    (await db().admin<{ n: number }[]>`select count(*)::int as n from private.post_search where post_id = ${postId}`)[0]?.n;

  const races = useHeldTransactions();
  const held = (actor: Actor | null) => races.held(db(), actor);
  const waitsOnLock = (text: string) => races.waitsOnLock(db(), text);

  it("finds a new post once the job has run, not before, and a second run takes nothing", async () => {
    const author = await db().newUser("indexed_author");
    const w = word("fresh");
    const p = await write(author, w);
    expect(await found(w)).toEqual([]);
    expect(await queued(p)).toBe(1);
    expect(await indexPosts(db())).toBeGreaterThanOrEqual(1);
    expect(await found(w)).toEqual([p]);
    expect(await queued(p)).toBe(0);
    expect(await indexPosts(db())).toBe(0);
    expect(await found(w)).toEqual([p]);
  });

  it("finds an edited post by its new words after the job, by its old ones until then", async () => {
    const author = await db().newUser("edited_author");
    const [before, after] = [word("before"), word("after")];
    const p = await write(author, before);
    await indexPosts(db());
    await db().request(author, (tx) => tx`update public.posts set content = ${tx.json(content(after))} where id = ${p}`, {
      method: "PATCH",
    });
    expect([await found(before), await found(after)]).toEqual([[p], []]);
    await indexPosts(db());
    expect([await found(before), await found(after)]).toEqual([[], [p]]);
  });

  it("puts a post in its hashtags' feeds once the job has run, and moves it when an edit changes them", async () => {
    const author = await db().newUser("tagging_author");
    const [kept, dropped, added] = [word("kept"), word("dropped"), word("added")];
    const tagged = (...tags: string[]) => ({ blocks: [{ type: "text", value: tags.map((t) => `#${t}`).join(" ") }] });
    const [row] = await db().request(
      author,
      (tx) => tx<{ id: string }[]>`insert into public.posts (content) values (${tx.json(tagged(kept, dropped))}) returning id`,
    );
    const p = (row as { id: string }).id;
    const inFeed = async (tag: string) => ((await db().rpcRows(anon, "tag_feed", { tag })) as { post_id: string }[]).map((r) => r.post_id);
    expect([await inFeed(kept), await inFeed(dropped)]).toEqual([[], []]);
    await indexPosts(db());
    expect([await inFeed(kept), await inFeed(dropped), await inFeed(added)]).toEqual([[p], [p], []]);
    await db().request(author, (tx) => tx`update public.posts set content = ${tx.json(tagged(kept, added))} where id = ${p}`, {
      method: "PATCH",
    });
    await indexPosts(db());
    expect([await inFeed(kept), await inFeed(dropped), await inFeed(added)]).toEqual([[p], [], [p]]);
  });

  it("leaves neither a queue row nor a document of a post deleted before the job ran", async () => {
    const author = await db().newUser("deleted_author");
    const w = word("gone");
    const p = await write(author, w);
    await db().request(author, (tx) => tx`delete from public.posts where id = ${p}`, { method: "DELETE" });
    expect([await queued(p), await documents(p)]).toEqual([0, 0]);
    await indexPosts(db());
    expect([await documents(p), (await found(w)).length]).toEqual([0, 0]);
  });

  it("passes over the queue row of a delete in progress and writes no document for the deleted post", async () => {
    const author = await db().newUser("racing_deleter");
    const p = await write(author, word("racing"));
    const deleting = await held(author);
    await deleting.run(`delete from public.posts where id = '${p}'`);
    await indexPosts(db()); // does not wait: the delete holds the post's queue row
    await deleting.commit();
    expect([await queued(p), await documents(p)]).toEqual([0, 0]);
  });

  it("makes a delete wait for a run holding its queue row, then deletes the document that run wrote", async () => {
    const author = await db().newUser("waiting_deleter");
    const p = await write(author, word("written"));
    const job = await held(null);
    await job.run("select private.index_posts(1000)"); // took the row, wrote the document
    const deleting = db().request(author, (tx) => tx`delete from public.posts where id = ${p}`, { method: "DELETE" });
    expect(await waitsOnLock("delete from public.posts")).toBe(true);
    await job.commit();
    await deleting;
    expect([await queued(p), await documents(p)]).toEqual([0, 0]);
  });

  it("indexes an edit that waited for a run holding its queue row", async () => {
    const author = await db().newUser("waiting_editor");
    const [before, after] = [word("held"), word("waited")];
    const p = await write(author, before);
    const job = await held(null);
    await job.run("select private.index_posts(1000)"); // took the row, wrote the old words
    const edit = db().request(author, (tx) => tx`update public.posts set content = ${tx.json(content(after))} where id = ${p}`, {
      method: "PATCH",
    });
    expect(await waitsOnLock("update public.posts set content")).toBe(true);
    await job.commit();
    await edit;
    expect(await queued(p)).toBe(1);
    await indexPosts(db());
    expect([await found(before), await found(after)]).toEqual([[], [p]]);
  });

  it("passes over the queue row of an edit in progress and indexes it after the edit commits", async () => {
    const author = await db().newUser("holding_editor");
    const [before, after] = [word("first"), word("second")];
    const p = await write(author, before);
    await indexPosts(db());
    const edit = await held(author);
    await edit.run(`update public.posts set content = '${JSON.stringify(content(after))}' where id = '${p}'`);
    await indexPosts(db()); // does not wait: the edit's row is skipped
    expect([await found(before), await found(after)]).toEqual([[p], []]);
    await edit.commit();
    expect(await queued(p)).toBe(1);
    await indexPosts(db());
    expect([await found(before), await found(after)]).toEqual([[], [p]]);
  });

  it("is run by the job's owner only: no API role executes it or reads the queue", async () => {
    const [grants] = await db().admin<Record<string, boolean>[]>`
      select has_function_privilege('anon', 'private.index_posts(integer)', 'execute') as anon_runs,
             has_function_privilege('authenticated', 'private.index_posts(integer)', 'execute') as authenticated_runs,
             has_function_privilege('service_role', 'private.index_posts(integer)', 'execute') as service_role_runs,
             has_table_privilege('authenticated', 'private.post_index_queue', 'select') as authenticated_reads,
             has_table_privilege('service_role', 'private.post_index_queue', 'select') as service_role_reads`;
    expect(grants).toEqual({
      anon_runs: false,
      authenticated_runs: false,
      service_role_runs: false,
      authenticated_reads: false,
      service_role_reads: false,
    });
    const someone = await db().newUser("queue_peeker");
    await expect(db().request(someone, (tx) => tx`select private.index_posts(1000)`)).rejects.toMatchObject({ code: "42501" });
  });
});
