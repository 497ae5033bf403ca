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
// After the commit the user concerned is emailed about each sanction and each appeal decision when
// SMTP is configured (private.moderation_notice, read as service_role); a mail failure never undoes
// the decision (the answer says so, per email).
import { Hono } from "hono";
import { type Kysely, sql } from "kysely";
import { z } from "zod";
import { verifyBearer } from "../_shared/auth.ts";
import { asCaller, asService, call, type Database } from "../_shared/db.ts";
import type { Env } from "../_shared/env.ts";
import { fromZod, withJsonErrors } from "../_shared/errors.ts";
import { type Mail, mailer } from "../_shared/mail.ts";

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

/** sent: the relay accepted it; skipped: SMTP is not configured or the user has no address; failed: see the log. */
export type EmailOutcome = "sent" | "skipped" | "failed";

export function createApp(env: Env, db: Kysely<Database>): Hono {
  const app = withJsonErrors(new Hono().basePath("/moderation"));
  const mail = mailer(env);

  /** Emails the user a log row is about. Runs after the commit; never throws. */
  async function emailAbout(logId: string): Promise<EmailOutcome> {
    if (!mail) return "skipped";
    try {
      const notice = await asService(db, async (tx) => {
        const found = (await call(tx, "private.moderation_notice", { log_id: logId })) as Notice | null;
        if (!found?.group_id) return found ? { notice: found, groupName: null } : null;
        const group = await tx.selectFrom("groups").select("name").where("id", "=", found.group_id).executeTakeFirst();
        return { notice: found, groupName: group?.name ?? null };
      });
      if (!notice?.notice.email) return "skipped";
      await mail.sendMail(moderationMail(notice.notice, logId, notice.groupName));
      return "sent";
    } catch (error) {
      console.error(`moderation: emailing the user about ${logId} failed`, error);
      return "failed";
    }
  }

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
      const answered = [];
      for (const r of done) answered.push({ ...r, email: sanctions.has(r.action) ? await emailAbout(r.log_id) : null });
      return c.json({ report_ids: input.report_ids, results: answered }, 200);
    }

    if (input.action === "appeal") {
      const appealId = await asCaller(db, claims, (tx) => call(tx, "public.appeal", { log_id: input.log_id, statement: input.statement }));
      return c.json({ appeal_id: appealId, log_id: input.log_id, status: "pending" }, 200);
    }

    const logId = await asCaller(db, claims, (tx) =>
      call(tx, "public.decide_appeal", { appeal_id: input.appeal_id, granted: input.granted, reason: input.reason }),
    );
    const email = await emailAbout(logId);
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
