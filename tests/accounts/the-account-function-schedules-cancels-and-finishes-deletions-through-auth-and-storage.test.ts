// The account function on real Deno: deletion needs the password or a recent sign-in, waits out the
// grace period (cancelled by the user or by signing in), and is finished by the maintenance route
// through the Storage API and the Auth admin API — which the local platform server plays, asserting
// what it received and doing to the database what Storage and Auth do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { postJson, type ServedFunction, serveFunction, signAccessToken } from "../helpers/edge-functions.ts";
import { anonKey, type PlatformApis, serviceKey, startPlatformApis, storedObject } from "../helpers/platform-apis.ts";
import { buildWorld, expectCountersExact, rowsNaming } from "./world.ts";

const db = useTestDatabase();
let apis: PlatformApis;
let fn: ServedFunction;
let n = 0;
const password = "Correct-Horse-9";

beforeAll(async () => {
  apis = await startPlatformApis(db);
  fn = await serveFunction("account", {
    databaseUrl: db().url,
    env: { SUPABASE_URL: apis.url, SUPABASE_ANON_KEY: anonKey, SUPABASE_SERVICE_ROLE_KEY: serviceKey },
  });
});

afterAll(async () => {
  await fn?.stop();
  await apis?.close();
});

async function user(prefix: string): Promise<Actor> {
  const actor = await db().newUser(`${prefix}_${++n}`);
  apis.passwords.set(`${actor.user?.email}\n${password}`, actor.user as NonNullable<Actor["user"]>);
  return actor;
}

/** A token whose session was signed in `minutesAgo` minutes ago (GoTrue's amr timestamp). */
function tokenSignedIn(actor: Actor, minutesAgo: number): Promise<string> {
  const at = Math.floor(Date.now() / 1000) - minutesAgo * 60;
  return signAccessToken({ ...actor.claims, amr: [{ method: "password", timestamp: at }] });
}

const pending = async (actor: Actor) => ((await db().rpc(actor, "my_account")) as { deletion: unknown }).deletion;
const call = (route: string, body: unknown, token?: string) => postJson(`${fn.url}/${route}`, body, token);

