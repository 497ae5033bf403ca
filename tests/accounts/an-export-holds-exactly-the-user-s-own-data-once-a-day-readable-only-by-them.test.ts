// Data export on real Deno: the archive the function uploads holds exactly the caller's own data and
// nothing private of anyone else; it lands in exports/<user id>/ where only its owner can read it; the
// user is notified; a second export the same day is refused with 429 and Retry-After; expired archives
// are removed through the Storage API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { postJson, type ServedFunction, serveFunction, signAccessToken } from "../helpers/edge-functions.ts";
import { anonKey, type PlatformApis, serviceKey, startPlatformApis, storedObject } from "../helpers/platform-apis.ts";
import { send } from "../messaging/dm.ts";
import { setPrivate } from "../people/graph.ts";
import { createPost, text } from "../posts/fixtures.ts";
import { buildWorld, type World } from "./world.ts";

const db = useTestDatabase();
let apis: PlatformApis;
let fn: ServedFunction;
let w: World;
let archive: Record<string, unknown>;
let archiveText = "";
let exported: { id: string; bucket: string; path: string; expires_at: string };

beforeAll(async () => {
  apis = await startPlatformApis(db);
  fn = await serveFunction("account", {
    databaseUrl: db().url,
    env: { SUPABASE_URL: apis.url, SUPABASE_ANON_KEY: anonKey, SUPABASE_SERVICE_ROLE_KEY: serviceKey },
  });
  w = await buildWorld(db(), "exp");
  // Others' private things the victim can see or touch must not travel with the export.
  await setPrivate(db(), w.friend, true);
  await createPost(db(), w.friend, { blocks: [text("friend's private diary entry")] });
  await send(db(), w.friend, w.conversation, "friend's secret message");
  await db().admin`update public.profiles set bio = 'friend private bio' where id = ${w.friend.user?.id ?? null}`;
  await storedObject(db(), "post-media", w.victim.user?.id as string, "cat.png");
  await createPost(db(), w.victim, { blocks: [text("with a photo"), { type: "image", value: `post-media/${w.victim.user?.id}/cat.png` }] });

  // The world is built in volume with throttles off (tests/global-setup.ts); exports are throttled.
  await db().admin`update private.throttle_settings set enabled = true`;
  const before = apis.received.length;
  const answer = await postJson(`${fn.url}/export`, {}, await signAccessToken(w.victim.claims));
  expect(answer.status).toBe(201);
  exported = answer.body as typeof exported;
  const upload = apis.received.slice(before).find((r) => r.method === "POST" && r.url.startsWith("/storage/v1/object/exports/"));
  expect(upload?.headers.authorization).toBe(`Bearer ${serviceKey}`);
  expect(upload?.headers["content-type"]).toBe("application/json");
  archiveText = upload?.body ?? "";
  archive = JSON.parse(archiveText) as Record<string, unknown>;
});

afterAll(async () => {
  await fn?.stop();
  await apis?.close();
});

const ids = (rows: unknown) => (rows as { id: string }[]).map((r) => r.id).sort();

