// Every path that logs a sanction or an appeal decision queues its email in the database's outbox
// (private.moderation_emails), Studio included. The moderation function sends its own request's
// emails after the commit; its service-key route POST /moderation/outbox (scheduled) sends the rest —
// once each, retrying a failed send, never sending what was already sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { postJson, type ServedFunction, serveFunction, signAccessToken } from "../helpers/edge-functions.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { type SmtpSink, startSmtpSink } from "../helpers/smtp-sink.ts";
import { type Cast, castOf, createPost, idOf, moderate, report } from "../moderation/cast.ts";

const db = useTestDatabase();
const serviceKey = "test-service-role-key-for-the-outbox";

let sink: SmtpSink;
let fn: ServedFunction;
let c: Cast;

beforeAll(async () => {
  sink = await startSmtpSink();
  fn = await serveFunction("moderation", {
    databaseUrl: db().url,
    env: {
      SMTP_HOST: sink.host,
      SMTP_PORT: String(sink.port),
      SMTP_FROM: "Threads Safety <safety@threads.example>",
      SUPABASE_SERVICE_ROLE_KEY: serviceKey,
    },
  });
  c = await castOf(db());
});

afterAll(async () => {
  await fn?.stop();
  await sink?.close();
});

const outboxUrl = () => `${fn.url}/outbox`;
const emailOf = (actor: Actor) => actor.user?.email as string;
const queued = (logId: string) =>
  db().admin`select outcome, attempts, claimed_at is null as free from private.moderation_emails where log_id = ${logId}`;
const lastLogOf = async (targetId: string) =>
  (
    (await db().admin`select id from public.moderation_log where target_id = ${targetId} order by created_at desc limit 1`)[0] as {
      id: string;
    }
  ).id;

describe("the moderation email outbox", () => {
  it("an operator's removal in Studio (a raw update, no JWT) is emailed by the outbox route, once", async () => {
    const post = await createPost(db(), c.reported, "studio spam");
    await db().admin`update public.posts set removed_at = now(), removed_reason = 'Removed from Studio.' where id = ${post}`;
    const logId = await lastLogOf(post);
    expect(await queued(logId)).toEqual([{ outcome: null, attempts: 0, free: true }]);

    // Only the service role key runs the outbox.
    expect((await postJson(outboxUrl(), {})).status).toBe(401);
    expect((await postJson(outboxUrl(), {}, await signAccessToken(c.moderator.claims))).status).toBe(401);
    expect(await queued(logId)).toEqual([{ outcome: null, attempts: 0, free: true }]);

    const before = sink.messages.length;
    const run = await postJson(outboxUrl(), {}, serviceKey);
    expect(run).toEqual({ status: 200, body: { sent: 1, skipped: 0, failed: 0 } });
    const [mail] = (await sink.waitFor(before + 1)).slice(before);
    expect(mail?.to).toEqual([emailOf(c.reported)]);
    expect(mail?.subject).toBe("Your post was removed");
    expect(mail?.text).toContain("Reason: Removed from Studio.");
    expect(await queued(logId)).toMatchObject([{ outcome: "sent", attempts: 1 }]);
    // A second run finds nothing to send.
    expect(await postJson(outboxUrl(), {}, serviceKey)).toEqual({ status: 200, body: { sent: 0, skipped: 0, failed: 0 } });
    expect(sink.messages.length).toBe(before + 1);
  });

  it("lifts and dismissals queue nothing; an RPC sanction is queued like any other", async () => {
    const post = await createPost(db(), c.reported, "lift me");
    await db().admin`update public.posts set locked_at = now() where id = ${post}`;
    const lockLog = await lastLogOf(post);
    await db().admin`update public.posts set locked_at = null where id = ${post}`;
    const unlockLog = await lastLogOf(post);
    expect(await queued(lockLog)).toHaveLength(1);
    expect(await queued(unlockLog)).toEqual([]);
    const warnLog = await moderate(db(), c.moderator, "warn", "profile", idOf(c.reported), "Through the RPC.");
    expect(await queued(warnLog)).toEqual([{ outcome: null, attempts: 0, free: true }]);
    const before = sink.messages.length;
    expect(await postJson(outboxUrl(), {}, serviceKey)).toEqual({ status: 200, body: { sent: 2, skipped: 0, failed: 0 } });
    const subjects = (await sink.waitFor(before + 2))
      .slice(before)
      .map((m) => m.subject)
      .sort();
    expect(subjects).toEqual(["A warning about your account", "Your post was locked"]);
  });

  it("the function's own request sends its email at once, and the outbox never sends it again", async () => {
    const post = await createPost(db(), c.reported, "spam again", c.groupId);
    const reportId = await report(db(), c.reporter, "post", post, "spam");
    const before = sink.messages.length;
    const answer = await postJson(
      fn.url,
      { action: "resolve", report_ids: [reportId], reason: "Spam.", actions: [{ action: "remove", target_kind: "post", target_id: post }] },
      await signAccessToken(c.moderator.claims),
    );
    expect(answer).toMatchObject({ status: 200, body: { results: [{ action: "remove", email: "sent" }] } });
    await sink.waitFor(before + 1);
    expect(await queued(await lastLogOf(post))).toMatchObject([{ outcome: "sent", attempts: 1 }]);
    expect(await postJson(outboxUrl(), {}, serviceKey)).toEqual({ status: 200, body: { sent: 0, skipped: 0, failed: 0 } });
    expect(sink.messages.length).toBe(before + 1);
  });

  it("a failed send stays queued and the next run retries it", async () => {
    const down = await serveFunction("moderation", {
      databaseUrl: db().url,
      env: { SMTP_HOST: "127.0.0.1", SMTP_PORT: "1", SMTP_FROM: "safety@threads.example", SUPABASE_SERVICE_ROLE_KEY: serviceKey },
    });
    try {
      const logId = await moderate(db(), c.moderator, "warn", "profile", idOf(c.reported), "Retry me.");
      expect(await postJson(`${down.url}/outbox`, {}, serviceKey)).toEqual({ status: 200, body: { sent: 0, skipped: 0, failed: 1 } });
      expect(await queued(logId)).toEqual([{ outcome: null, attempts: 1, free: true }]);
    } finally {
      await down.stop();
    }
    const before = sink.messages.length;
    expect(await postJson(outboxUrl(), {}, serviceKey)).toEqual({ status: 200, body: { sent: 1, skipped: 0, failed: 0 } });
    expect((await sink.waitFor(before + 1)).slice(before)[0]?.text).toContain("Reason: Retry me.");
  });

  it("no client reads or claims the outbox: users and anon are refused", async () => {
    for (const actor of [c.reported, c.moderator, c.admin, anon]) {
      await expectDbError(
        db().request(actor, (tx) => tx`select * from private.moderation_emails`),
        "42501",
        /permission denied/,
      );
      await expectDbError(
        db().request(actor, (tx) => tx`select * from private.claim_moderation_emails(null, 50)`),
        "42501",
        /permission denied/,
      );
    }
  });
});
