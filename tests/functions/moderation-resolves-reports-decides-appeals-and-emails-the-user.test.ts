// The moderation edge function on real Deno: resolving reports with several actions in one
// transaction, appealing and deciding an appeal, and the emails sent after the commit (caught by a
// real SMTP sink) — which never undo a decision when they fail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { postJson, type ServedFunction, serveFunction, signAccessToken } from "../helpers/edge-functions.ts";
import { type SmtpSink, startSmtpSink } from "../helpers/smtp-sink.ts";
import { type Cast, castOf, createPost, idOf, report } from "../moderation/cast.ts";

const db = useTestDatabase();

let sink: SmtpSink;
let fn: ServedFunction;
let c: Cast;

beforeAll(async () => {
  sink = await startSmtpSink();
  fn = await serveFunction("moderation", {
    databaseUrl: db().url,
    env: { SMTP_HOST: sink.host, SMTP_PORT: String(sink.port), SMTP_FROM: "Threads Safety <safety@threads.example>" },
  });
  c = await castOf(db());
});

afterAll(async () => {
  await fn?.stop();
  await sink?.close();
});

const token = (actor: Actor) => signAccessToken(actor.claims);

async function reportsOf(targetId: string) {
  return db().admin<
    { reporter_id: string; status: string; outcome: string | null; log_id: string | null }[]
  >`select reporter_id, status, outcome, log_id from public.reports where target_id = ${targetId} order by created_at`;
}

/** Everything in a mail the reported user reads, to scan for the reporter. */
const mailText = (m: { subject: string; text: string; raw: string }) => `${m.subject}\n${m.text}\n${m.raw}`;

