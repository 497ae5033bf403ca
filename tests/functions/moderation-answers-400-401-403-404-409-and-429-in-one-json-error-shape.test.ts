// The moderation edge function's refusals on real Deno: one JSON error shape {error: {code, message,
// details?}}, the status mapped from the database's SQLSTATE (42501 and PT403 → 403, PT404 → 404,
// PT409 and 23505 → 409, 22023 → 400, PT429 → 429) or from the request (401, 400 with zod issues,
// a JSON 404 for unknown routes); a refused resolve changes nothing, all its actions included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { postJson, type ServedFunction, serveFunction, signAccessToken } from "../helpers/edge-functions.ts";
import { type Cast, castOf, createPost, idOf, makeModerator, moderate, report, unique } from "../moderation/cast.ts";

const db = useTestDatabase();

let fn: ServedFunction;
let c: Cast;

beforeAll(async () => {
  fn = await serveFunction("moderation", { databaseUrl: db().url });
  c = await castOf(db());
});

afterAll(async () => {
  await fn?.stop();
});

const token = (actor: Actor) => signAccessToken(actor.claims);

const errorShape = (code: string, message: RegExp | string) => ({
  error: { code, message: typeof message === "string" ? message : expect.stringMatching(message) },
});

/** A fresh group post of the reported user with one open report by the reporter. */
async function reportedPost(): Promise<{ post: string; reportId: string }> {
  const post = await createPost(db(), c.reported, `spam ${unique("p")}`, c.groupId);
  return { post, reportId: await report(db(), c.reporter, "post", post, "spam") };
}

/** What a refused request must leave untouched: the post, its reports and the log about it. */
async function state(post: string) {
  return {
    post: await db().admin`select removed_at, removed_reason, locked_at from public.posts where id = ${post}`,
    reports: await db().admin`select status, outcome, log_id from public.reports where target_id = ${post}`,
    log: await db()
      .admin`select count(*)::int as n from public.moderation_log where target_id = ${post} or target_user_id = ${idOf(c.reported)}`,
    suspensions: await db().admin`select count(*)::int as n from public.suspensions`,
  };
}

const removeBody = (post: string, reportId: string) => ({
  action: "resolve",
  report_ids: [reportId],
  reason: "Spam.",
  actions: [{ action: "remove", target_kind: "post", target_id: post }],
});

