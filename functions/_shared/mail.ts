// The one way the functions send email: `mailer(env)?.sendMail({to, subject, text})`, behind which the
// transport is chosen by the environment (MAIL_TRANSPORT, else smtp when SMTP_HOST is set, else none):
//
// - smtp: nodemailer (a maintained client; https://nodemailer.com/smtp/) with implicit TLS from the
//   first byte on port 465 (the default port here) and AUTH PLAIN/LOGIN with SMTP_USER/SMTP_PASSWORD.
//   Hosted edge functions cannot open outbound connections on ports 25 and 587
//   (https://supabase.com/docs/guides/functions/limits, "Outbound connections to ports 25 and 587 are
//   not allowed"), so a provider is reached on 465. SMTP_SECURE=false speaks plain SMTP (and upgrades
//   with STARTTLS where offered): only for the local catcher (`supabase start`'s on 54325, tests).
// - resend: the HTTP API of Resend (POST /emails, https://resend.com/docs/api-reference/emails/send-email),
//   for projects that prefer HTTPS to SMTP.
// - none: nothing is sent; callers report "skipped".
//
// Text bodies and headers are base64 / RFC 2047 encoded (textEncoding), so no user-supplied text can
// break out of a header or the body.
import type { Env } from "./env.ts";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Which transport this is (for logs and tests). */
  readonly transport: "smtp" | "resend";
  /** Resolves once the server or API accepted the message; throws MailError otherwise. */
  sendMail(mail: Mail): Promise<void>;
}

export class MailError extends Error {}

/** The mailer the environment configures, or null when email is off (then nothing is sent). */
export function mailer(env: Env): Mailer | null {
  const transport = env.MAIL_TRANSPORT ?? (env.SMTP_HOST ? "smtp" : "none");
  if (transport === "none") return null;
  if (!env.MAIL_FROM) throw new MailError(`MAIL_TRANSPORT=${transport} needs MAIL_FROM (the sender address)`);
  const from = sender(env.MAIL_FROM);
  return transport === "smtp" ? smtpMailer(env, from) : resendMailer(env, from);
}

function smtpMailer(env: Env, from: string): Mailer {
  if (!env.SMTP_HOST) throw new MailError("MAIL_TRANSPORT=smtp needs SMTP_HOST");
  if (Boolean(env.SMTP_USER) !== Boolean(env.SMTP_PASSWORD)) throw new MailError("SMTP_USER and SMTP_PASSWORD go together");
  const port = env.SMTP_PORT ?? 465;
  const secure = env.SMTP_SECURE ? env.SMTP_SECURE === "true" : port === 465;
  // nodemailer is loaded on the first email, not at start-up: most requests send none, and a cold
  // start should not pay for it.
  let transporter: Promise<{ sendMail(message: Record<string, unknown>): Promise<unknown> }> | undefined;
  const transport = () => {
    transporter ??= import("nodemailer").then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        host: env.SMTP_HOST,
        port,
        secure,
        ...(env.SMTP_USER && env.SMTP_PASSWORD ? { auth: { user: env.SMTP_USER, pass: env.SMTP_PASSWORD } } : {}),
        // Certificates are always verified; SMTP_TLS_CA adds a private CA (a relay of one's own, tests).
        tls: { rejectUnauthorized: true, ...(env.SMTP_TLS_CA ? { ca: [env.SMTP_TLS_CA] } : {}) },
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      }),
    );
    return transporter;
  };
  return {
    transport: "smtp",
    async sendMail(mail) {
      try {
        await (await transport()).sendMail({
          from,
          to: recipient(mail.to),
          subject: mail.subject,
          text: mail.text,
          textEncoding: "base64",
        });
      } catch (error) {
        throw new MailError(`SMTP delivery through ${env.SMTP_HOST}:${port} failed: ${(error as Error).message}`);
      }
    },
  };
}

function resendMailer(env: Env, from: string): Mailer {
  if (!env.RESEND_API_KEY) throw new MailError("MAIL_TRANSPORT=resend needs RESEND_API_KEY");
  const base = env.RESEND_API_URL ?? "https://api.resend.com";
  return {
    transport: "resend",
    async sendMail(mail) {
      let response: Response;
      try {
        response = await fetch(`${base.replace(/\/$/, "")}/emails`, {
          method: "POST",
          headers: { authorization: `Bearer ${env.RESEND_API_KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ from, to: [recipient(mail.to)], subject: mail.subject, text: mail.text }),
          signal: AbortSignal.timeout(20_000),
        });
      } catch (error) {
        throw new MailError(`the email API could not be reached: ${(error as Error).message}`);
      }
      const body = await response.text().catch(() => "");
      if (!response.ok) throw new MailError(`the email API answered ${response.status}: ${body.slice(0, 300)}`);
    },
  };
}

/** "Name <addr>" or "addr", on one line, with one plausible address. */
function sender(value: string): string {
  if (/[\r\n]/.test(value)) throw new MailError("MAIL_FROM must be one line");
  address(value);
  return value;
}

function recipient(value: string): string {
  return address(value);
}

function address(value: string): string {
  const found = (value.match(/<([^<>]+)>\s*$/)?.[1] ?? value).trim();
  if (!/^[^\s<>@,;]+@[^\s<>@,;]+$/.test(found)) throw new MailError(`not an email address: ${JSON.stringify(value)}`);
  return found;
}
