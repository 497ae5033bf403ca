// POST /moderation {action: resolve | appeal | decide-appeal, …}: the trust-and-safety workflow
// (docs/moderation.md). The caller's token is verified here; everything else runs as the caller in
// one transaction (RLS and the RPCs' own checks apply: who may handle what is decided in the
// database, not here):
//   resolve        report ids + one or more actions + one reason: each action is public.moderate()
//                  with the report ids (checked: open or resolved earlier in this transaction, the
//                  caller's to handle); the first resolves them, each records itself in their
//                  outcome (remove,suspend) and its log row names them; all or nothing.
//   appeal         the sanctioned user appeals one sanction (public.appeal).
//   decide-appeal  another moderator grants or denies it (public.decide_appeal).
// Emails go through the database's outbox (private.moderation_emails): every path that logs a
// sanction or an appeal decision queues one in the same transaction, Studio included. After the
// commit this function sends what its own request queued (the answer says how each went); a mail
// failure never undoes the decision and is retried. POST /moderation/outbox, with the service role
// key and run on a schedule (docs/operations.md), sends everything else still pending — the emails
// of actions operators take in Studio. deliver() below is the one place that sends mail.
import { Hono } from "hono";
import { type Kysely, sql } from "kysely";
import { z } from "zod";
import { verifyBearer } from "../_shared/auth.ts";
import { asCaller, asService, call, type Database } from "../_shared/db.ts";
import type { Env } from "../_shared/env.ts";
import { fromZod, HttpError, withJsonErrors } from "../_shared/errors.ts";
import { type Mail, mailer } from "../_shared/mail.ts";
import { isServiceKey } from "../_shared/platform.ts";

export const moderateActions = [
  "remove",
  "restore",
  "lock",
  "unlock",
  "warn",
  "suspend",
  "unsuspend",
  "group_ban",
  "group_unban",
  "suspend_group",
  "unsuspend_group",
  "dismiss",
] as const;

/** The actions that sanction someone: the user concerned is emailed about them. */
export const sanctions = new Set(["remove", "lock", "warn", "suspend", "group_ban", "suspend_group"]);

const targetKind = z.enum(["post", "comment", "message", "profile", "group"]);

const step = z.strictObject({
  action: z.enum(moderateActions),
  target_kind: targetKind,
  target_id: z.uuid(),
  /** suspend and group_ban only: when it ends (ISO 8601 with a zone); omitted or null: permanent. */
  until: z.iso.datetime({ offset: true }).nullish(),
  /** group_ban and group_unban: the group. */
  group_id: z.uuid().nullish(),
});

export const moderationInput = z.discriminatedUnion("action", [
  z.strictObject({
    action: z.literal("resolve"),
    report_ids: z.array(z.uuid()).min(1).max(100),
    actions: z.array(step).min(1).max(10),
    reason: z.string().max(1000),
  }),
  z.strictObject({
    action: z.literal("appeal"),
    log_id: z.uuid(),
    statement: z.string().max(2000),
  }),
  z.strictObject({
    action: z.literal("decide-appeal"),
    appeal_id: z.uuid(),
    granted: z.boolean(),
    reason: z.string().max(1000),
  }),
]);

/** What private.moderation_notice returns (json, so the generated type is Json). */
export type Notice = {
  email: string | null;
  display_name: string | null;
  action: string;
  target_kind: "post" | "comment" | "message" | "profile" | "group";
  target_id: string;
  group_id: string | null;
  reason: string | null;
  until: string | null;
};

/**
 * sent: the relay accepted it; skipped: no mail transport is configured (it stays queued) or the user has no
 * address; failed: see the log (it stays queued for a retry); queued: another sender holds it.
 */
export type EmailOutcome = "sent" | "skipped" | "failed" | "queued";

/** A claimed outbox row: private.claim_moderation_emails. */
type Claimed = { log_id: string; notice: Notice | null; group_name: string | null };