describe("moderation on Deno: resolve", () => {
  it("a platform moderator removes a post and suspends its author in one request; reports, log, notifications and two emails follow", async () => {
    const post = await createPost(db(), c.reported, "buy my pills now", c.groupId);
    const reportIds = [await report(db(), c.reporter, "post", post, "spam"), await report(db(), c.bystander, "post", post, "harassment")];
    const until = new Date(Date.now() + 7 * 86_400_000);
    const before = sink.messages.length;

    const answer = await postJson(
      fn.url,
      {
        action: "resolve",
        report_ids: reportIds,
        reason: "Selling pills is spam.",
        actions: [
          { action: "remove", target_kind: "post", target_id: post },
          { action: "suspend", target_kind: "profile", target_id: idOf(c.reported), until: until.toISOString() },
        ],
      },
      await token(c.moderator),
    );
    expect(answer.status).toBe(200);
    const results = answer.body.results as { action: string; log_id: string; email: string | null }[];
    expect(results).toEqual([
      { action: "remove", target_kind: "post", target_id: post, log_id: expect.any(String), email: "sent" },
      { action: "suspend", target_kind: "profile", target_id: idOf(c.reported), log_id: expect.any(String), email: "sent" },
    ]);
    expect(answer.body.report_ids).toEqual(reportIds);

    // The decision: the post removed with the reason, the author suspended until then, logged as the moderator.
    expect(await db().admin`select removed_reason from public.posts where id = ${post}`).toEqual([
      { removed_reason: "Selling pills is spam." },
    ]);
    const [suspension] = await db().admin<{ until: Date }[]>`select until from public.suspensions where user_id = ${idOf(c.reported)}`;
    expect(suspension?.until.getTime()).toBe(until.getTime());
    const log = await db().admin`select id, action, actor_id, reason, report_ids from public.moderation_log
      where id in ${db().admin(results.map((r) => r.log_id))} order by created_at`;
    expect(log).toEqual([
      { id: results[0]?.log_id, action: "remove", actor_id: idOf(c.moderator), reason: "Selling pills is spam.", report_ids: reportIds },
      { id: results[1]?.log_id, action: "suspend", actor_id: idOf(c.moderator), reason: "Selling pills is spam.", report_ids: reportIds },
    ]);
    // Both reports resolved together by the first action, recording both; each reporter hears the outcome only.
    expect(await reportsOf(post)).toEqual([
      { reporter_id: idOf(c.reporter), status: "actioned", outcome: "remove,suspend", log_id: results[0]?.log_id },
      { reporter_id: idOf(c.bystander), status: "actioned", outcome: "remove,suspend", log_id: results[0]?.log_id },
    ]);
    const [resolved] = await db().request(
      c.reporter,
      (tx) => tx`select data from public.notifications where kind = 'report_resolved' and subject_id = ${reportIds[0] ?? ""}`,
    );
    expect(resolved?.data).toMatchObject({ status: "actioned", outcome: "actioned" });
    expect(JSON.stringify(resolved?.data)).not.toContain("Selling pills");

    // The emails, after the commit, to the sanctioned user only; no reporter in them.
    const mails = (await sink.waitFor(before + 2)).slice(before);
    expect(mails.map((m) => m.to)).toEqual([[c.reported.user?.email], [c.reported.user?.email]]);
    expect(mails.map((m) => m.from)).toEqual(["safety@threads.example", "safety@threads.example"]);
    const [removed, suspended] = mails;
    expect(removed?.subject).toBe("Your post was removed");
    expect(removed?.text).toContain("Reason: Selling pills is spam.");
    expect(removed?.text).toContain(`Reference: ${results[0]?.log_id}`);
    const end = `${until.toISOString().slice(0, 16).replace("T", " ")} UTC`;
    expect(suspended?.subject).toBe(`Your account is suspended until ${end}`);
    expect(suspended?.text).toContain("You can sign in and read");
    for (const mail of mails) {
      for (const reporter of [c.reporter, c.bystander]) {
        for (const trace of [idOf(reporter), reporter.user?.email, reporter.user?.username]) expect(mailText(mail)).not.toContain(trace);
      }
    }

    // The suspended user appeals the suspension through the function (the one write allowed) …
    const appealed = await postJson(
      fn.url,
      { action: "appeal", log_id: results[1]?.log_id, statement: "I sell vitamins, not pills." },
      await token(c.reported),
    );
    expect(appealed).toMatchObject({ status: 200, body: { appeal_id: expect.any(String), log_id: results[1]?.log_id, status: "pending" } });
    // … and a platform admin (not the moderator who acted) grants it: lifted, logged, notified, emailed.
    const mailsBefore = sink.messages.length;
    const decided = await postJson(
      fn.url,
      { action: "decide-appeal", appeal_id: appealed.body.appeal_id, granted: true, reason: "The product is legal." },
      await token(c.admin),
    );
    expect(decided).toMatchObject({
      status: 200,
      body: { appeal_id: appealed.body.appeal_id, status: "granted", log_id: expect.any(String), email: "sent" },
    });
    expect(await db().admin`select user_id from public.suspensions where user_id = ${idOf(c.reported)}`).toEqual([]);
    expect(await db().admin`select action, actor_id from public.moderation_log where id = ${decided.body.log_id as string}`).toEqual([
      { action: "appeal_granted", actor_id: idOf(c.admin) },
    ]);
    const [granted] = (await sink.waitFor(mailsBefore + 1)).slice(mailsBefore);
    expect(granted?.to).toEqual([c.reported.user?.email]);
    expect(granted?.subject).toBe("Your appeal was granted");
    expect(granted?.text).toContain("Their reason: The product is legal.");
    // Writing works again: the suspension is gone.
    await createPost(db(), c.reported, "vitamins, legally");
  });

  it("a group admin dismisses the reports of a group post: no sanction, no email, the reporter hears 'dismissed'", async () => {
    const post = await createPost(db(), c.reported, "a heated but fine take", c.groupId);
    const reportId = await report(db(), c.reporter, "post", post, "harassment");
    const before = sink.messages.length;
    const answer = await postJson(
      fn.url,
      {
        action: "resolve",
        report_ids: [reportId],
        reason: "Within the rules.",
        actions: [{ action: "dismiss", target_kind: "post", target_id: post }],
      },
      await token(c.groupAdmin),
    );
    expect(answer).toMatchObject({ status: 200, body: { results: [{ action: "dismiss", email: null }] } });
    expect(await reportsOf(post)).toMatchObject([{ status: "dismissed", outcome: "dismissed" }]);
    expect(await db().admin`select removed_at from public.posts where id = ${post}`).toEqual([{ removed_at: null }]);
    const [note] = await db().request(
      c.reporter,
      (tx) => tx`select data->>'outcome' as outcome from public.notifications where kind = 'report_resolved' and subject_id = ${reportId}`,
    );
    expect(note).toEqual({ outcome: "dismissed" });
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.length).toBe(before);
  });

  it("a denied appeal is emailed too, and the sanction stands", async () => {
    const post = await createPost(db(), c.reported, "off topic rant", c.groupId);
    const reportId = await report(db(), c.reporter, "post", post, "other");
    const resolved = await postJson(
      fn.url,
      {
        action: "resolve",
        report_ids: [reportId],
        reason: "Off topic.",
        actions: [{ action: "lock", target_kind: "post", target_id: post }],
      },
      await token(c.groupAdmin),
    );
    const [locked] = resolved.body.results as { log_id: string; email: string }[];
    expect(locked?.email).toBe("sent");
    const appealed = await postJson(
      fn.url,
      { action: "appeal", log_id: locked?.log_id, statement: "It was on topic." },
      await token(c.reported),
    );
    const before = sink.messages.length;
    const decided = await postJson(
      fn.url,
      { action: "decide-appeal", appeal_id: appealed.body.appeal_id, granted: false, reason: "It was not." },
      await token(c.groupOwner),
    );
    expect(decided).toMatchObject({ status: 200, body: { status: "denied", email: "sent" } });
    const [denied] = (await sink.waitFor(before + 1)).slice(before);
    expect(denied?.subject).toBe("Your appeal was denied");
    expect(denied?.text).toContain("Their reason: It was not.");
    expect(await db().admin<{ locked: boolean }[]>`select locked_at is not null as locked from public.posts where id = ${post}`).toEqual([
      { locked: true },
    ]);
  });
});

