import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGroup, type GroupRow, idOf, snapshot, unique } from "../groups/fixtures.ts";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { postJson, type ServedFunction, serveFunction, signAccessToken } from "../helpers/edge-functions.ts";

const db = useTestDatabase();

let fn: ServedFunction;
let creator: Actor;
let platformAdmin: Actor;
let institution: GroupRow;

beforeAll(async () => {
  fn = await serveFunction("institution-review", { databaseUrl: db().url });
  creator = await db().newUser(unique("creator"));
  platformAdmin = await db().makeAdmin(await db().newUser(unique("padmin")));
  institution = await createGroup(db(), creator, { kind: "institution", name: "Pending Place" });
});

afterAll(async () => {
  await fn?.stop();
});

const errorShape = (code: string, message: RegExp | string) => ({
  error: { code, message: typeof message === "string" ? message : expect.stringMatching(message) },
});

describe("institution-review refuses", () => {
  it("requests without a valid user token with 401, changing nothing", async () => {
    const before = await snapshot(db(), institution.id);
    const body = { group_id: institution.id, decision: "approve" };
    const expired = await signAccessToken({ ...platformAdmin.claims, exp: Math.floor(Date.now() / 1000) - 60 });
    const foreign = await signAccessToken(platformAdmin.claims, "another-projects-secret-0123456789abcdef");
    const anonToken = await signAccessToken({ iss: "supabase", role: "anon", aud: "authenticated" });
    for (const token of [undefined, "not-a-jwt", expired, foreign, anonToken]) {
      const answer = await postJson(fn.url, body, token);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(errorShape("unauthorized", /Authorization: Bearer|invalid or expired/));
    }
    expect(await snapshot(db(), institution.id)).toEqual(before);
  });

  it("users who are not platform admins with 403 — checked in the database, whatever the token claims", async () => {
    const before = await snapshot(db(), institution.id);
    const body = { group_id: institution.id, decision: "approve" };
    const stranger = await db().newUser(unique("stranger"));
    const unconfirmed = await db().newUser(unique("unconfirmed"), { confirm: false });
    // A token that claims the admin role (say, issued before the role was revoked).
    const claimsAdmin = await signAccessToken({ ...stranger.claims, user_roles: ["admin", "user"] });
    for (const [token, message] of [
      [await signAccessToken(creator.claims), /only platform admins can review institutions/],
      [await signAccessToken(stranger.claims), /only platform admins can review institutions/],
      [claimsAdmin, /only platform admins can review institutions/],
      [await signAccessToken(unconfirmed.claims), /confirm your email address/],
    ] as const) {
      const answer = await postJson(fn.url, body, token);
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual(errorShape("42501", message));
    }
    expect(await snapshot(db(), institution.id)).toEqual(before);
    expect(await db().admin`select id from private.institution_reviews where group_id = ${institution.id}`).toEqual([]);
  });

  it("bad input with 400 and the zod issues, or the database rule", async () => {
    const token = await signAccessToken(platformAdmin.claims);
    const before = await snapshot(db(), institution.id);
    for (const body of [
      "{not json",
      {},
      { group_id: "nope", decision: "approve" },
      { group_id: institution.id, decision: "maybe" },
      { group_id: institution.id },
    ]) {
      const answer = await postJson(fn.url, body, token);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject(errorShape("invalid_input", "the request body is invalid"));
    }
    const missing = await postJson(fn.url, { group_id: institution.id }, token);
    expect(missing.body.error).toMatchObject({ details: [{ path: "decision" }] });
    const noReason = await postJson(fn.url, { group_id: institution.id, decision: "reject" }, token);
    expect(noReason).toMatchObject({ status: 400, body: errorShape("22023", "a reason is required to reject an institution") });
    expect(await snapshot(db(), institution.id)).toEqual(before);
  });

  it("unknown groups and generic groups with 404", async () => {
    const token = await signAccessToken(platformAdmin.claims);
    const generic = await createGroup(db(), creator);
    for (const groupId of ["00000000-0000-4000-8000-000000000000", generic.id]) {
      const answer = await postJson(fn.url, { group_id: groupId, decision: "approve" }, token);
      expect(answer).toMatchObject({ status: 404, body: errorShape("PT404", "institution not found") });
    }
  });

  it("unknown routes and methods with a JSON 404 in the same shape", async () => {
    const token = await signAccessToken(platformAdmin.claims);
    const unknownRoute = await postJson(`${fn.url}/no-such-route`, { group_id: institution.id, decision: "approve" }, token);
    expect(unknownRoute).toEqual({ status: 404, body: errorShape("not_found", "no route for POST /institution-review/no-such-route") });
    const wrongMethod = await fetch(fn.url, { method: "GET", headers: { authorization: `Bearer ${token}` } });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await wrongMethod.json()).toEqual(errorShape("not_found", "no route for GET /institution-review"));
  });

  it("a second decision with 409 (already decided), changing nothing", async () => {
    const token = await signAccessToken(platformAdmin.claims);
    const decided = await createGroup(db(), creator, { kind: "institution", name: "Decided Place" });
    expect((await postJson(fn.url, { group_id: decided.id, decision: "approve" }, token)).status).toBe(200);
    const before = await snapshot(db(), decided.id);
    for (const body of [
      { group_id: decided.id, decision: "approve" },
      { group_id: decided.id, decision: "reject", reason: "Changed my mind" },
    ]) {
      const answer = await postJson(fn.url, body, token);
      expect(answer).toMatchObject({ status: 409, body: errorShape("PT409", /already been reviewed \(it is active\)/) });
    }
    expect(await snapshot(db(), decided.id)).toEqual(before);
    const audit = await db().admin`select reviewer_id from private.institution_reviews where group_id = ${decided.id}`;
    expect(audit).toEqual([{ reviewer_id: idOf(platformAdmin) }]);
  });
});