describe("account deletion", () => {
  it("schedules the deletion after 14 days for a recent sign-in, shows it in my_account and signs out everywhere", async () => {
    const ada = await user("ada");
    const token = await tokenSignedIn(ada, 1);
    const before = apis.received.length;
    const answer = await call("delete", {}, token);
    expect(answer.status).toBe(202);
    const deletion = answer.body.deletion as { requested_at: string; deletes_at: string };
    const days = (Date.parse(deletion.deletes_at) - Date.parse(deletion.requested_at)) / 86400_000;
    expect(days).toBeCloseTo(14, 5);
    expect(await pending(ada)).toEqual(deletion);
    expect(apis.received.slice(before).map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
      ["POST", "/auth/v1/logout?scope=global", `Bearer ${token}`],
    ]);
  });

  it("wants the password when the sign-in is older than 10 minutes, and refuses a wrong one", async () => {
    const bo = await user("bo");
    const stale = await tokenSignedIn(bo, 30);
    const refused = await call("delete", {}, stale);
    expect(refused).toMatchObject({
      status: 403,
      body: { error: { code: "42501", message: "confirm your password to delete your account" } },
    });
    const wrong = await call("delete", { password: "nope" }, stale);
    expect(wrong).toMatchObject({ status: 403, body: { error: { code: "invalid_credentials" } } });
    expect(await pending(bo)).toBeNull();
    const before = apis.received.length;
    const right = await call("delete", { password }, stale);
    expect(right.status).toBe(202);
    const grant = apis.received.slice(before)[0];
    expect([grant?.url, grant?.headers.apikey, JSON.parse(grant?.body ?? "{}")]).toEqual([
      "/auth/v1/token?grant_type=password",
      anonKey,
      { email: bo.user?.email, password },
    ]);
    // The password check is itself a sign-in; it came before the request, so it cancels nothing.
    expect(await pending(bo)).not.toBeNull();
  });

  it("refuses requests without a valid token and unknown fields", async () => {
    expect((await call("delete", {})).status).toBe(401);
    expect((await call("cancel-deletion", {})).status).toBe(401);
    expect((await call("export", {})).status).toBe(401);
    expect((await call("delete", {}, "not-a-token")).status).toBe(401);
    const cy = await user("cy");
    expect((await call("delete", { passwd: "x" }, await tokenSignedIn(cy, 1))).status).toBe(400);
  });

  it("cancels on request, and says whether there was anything to cancel", async () => {
    const di = await user("di");
    const token = await tokenSignedIn(di, 1);
    await call("delete", {}, token);
    expect(await call("cancel-deletion", {}, token)).toMatchObject({ status: 200, body: { cancelled: true } });
    expect(await pending(di)).toBeNull();
    expect(await call("cancel-deletion", {}, token)).toMatchObject({ status: 200, body: { cancelled: false } });
  });

  it("is cancelled by signing in during the grace period", async () => {
    const ed = await user("ed");
    await call("delete", {}, await tokenSignedIn(ed, 1));
    expect(await pending(ed)).not.toBeNull();
    await db().recordSignIn(ed.user as NonNullable<Actor["user"]>);
    expect(await pending(ed)).toBeNull();
  });

  it("lets only the scheduled job (the service key) run maintenance", async () => {
    const fay = await user("fay");
    expect((await call("maintenance", {})).status).toBe(401);
    expect((await call("maintenance", {}, await tokenSignedIn(fay, 1))).status).toBe(401);
    expect((await call("maintenance", {}, "x".repeat(serviceKey.length))).status).toBe(401);
  });

  it("finishes due deletions: media through the Storage API, then the Auth user through the admin API; the rest waits", async () => {
    const w = await buildWorld(db(), "fn");
    const victim = w.victim.user?.id as string;
    const avatar = await storedObject(db(), "avatars", victim, "me.png");
    const media = await storedObject(db(), "post-media", victim, "holiday.jpg");
    const othersMedia = await storedObject(db(), "post-media", w.friend.user?.id as string, "theirs.jpg");
    await call("delete", {}, await tokenSignedIn(w.victim, 1));
    const notYetDue = await user("patient");
    await call("delete", {}, await tokenSignedIn(notYetDue, 1));
    await db().admin`update private.account_deletions set deletes_at = now() - interval '1 second' where user_id = ${victim}`;

    const before = apis.received.length;
    const answer = await call("maintenance", {}, serviceKey);
    expect(answer).toMatchObject({ status: 200, body: { deleted_accounts: 1, removed_exports: 0, failures: [] } });
    const calls = apis.received.slice(before).map((r) => [r.method, r.url, r.headers.authorization, r.body ? JSON.parse(r.body) : null]);
    expect(calls).toEqual([
      ["DELETE", "/storage/v1/object/avatars", `Bearer ${serviceKey}`, { prefixes: [avatar] }],
      ["DELETE", "/storage/v1/object/post-media", `Bearer ${serviceKey}`, { prefixes: [media] }],
      ["DELETE", `/auth/v1/admin/users/${victim}`, `Bearer ${serviceKey}`, { should_soft_delete: false }],
    ]);
    const remaining = await rowsNaming(db(), victim);
    expect(Object.keys(remaining).sort()).toEqual(
      [
        "public.comments.author_id",
        "public.conversation_participants.other_user_id",
        ...Object.keys(remaining).filter((k) => k.startsWith("public.conversations.")),
        "public.messages.sender_id",
      ].sort(),
    );
    await expectCountersExact(db());
    const [objects] = await db().admin`select count(*)::int as n from storage.objects where name = ${othersMedia}`;
    expect(objects?.n).toBe(1);
    expect(await pending(notYetDue)).not.toBeNull();
  });
});