describe("moderation refuses", () => {
  it("requests without a valid user token with 401, changing nothing", async () => {
    const { post, reportId } = await reportedPost();
    const before = await state(post);
    const expired = await signAccessToken({ ...c.moderator.claims, exp: Math.floor(Date.now() / 1000) - 60 });
    const foreign = await signAccessToken(c.moderator.claims, "another-projects-secret-0123456789abcdef");
    const anonToken = await signAccessToken({ iss: "supabase", role: "anon", aud: "authenticated" });
    for (const t of [undefined, "not-a-jwt", expired, foreign, anonToken]) {
      const answer = await postJson(fn.url, removeBody(post, reportId), t);
      expect(answer).toEqual({ status: 401, body: errorShape("unauthorized", /Authorization: Bearer|invalid or expired/) });
    }
    expect(await state(post)).toEqual(before);
  });

  it("callers who may not handle the target with 403 — decided in the database, whatever the token claims", async () => {
    const { post, reportId } = await reportedPost();
    const before = await state(post);
    const claimsModerator = await signAccessToken({ ...c.bystander.claims, user_roles: ["moderator", "user"] });
    for (const t of [await token(c.bystander), await token(c.otherGroupAdmin), await token(c.reporter), claimsModerator]) {
      const answer = await postJson(fn.url, removeBody(post, reportId), t);
      expect(answer).toEqual({
        status: 403,
        body: errorShape("42501", "only the group's owners and admins and platform moderators can remove this"),
      });
    }
    // The author cannot moderate their own content, even as a moderator.
    const ownPost = await createPost(db(), c.moderator, "my own post");
    const own = await postJson(
      fn.url,
      {
        action: "resolve",
        report_ids: [await report(db(), c.reporter, "post", ownPost)],
        reason: "x",
        actions: [{ action: "remove", target_kind: "post", target_id: ownPost }],
      },
      await token(c.moderator),
    );
    expect(own).toEqual({ status: 403, body: errorShape("42501", "you cannot moderate yourself or your own content") });
    expect(await state(post)).toEqual(before);
  });

  it("a resolve whose later action is refused with 403, undoing the earlier ones: one transaction", async () => {
    const { post, reportId } = await reportedPost();
    const before = await state(post);
    // The group admin may remove the group post but not suspend its author (platform moderators only).
    const answer = await postJson(
      fn.url,
      {
        action: "resolve",
        report_ids: [reportId],
        reason: "Spam.",
        actions: [
          { action: "remove", target_kind: "post", target_id: post },
          { action: "suspend", target_kind: "profile", target_id: idOf(c.reported) },
        ],
      },
      await token(c.groupAdmin),
    );
    expect(answer).toEqual({ status: 403, body: errorShape("42501", "only platform moderators and admins can suspend this") });
    expect(await state(post)).toEqual(before);
    expect(before.reports).toEqual([{ status: "open", outcome: null, log_id: null }]);
  });

  it("a suspended moderator with 403 PT403 naming the suspension and its end", async () => {
    const { post, reportId } = await reportedPost();
    const suspendedModerator = await makeModerator(db(), await db().newUser(unique("smod")));
    await moderate(db(), c.admin, "suspend", "profile", idOf(suspendedModerator), "abused the tools", {
      until: new Date("2099-01-01T00:00:00Z"),
    });
    const before = await state(post);
    const answer = await postJson(fn.url, removeBody(post, reportId), await token(suspendedModerator));
    expect(answer).toEqual({ status: 403, body: errorShape("PT403", "your account is suspended until 2099-01-01T00:00:00Z") });
    expect(await state(post)).toEqual(before);
  });

  it("unknown reports, targets, sanctions and appeals with 404", async () => {
    const { post, reportId } = await reportedPost();
    const nowhere = "00000000-0000-4000-8000-000000000000";
    const mod = await token(c.moderator);
    for (const [body, message] of [
      [{ ...removeBody(post, reportId), report_ids: [nowhere] }, "report not found"],
      [removeBody(nowhere, reportId), "post not found"],
      [{ action: "appeal", log_id: nowhere, statement: "please" }, "sanction not found"],
      [{ action: "decide-appeal", appeal_id: nowhere, granted: true, reason: "ok" }, "appeal not found"],
    ] as const) {
      expect(await postJson(fn.url, body, mod)).toEqual({ status: 404, body: errorShape("PT404", message) });
    }
    // Someone else's sanction reads as missing.
    const logId = await moderate(db(), c.moderator, "warn", "profile", idOf(c.reported), "be nice");
    expect(await postJson(fn.url, { action: "appeal", log_id: logId, statement: "not mine" }, await token(c.bystander))).toEqual({
      status: 404,
      body: errorShape("PT404", "sanction not found"),
    });
  });

  it("unknown routes and methods with a JSON 404 in the same shape", async () => {
    const mod = await token(c.moderator);
    expect(await postJson(`${fn.url}/resolve`, {}, mod)).toEqual({
      status: 404,
      body: errorShape("not_found", "no route for POST /moderation/resolve"),
    });
    const wrongMethod = await fetch(fn.url, { method: "GET", headers: { authorization: `Bearer ${mod}` } });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await wrongMethod.json()).toEqual(errorShape("not_found", "no route for GET /moderation"));
  });

  it("what the current state forbids with 409: resolved reports, removed posts, a second appeal or decision", async () => {
    const { post, reportId } = await reportedPost();
    const mod = await token(c.moderator);
    expect((await postJson(fn.url, removeBody(post, reportId), mod)).status).toBe(200);
    const again = await postJson(fn.url, removeBody(post, reportId), mod);
    expect(again).toEqual({ status: 409, body: errorShape("PT409", `report ${reportId} is already resolved`) });
    const other = await reportedPost();
    const removedAgain = await postJson(fn.url, { ...removeBody(post, other.reportId) }, mod);
    expect(removedAgain).toEqual({ status: 409, body: errorShape("PT409", "this post is already removed") });

    const [logId] = (await db().admin<{ id: string }[]>`select log_id as id from public.reports where id = ${reportId}`).map((r) => r.id);
    const reported = await token(c.reported);
    const first = await postJson(fn.url, { action: "appeal", log_id: logId, statement: "please" }, reported);
    expect(first.status).toBe(200);
    expect(await postJson(fn.url, { action: "appeal", log_id: logId, statement: "please, again" }, reported)).toEqual({
      status: 409,
      body: errorShape("23505", "you already appealed this sanction"),
    });
    const decide = { action: "decide-appeal", appeal_id: first.body.appeal_id, granted: false, reason: "It is spam." };
    // The moderator who acted may not decide; another one does, once.
    expect(await postJson(fn.url, decide, mod)).toEqual({
      status: 403,
      body: errorShape("42501", "another moderator must decide an appeal of your own action"),
    });
    expect((await postJson(fn.url, decide, await token(c.admin))).status).toBe(200);
    expect(await postJson(fn.url, decide, await token(c.admin))).toEqual({
      status: 409,
      body: errorShape("PT409", "this appeal is already decided"),
    });
  });

  it("bad input with 400: the zod issues, or the database rule", async () => {
    const { post, reportId } = await reportedPost();
    const before = await state(post);
    const mod = await token(c.moderator);
    const step = { action: "remove", target_kind: "post", target_id: post };
    for (const body of [
      "{not json",
      {},
      { action: "nuke" },
      { action: "resolve", report_ids: [reportId], reason: "x" },
      { action: "resolve", report_ids: [reportId], reason: "x", actions: [] },
      { action: "resolve", report_ids: [], reason: "x", actions: [step] },
      { action: "resolve", report_ids: ["nope"], reason: "x", actions: [step] },
      { action: "resolve", report_ids: [reportId], reason: "x", actions: [{ ...step, action: "delete" }] },
      { action: "resolve", report_ids: [reportId], reason: "x", actions: [{ ...step, until: "next week" }] },
      { action: "resolve", report_ids: [reportId], reason: "x", actions: [step], extra: true },
      { action: "appeal", log_id: reportId },
      { action: "decide-appeal", appeal_id: reportId, granted: "yes", reason: "x" },
    ]) {
      const answer = await postJson(fn.url, body, mod);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject(errorShape("invalid_input", "the request body is invalid"));
    }
    const missing = await postJson(fn.url, { action: "resolve", report_ids: [reportId], reason: "x" }, mod);
    expect(missing.body.error).toMatchObject({ details: [{ path: "actions" }] });

    for (const [actions, reason, message] of [
      [[step], "  ", "reason is required to remove"],
      [[{ action: "remove", target_kind: "profile", target_id: idOf(c.reported) }], "x", "remove does not apply to a profile"],
      [
        [{ action: "suspend", target_kind: "profile", target_id: idOf(c.reported), until: "2001-01-01T00:00:00Z" }],
        "x",
        "until must be in the future",
      ],
    ] as const) {
      const answer = await postJson(fn.url, { action: "resolve", report_ids: [reportId], reason, actions }, mod);
      expect(answer).toEqual({ status: 400, body: errorShape("22023", message) });
    }
    expect(await state(post)).toEqual(before);
  });

  it("a throttled write with 429 (PT429, as the database's throttles raise it)", async () => {
    const logId = await moderate(db(), c.moderator, "warn", "profile", idOf(c.reported), "second warning");
    // This test database only: a throttle on appeals that is always exhausted, raising what
    // a plain PT429 raises (the generic throttles raise PGRST with a PT429 body; errors.ts maps both).
    await db().admin.unsafe(`
      create function private.test_throttle_appeals() returns trigger language plpgsql set search_path = '' as $$
      begin
        raise exception 'too many appeals: at most 0 an hour' using errcode = 'PT429', hint = 'Try again later.';
      end $$;
      create trigger test_throttle_appeals before insert on public.appeals for each row execute function private.test_throttle_appeals();
    `);
    try {
      const answer = await postJson(fn.url, { action: "appeal", log_id: logId, statement: "please" }, await token(c.reported));
      expect(answer).toEqual({ status: 429, body: errorShape("PT429", "too many appeals: at most 0 an hour") });
      expect(await db().admin`select id from public.appeals where log_id = ${logId}`).toEqual([]);
    } finally {
      await db().admin.unsafe("drop trigger test_throttle_appeals on public.appeals; drop function private.test_throttle_appeals();");
    }
  });
});