function requireServiceKey(headers: { authorization?: string | undefined; apikey?: string | undefined }, env: Env): void {
  if (!env.SECRET_KEY)
    throw new HttpError(500, "misconfigured", "no secret key: SUPABASE_SECRET_KEYS (or SUPABASE_SERVICE_ROLE_KEY) is not set");
  if (!isServiceKey(env, headers)) throw new HttpError(401, "unauthorized", "the project's secret (service role) key is required");
}

export function createApp(env: Env, db: Kysely<Database>): Hono {
  const app = withJsonErrors(new Hono().basePath("/moderation"));
  const mail = mailer(env);

  /**
   * Sends queued moderation emails: those of logIds (this request's, after its commit), or with null
   * a batch of whatever is pending (the outbox route). The one place that sends mail; never throws.
   */
  async function deliver(logIds: string[] | null): Promise<Map<string, EmailOutcome>> {
    const outcomes = new Map<string, EmailOutcome>((logIds ?? []).map((id) => [id, mail ? "queued" : "skipped"]));
    if (!mail || (logIds !== null && logIds.length === 0)) return outcomes;
    let claimed: Claimed[];
    try {
      claimed = await asService(db, async (tx) => {
        const { rows } = await sql<Claimed>`select log_id, notice, group_name
          from private.claim_moderation_emails(log_ids => ${logIds}::uuid[], batch_size => 50)`.execute(tx);
        return rows;
      });
    } catch (error) {
      console.error("moderation: claiming queued emails failed", error);
      for (const id of logIds ?? []) outcomes.set(id, "failed");
      return outcomes;
    }
    // In the order the actions were taken (rows logged in one transaction share their created_at).
    if (logIds) claimed.sort((a, b) => logIds.indexOf(a.log_id) - logIds.indexOf(b.log_id));
    for (const row of claimed) {
      let outcome: EmailOutcome;
      let failure: string | null = null;
      if (!row.notice?.email) {
        outcome = "skipped";
      } else {
        try {
          await mail.sendMail(moderationMail(row.notice, row.log_id, row.group_name));
          outcome = "sent";
        } catch (error) {
          console.error(`moderation: emailing the user about ${row.log_id} failed`, error);
          outcome = "failed";
          failure = error instanceof Error ? error.message : String(error);
        }
      }
      outcomes.set(row.log_id, outcome);
      try {
        await asService(db, (tx) =>
          call(tx, "private.finish_moderation_email", {
            log_id: row.log_id,
            outcome: outcome === "skipped" ? "no_address" : outcome,
            error: failure ?? undefined,
          }),
        );
      } catch (error) {
        // The lease runs out and a later run sends it again: at least once, never lost.
        console.error(`moderation: recording the email about ${row.log_id} failed`, error);
      }
    }
    return outcomes;
  }

  app.post("/outbox", async (c) => {
    requireServiceKey({ authorization: c.req.header("authorization"), apikey: c.req.header("apikey") }, env);
    if (!mail) return c.json({ sent: 0, skipped: 0, failed: 0, mail: "not configured" }, 200);
    const outcomes = [...(await deliver(null)).values()];
    const count = (o: EmailOutcome) => outcomes.filter((x) => x === o).length;
    return c.json({ sent: count("sent"), skipped: count("skipped"), failed: count("failed") }, 200);
  });

  app.post("/", async (c) => {
    const claims = await verifyBearer(c.req.header("authorization"), env);
    const parsed = moderationInput.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) throw fromZod(parsed.error);
    const input = parsed.data;

    if (input.action === "resolve") {
      const done = await asCaller(db, claims, async (tx) => {
        const results: { action: string; target_kind: string; target_id: string; log_id: string }[] = [];
        for (const s of input.actions) {
          const { rows } = await sql<{ log_id: string }>`select public.moderate(
              action => ${s.action}, target_kind => ${s.target_kind}, target_id => ${s.target_id}::uuid,
              reason => ${input.reason}, until => ${s.until ?? null}::timestamptz,
              report_ids => ${input.report_ids}::uuid[], group_id => ${s.group_id ?? null}::uuid
            ) as log_id`.execute(tx);
          results.push({ action: s.action, target_kind: s.target_kind, target_id: s.target_id, log_id: rows[0]?.log_id ?? "" });
        }
        return results;
      });
      const emails = await deliver(done.filter((r) => sanctions.has(r.action)).map((r) => r.log_id));
      const answered = done.map((r) => ({ ...r, email: sanctions.has(r.action) ? (emails.get(r.log_id) ?? null) : null }));
      return c.json({ report_ids: input.report_ids, results: answered }, 200);
    }

    if (input.action === "appeal") {
      const appealId = await asCaller(db, claims, (tx) => call(tx, "public.appeal", { log_id: input.log_id, statement: input.statement }));
      return c.json({ appeal_id: appealId, log_id: input.log_id, status: "pending" }, 200);
    }

    const logId = await asCaller(db, claims, (tx) =>
      call(tx, "public.decide_appeal", { appeal_id: input.appeal_id, granted: input.granted, reason: input.reason }),
    );
    const email = (await deliver([logId])).get(logId) ?? null;
    return c.json({ appeal_id: input.appeal_id, status: input.granted ? "granted" : "denied", log_id: logId, email }, 200);
  });

  return app;
}

