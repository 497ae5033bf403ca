// Lifecycle: media attached to nothing for 24 hours, and media let go by a deleted post, message or
// account, is removed through the Storage API by the media-cleanup function; nothing referenced is
// ever removed, a race between attaching and claiming loses nothing, and running twice is harmless.
// A small HTTP server plays the Storage API: it checks what it receives and deletes the rows as
// Storage does (as service_role, with storage.allow_delete_query set).
import { createServer, type Server } from "node:http";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, idOf, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { postJson, type ServedFunction, serveFunction } from "../helpers/edge-functions.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { remove } from "../helpers/storage.ts";
import { deleteMessage, follow, send, startConversation } from "../messaging/dm.ts";
import { attach, image, mediaIdOf, ownPath, postWithMedia, storageRef, upload } from "./media.ts";

const db = useTestDatabase();
const serviceKey = "test-service-role-key";
let storage: Server;
let storageUrl: string;
const received: { method: string; url: string; authorization?: string; apikey?: string; body: unknown }[] = [];
let fn: ServedFunction;
let author: Actor;

beforeAll(async () => {
  storage = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", async () => {
      const body = raw ? JSON.parse(raw) : null;
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        apikey: req.headers.apikey as string | undefined,
        body,
      });
      const match = req.url?.match(/^\/storage\/v1\/object\/([^/]+)$/);
      if (req.method !== "DELETE" || !match || req.headers.authorization !== `Bearer ${serviceKey}` || !Array.isArray(body?.prefixes)) {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "unexpected request" }));
        return;
      }
      const bucket = decodeURIComponent(match[1] as string);
      const names = await remove(db(), serviceRole, bucket, body.prefixes as string[]);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(names.map((name) => ({ name, bucket_id: bucket }))));
    });
  });
  await new Promise<void>((resolve) => storage.listen(0, "127.0.0.1", resolve));
  const address = storage.address();
  storageUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  fn = await serveFunction("media-cleanup", {
    databaseUrl: db().url,
    env: { SUPABASE_URL: storageUrl, SUPABASE_SERVICE_ROLE_KEY: serviceKey },
  });
  author = await db().newUser("c_author");
}, 60_000);

afterAll(async () => {
  await fn?.stop();
  await new Promise((resolve) => storage?.close(resolve));
});

async function age(path: string, hours: number): Promise<void> {
  await db().admin`update public.media set created_at = now() - make_interval(hours => ${hours}) where object_path = ${path}`;
}

async function exists(path: string): Promise<boolean> {
  return (await db().admin`select 1 from storage.objects where name = ${path}`).length === 1;
}

async function run(): Promise<{ status: number; body: Record<string, unknown> }> {
  return postJson(fn.url, {}, serviceKey);
}

