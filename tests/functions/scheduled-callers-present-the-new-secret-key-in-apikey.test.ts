// A project on the new API keys gives its functions SUPABASE_SECRET_KEYS ({"default":"sb_secret_…"})
// and no service_role JWT. A secret key is not a JWT, so it travels in the `apikey` header
// (https://supabase.com/docs/guides/functions/auth-headers); the scheduled routes accept it there, and
// the functions send it there (only there) when they call Storage with it.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { type ServedFunction, serveFunction } from "../helpers/edge-functions.ts";

const db = useTestDatabase();
const secret = "sb_secret_test_0123456789abcdef";

let fn: ServedFunction;
let storage: Server;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  storage = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/json" }).end("[]");
  });
  await new Promise<void>((resolve) => storage.listen(0, "127.0.0.1", resolve));
  fn = await serveFunction("media-cleanup", {
    databaseUrl: db().url,
    env: {
      SUPABASE_URL: `http://127.0.0.1:${(storage.address() as AddressInfo).port}`,
      SUPABASE_ANON_KEY: undefined,
      SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: "sb_publishable_test" }),
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: secret }),
    },
  });
});

afterAll(async () => {
  await fn?.stop();
  await new Promise<void>((resolve) => storage?.close(() => resolve()));
});

const call = (headers: Record<string, string>) =>
  fetch(fn.url, { method: "POST", headers }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe("media-cleanup (a scheduled route) on a project with the new secret keys", () => {
  it("accepts the secret key in the apikey header, or as a bearer token", async () => {
    expect(await call({ apikey: secret })).toEqual({ status: 200, body: { claimed: 0, removed: 0 } });
    expect(await call({ authorization: `Bearer ${secret}` })).toEqual({ status: 200, body: { claimed: 0, removed: 0 } });
  });

  it("refuses anything else with 401 in the JSON error shape", async () => {
    const refused: Record<string, string>[] = [
      {},
      { apikey: "sb_publishable_test" },
      { apikey: `${secret}x` },
      { authorization: "Bearer sb_publishable_test" },
    ];
    for (const headers of refused) {
      expect(await call(headers)).toEqual({
        status: 401,
        body: { error: { code: "unauthorized", message: "the project's secret (service role) key is required" } },
      });
    }
  });

  it("sends the secret key to Storage in apikey only (it is not a JWT)", async () => {
    const owner = (await db().newUser("sk_owner")).user;
    if (!owner) throw new Error("newUser gave no user");
    // Media of a deleted account are due at once (public.claim_media_for_removal).
    await db().admin`insert into storage.objects (bucket_id, name, owner_id, metadata)
      values ('post-media', ${`${owner.id}/gone.png`}, ${owner.id}, '{"mimetype": "image/png", "size": 10}')`;
    await db().deleteAuthUser(owner.id);
    const answer = await call({ apikey: secret });
    expect(answer.status).toBe(200);
    expect(seen.length).toBeGreaterThan(0);
    for (const headers of seen) {
      expect(headers.apikey).toBe(secret);
      expect(headers.authorization).toBeUndefined();
    }
  });
});