describe("data export", () => {
  it("writes the archive to exports/<user id>/ and answers with its path and expiry", async () => {
    expect(exported.bucket).toBe("exports");
    expect(exported.path).toMatch(new RegExp(`^${w.victim.user?.id}/\\d{8}T\\d{6}Z-[0-9a-f]{8}\\.json$`));
    const days = (Date.parse(exported.expires_at) - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
  });

  it("holds exactly the user's own account, posts with their media, comments, reactions, messages and relations", async () => {
    const me = w.victim.user?.id as string;
    expect(archive.account).toMatchObject({ id: me, email: w.victim.user?.email, username: w.victim.user?.username });
    const q = async (query: TemplateStringsArray, ...values: string[]) => ids(await db().admin(query, ...values));
    expect(ids(archive.posts)).toEqual(await q`select id from public.posts where author_id = ${me}`);
    expect(ids(archive.comments)).toEqual(await q`select id from public.comments where author_id = ${me}`);
    expect(ids(archive.messages)).toEqual(await q`select id from public.messages where sender_id = ${me}`);
    expect((archive.messages as { body: string }[]).map((m) => m.body).sort()).toEqual(["bye", "hi back"]);
    expect((archive.reactions as unknown[]).length).toBe(2);
    expect((archive.following as { user_id: string }[]).map((f) => f.user_id)).toEqual([w.friend.user?.id]);
    expect((archive.followers as { user_id: string }[]).map((f) => f.user_id).sort()).toEqual(
      [w.friend.user?.id, w.member.user?.id].sort(),
    );
    expect((archive.groups as { group_id: string; role: string }[]).map((g) => g.role).sort()).toEqual(["owner", "owner", "owner"]);
    expect((archive.blocks as { user_id: string }[]).map((b) => b.user_id)).toEqual([w.loner.user?.id]);
    expect((archive.bookmarks as { post_id: string }[]).map((b) => b.post_id)).toEqual([w.friendPost.id]);
    expect((archive.events as { organizer: boolean; rsvp: string | null }[]).map((e) => [e.organizer, e.rsvp]).sort()).toEqual([
      [false, "going"],
      [true, null],
    ]);
    const withPhoto = (archive.posts as { media: string[] }[]).find((p) => p.media.length > 0);
    expect(withPhoto?.media).toEqual([`post-media/${me}/cat.png`]);
  });

  it("carries nothing private of anyone else", () => {
    for (const secret of [
      "friend's secret message",
      "hello",
      "friend's private diary entry",
      "friend private bio",
      w.friend.user?.email as string,
      w.friend.user?.username as string,
      w.friend.user?.displayName as string,
    ]) {
      expect(archiveText, `the archive leaks ${secret}`).not.toContain(secret);
    }
  });

  it("notifies the user, and nobody else", async () => {
    const mine = await db().request(
      w.victim,
      (tx) => tx`select kind, subject_id, data from public.notifications where kind = 'export_ready'`,
    );
    expect(mine).toEqual([
      { kind: "export_ready", subject_id: exported.id, data: { bucket: "exports", path: exported.path, expires_at: expect.any(String) } },
    ]);
    const theirs = await db().request(w.friend, (tx) => tx`select 1 from public.notifications where kind = 'export_ready'`);
    expect(theirs).toEqual([]);
  });

  it("is readable by its owner only (storage RLS)", async () => {
    const read = (actor: Actor) => db().request(actor, (tx) => tx`select name from storage.objects where bucket_id = 'exports'`);
    expect(await read(w.victim)).toEqual([{ name: exported.path }]);
    expect(await read(w.friend)).toEqual([]);
    expect(await read(anon)).toEqual([]);
  });

  it("refuses a second export the same day with 429 and Retry-After, uploading nothing", async () => {
    const before = apis.received.length;
    const response = await fetch(`${fn.url}/export`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await signAccessToken(w.victim.claims)}` },
      body: "{}",
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(86_000);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "PT429", message: `too many exports: try again in ${retryAfter} seconds` });
    expect(apis.received.slice(before)).toEqual([]);
    const [row] = await db().admin`select count(*)::int as n from private.account_exports where user_id = ${w.victim.user?.id ?? null}`;
    expect(row?.n).toBe(1);
  });

  it("lets another user export their own the same day", async () => {
    const answer = await postJson(`${fn.url}/export`, {}, await signAccessToken(w.friend.claims));
    expect(answer.status).toBe(201);
  });

  it("removes expired archives through the Storage API and forgets them", async () => {
    await db().admin`update private.account_exports set expires_at = now() - interval '1 second' where id = ${exported.id}`;
    const before = apis.received.length;
    const answer = await postJson(`${fn.url}/maintenance`, {}, serviceKey);
    expect(answer).toMatchObject({ status: 200, body: { deleted_accounts: 0, removed_exports: 1, failures: [] } });
    const calls = apis.received.slice(before).map((r) => [r.method, r.url, JSON.parse(r.body)]);
    expect(calls).toEqual([["DELETE", "/storage/v1/object/exports", { prefixes: [exported.path] }]]);
    const [left] = await db().admin`select
      (select count(*)::int from private.account_exports where id = ${exported.id}) as records,
      (select count(*)::int from storage.objects where bucket_id = 'exports' and name = ${exported.path}) as objects`;
    expect(left).toEqual({ records: 0, objects: 0 });
  });
});