describe("media-cleanup", () => {
  it("answers 401 without the service role key and changes nothing", async () => {
    const before = received.length;
    expect((await postJson(fn.url, {})).status).toBe(401);
    expect((await postJson(fn.url, {}, "not-the-key")).status).toBe(401);
    expect(received.length).toBe(before);
  });

  it("is the only caller of claim_media_for_removal: anon and users are refused", async () => {
    for (const actor of [anon, author]) {
      await expectDbError(db().rpcRows(actor, "claim_media_for_removal", { batch_size: 10 }), "42501", /permission denied/);
    }
  });

  it("removes unattached media after 24 hours and let-go media at once, through Storage, and never referenced media", async () => {
    const fresh = ownPath(author);
    const stale = ownPath(author);
    await upload(db(), author, "post-media", fresh);
    await upload(db(), author, "post-media", stale);
    await age(stale, 25);
    const kept = await postWithMedia(db(), author);
    await age(kept.path, 100);
    const gone = await postWithMedia(db(), author);
    await db().request(author, (tx) => tx`delete from public.posts where id = ${gone.postId}`, { method: "DELETE", path: "/posts" });
    const avatar = ownPath(author);
    await upload(db(), author, "avatars", avatar);
    await age(avatar, 100);

    const outcome = await run();
    expect(outcome).toEqual({ status: 200, body: { claimed: 2, removed: 2 } });
    const call = received.at(-1);
    expect(call).toMatchObject({
      method: "DELETE",
      url: "/storage/v1/object/post-media",
      authorization: `Bearer ${serviceKey}`,
      apikey: serviceKey,
    });
    expect((call?.body as { prefixes: string[] }).prefixes.sort()).toEqual([stale, gone.path].sort());
    expect(await exists(stale)).toBe(false);
    expect(await exists(gone.path)).toBe(false);
    expect(await db().admin`select 1 from public.media where object_path in (${stale}, ${gone.path})`).toHaveLength(0);
    for (const p of [fresh, kept.path, avatar]) expect(await exists(p)).toBe(true);

    // Idempotent: a second run finds nothing to do and calls Storage for nothing.
    const calls = received.length;
    expect(await run()).toEqual({ status: 200, body: { claimed: 0, removed: 0 } });
    expect(received.length).toBe(calls);
  });

  it("removes the media of a deleted message and of a deleted account", async () => {
    const [a, b] = await Promise.all([db().newUser("c_dm_a"), db().newUser("c_dm_b")]);
    await follow(db(), b, a);
    const conversation = await startConversation(db(), a, b);
    const message = await send(db(), a, conversation, "see");
    const path = ownPath(a);
    await upload(db(), a, "message-media", path);
    await attach(db(), a, message.id, await mediaIdOf(db(), "message-media", path));
    const leaver = await db().newUser("c_leaver");
    const leaverPath = ownPath(leaver);
    await upload(db(), leaver, "post-media", leaverPath);
    expect(await run()).toMatchObject({ body: { claimed: 0 } });
    await deleteMessage(db(), a, message.id);
    await db().admin`delete from auth.users where id = ${idOf(leaver)}`;
    expect(await run()).toEqual({ status: 200, body: { claimed: 2, removed: 2 } });
    expect(await exists(path)).toBe(false);
    expect(await exists(leaverPath)).toBe(false);
  });

  it("loses nothing when attaching races claiming: the claim skips what an attach holds, and an attach after a claim is refused", async () => {
    const path = ownPath(author);
    await upload(db(), author, "post-media", path);
    await age(path, 25);
    // An attach in progress (its transaction holds the media row) while the job claims: skipped.
    const asApi = new URL(db().url);
    asApi.username = "authenticator";
    const other = postgres(asApi.toString(), { max: 1, onnotice: () => {} });
    try {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let attached!: () => void;
      const attaching = new Promise<void>((resolve) => {
        attached = resolve;
      });
      const tx = other.begin(async (sql) => {
        await sql`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(author.claims)}, true)`;
        await sql`insert into public.posts (content) values (${sql.json({ blocks: [image(storageRef("post-media", path))] })})`;
        attached();
        await held;
      });
      await attaching;
      expect(await db().rpcRows(serviceRole, "claim_media_for_removal", { batch_size: 100 })).toEqual([]);
      release();
      await tx;
    } finally {
      await other.end();
    }
    expect(await run()).toMatchObject({ body: { claimed: 0 } });
    expect(await exists(path)).toBe(true);

    // Claimed first: a later attach is refused with 22023 and the post is not written.
    const late = ownPath(author);
    await upload(db(), author, "post-media", late);
    await age(late, 25);
    expect(await db().rpcRows(serviceRole, "claim_media_for_removal", { batch_size: 100 })).toEqual([
      { bucket_id: "post-media", object_path: late },
    ]);
    await expectDbError(
      db().rpcRows(author, "create_post", {
        content: { blocks: [image(storageRef("post-media", late))] },
        title: null,
        group_id: null,
        idempotency_key: null,
      }),
      "22023",
      /being removed/,
    );
    // The interrupted claim is finished by a later run once it is 15 minutes old.
    await db().admin`update public.media set removing_at = now() - interval '16 minutes' where object_path = ${late}`;
    expect(await run()).toEqual({ status: 200, body: { claimed: 1, removed: 1 } });
    expect(await exists(late)).toBe(false);
  });
});