const things: Record<Notice["target_kind"], string> = {
  post: "post",
  comment: "comment",
  message: "message",
  profile: "account",
  group: "group",
};

function when(until: string | null): string {
  if (!until) return "permanently";
  return `until ${new Date(until).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The email about one log row: a sanction (with how to appeal it) or an appeal decision. */
export function moderationMail(notice: Notice, logId: string, groupName: string | null): Mail {
  const greeting = `Hello ${notice.display_name ?? "there"},`;
  const thing = things[notice.target_kind] ?? notice.target_kind;
  const group = groupName ? `“${groupName}”` : "a group";
  const reason = `Reason: ${notice.reason ?? ""}`;
  const appeal = [
    "",
    "If you think this is a mistake, you can appeal once from the app; another moderator will decide.",
    `Reference: ${logId}`,
  ];
  const mail = (subject: string, lines: string[]): Mail => ({
    to: notice.email ?? "",
    subject,
    text: [greeting, "", ...lines].join("\n"),
  });
  switch (notice.action) {
    case "remove":
      return mail(`Your ${thing} was removed`, [`A moderator removed your ${thing}. You still see it, marked removed.`, reason, ...appeal]);
    case "lock":
      return mail("Your post was locked", ["A moderator locked your post: it takes no new comments or reactions.", reason, ...appeal]);
    case "warn":
      return mail("A warning about your account", ["A moderator warned you about your account.", reason, ...appeal]);
    case "suspend":
      return mail(`Your account is suspended ${when(notice.until)}`, [
        `A moderator suspended your account ${when(notice.until)}. You can sign in and read, but not post, comment, react or send messages.`,
        reason,
        ...appeal,
      ]);
    case "group_ban":
      return mail(`You are banned from ${group}`, [
        `A moderator banned you from ${group} ${when(notice.until)}: you are no longer a member and cannot rejoin or follow it.`,
        reason,
        ...appeal,
      ]);
    case "suspend_group":
      return mail(`Your group ${group} is suspended`, [
        `A moderator suspended ${group}: it is read-only and hidden from discovery; members can still read it.`,
        reason,
        ...appeal,
      ]);
    case "appeal_granted":
      return mail("Your appeal was granted", [
        `A moderator granted your appeal about your ${thing}: the sanction is lifted.`,
        `Their reason: ${notice.reason ?? ""}`,
      ]);
    case "appeal_denied":
      return mail("Your appeal was denied", [
        `A moderator denied your appeal about your ${thing}: the sanction stands. This decision is final.`,
        `Their reason: ${notice.reason ?? ""}`,
      ]);
    default:
      return mail("A moderation decision about your account", [`A moderator acted on your ${thing} (${notice.action}).`, reason]);
  }
}
