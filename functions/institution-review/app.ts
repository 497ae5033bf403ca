// POST /institution-review {group_id, decision: approve|reject, reason?}: a platform admin decides
// on a pending institution. The caller's token is verified here, then the decision runs as the
// caller in one transaction through private.review_institution, which checks the admin role in
// the database (not the token's claim), applies it (approve → active + verified; reject → rejected
// with the reason), writes the audit row and notifies the creator. After the commit the creator is
// emailed when SMTP is configured; a mail failure never undoes the decision (the answer says so).
import { Hono } from "hono";
import type { Kysely } from "kysely";
import { z } from "zod";
import { verifyBearer } from "../_shared/auth.ts";
import { asCaller, asService, call, type Database } from "../_shared/db.ts";
import type { Env } from "../_shared/env.ts";
import { fromZod, withJsonErrors } from "../_shared/errors.ts";
import { type Mail, mailer } from "../_shared/mail.ts";

export const reviewInput = z.object({
  group_id: z.uuid(),
  decision: z.enum(["approve", "reject"]),
  reason: z.string().optional(),
});

/** What private.review_institution returns (json, so the generated type is Json). */
export type Review = {
  review_id: string;
  group_id: string;
  status: "active" | "rejected";
  verified: boolean;
  rejection_reason: string | null;
};

/** What private.institution_review_notice returns (json). */
type Notice = {
  email: string | null;
  display_name: string | null;
  group_name: string;
  group_slug: string;
  decision: "approve" | "reject";
  reason: string | null;
};

/** sent: the relay accepted it; skipped: SMTP is not configured; failed: see the function's log. */
export type EmailOutcome = "sent" | "skipped" | "failed";

export function createApp(env: Env, db: Kysely<Database>): Hono {
  const app = withJsonErrors(new Hono().basePath("/institution-review"));
  const mail = mailer(env);

  async function emailCreator(reviewId: string): Promise<EmailOutcome> {
    if (!mail) return "skipped";
    try {
      const notice = (await asService(db, (tx) => call(tx, "private.institution_review_notice", { review: reviewId }))) as Notice | null;
      if (!notice?.email) return "skipped";
      await mail.sendMail(reviewMail(notice));
      return "sent";
    } catch (error) {
      console.error("institution-review: emailing the creator failed", error);
      return "failed";
    }
  }

  app.post("/", async (c) => {
    const claims = await verifyBearer(c.req.header("authorization"), env);
    const parsed = reviewInput.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) throw fromZod(parsed.error);
    const { group_id, decision, reason } = parsed.data;

    const review = (await asCaller(db, claims, (tx) =>
      call(tx, "private.review_institution", { target_group: group_id, decision, reason }),
    )) as Review;
    const email = await emailCreator(review.review_id);
    return c.json({ ...review, email }, 200);
  });

  return app;
}

export function reviewMail(notice: Notice): Mail {
  const greeting = `Hello ${notice.display_name ?? "there"},`;
  if (notice.decision === "approve") {
    return {
      to: notice.email ?? "",
      subject: `Your institution “${notice.group_name}” is verified`,
      text: [
        greeting,
        "",
        `A platform admin approved “${notice.group_name}” (${notice.group_slug}). It is now public and carries the verified badge.`,
        "Renaming it later sends it back to review.",
      ].join("\n"),
    };
  }
  return {
    to: notice.email ?? "",
    subject: `Your institution request “${notice.group_name}” was not approved`,
    text: [
      greeting,
      "",
      `A platform admin did not approve “${notice.group_name}” (${notice.group_slug}).`,
      "",
      `Reason: ${notice.reason ?? ""}`,
    ].join("\n"),
  };
}