describe("moderation on Deno: email after the commit", () => {
  it("decides even when the mail relay is down, and says each email failed", async () => {
    const down = await serveFunction("moderation", {
      databaseUrl: db().url,
      env: { SMTP_HOST: "127.0.0.1", SMTP_PORT: "1", SMTP_FROM: "safety@threads.example" },
    });
    try {
      const post = await createPost(db(), c.reported, "more spam", c.groupId);
      const reportId = await report(db(), c.reporter, "post", post, "spam");
      const answer = await postJson(
        down.url,
        {
          action: "resolve",
          report_ids: [reportId],
          reason: "Spam.",
          actions: [{ action: "remove", target_kind: "post", target_id: post }],
        },
        await token(c.moderator),
      );
      expect(answer).toMatchObject({ status: 200, body: { results: [{ action: "remove", email: "failed" }] } });
      expect(await db().admin`select removed_reason from public.posts where id = ${post}`).toEqual([{ removed_reason: "Spam." }]);
      expect(await reportsOf(post)).toMatchObject([{ status: "actioned" }]);
      expect(down.output()).toContain("moderation: emailing the user about");
    } finally {
      await down.stop();
    }
  });

  it("skips the email when SMTP is not configured", async () => {
    const quiet = await serveFunction("moderation", { databaseUrl: db().url });
    try {
      const before = sink.messages.length;
      const answer = await postJson(
        quiet.url,
        {
          action: "resolve",
          report_ids: [await report(db(), c.reporter, "profile", idOf(c.reported), "spam")],
          reason: "Be nice.",
          actions: [{ action: "warn", target_kind: "profile", target_id: idOf(c.reported) }],
        },
        await token(c.moderator),
      );
      expect(answer).toMatchObject({ status: 200, body: { results: [{ action: "warn", email: "skipped" }] } });
      expect(sink.messages.length).toBe(before);
    } finally {
      await quiet.stop();
    }
  });
});
