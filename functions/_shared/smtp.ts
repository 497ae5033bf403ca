// A plain SMTP client over Deno.connect, for the transactional emails the functions send when
// SMTP_HOST and SMTP_FROM are set (SMTP_PORT defaults to 25). It speaks EHLO, MAIL, RCPT, DATA and
// QUIT to a relay that accepts mail without authentication (Supabase's local Inbucket on 54325, a
// sidecar relay such as Postfix). No STARTTLS or AUTH yet: a provider that requires them needs
// them added here (with SMTP_USER/SMTP_PASSWORD in env.ts) or a mail library.
// Headers are built so that no user-supplied text can break out of them: the subject is an
// RFC 2047 encoded word and the body is base64.
import type { Env } from "./env.ts";

export interface SmtpSettings {
  host: string;
  port: number;
  from: string;
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** The SMTP settings when email is configured, or null (then nothing is sent). */
export function smtpSettings(env: Env): SmtpSettings | null {
  if (!env.SMTP_HOST || !env.SMTP_FROM) return null;
  return { host: env.SMTP_HOST, port: env.SMTP_PORT ?? 25, from: env.SMTP_FROM };
}

export class SmtpError extends Error {}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends one plain-text message; throws SmtpError when the server refuses it or times out. */
export async function sendMail(settings: SmtpSettings, mail: Mail, timeoutMs = 10_000): Promise<void> {
  const from = envelopeAddress(settings.from);
  const to = envelopeAddress(mail.to);
  const conn = await Deno.connect({ hostname: settings.host, port: settings.port });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  const replies = replyReader(conn);
  try {
    await reply(replies, [220], "greeting");
    await command(conn, replies, `EHLO ${heloName(from)}`, [250]);
    await command(conn, replies, `MAIL FROM:<${from}>`, [250]);
    await command(conn, replies, `RCPT TO:<${to}>`, [250, 251]);
    await command(conn, replies, "DATA", [354]);
    await write(conn, `${dotStuff(message(settings.from, to, mail))}\r\n.\r\n`);
    await reply(replies, [250], "message");
    await command(conn, replies, "QUIT", [221]);
  } catch (error) {
    if (error instanceof SmtpError) throw error;
    throw new SmtpError(`SMTP conversation with ${settings.host}:${settings.port} failed: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // already closed (timeout or server hang-up)
    }
  }
}

/** The bare address of "Name <addr>" or "addr"; refuses anything that could inject a command. */
function envelopeAddress(value: string): string {
  const address = (value.match(/<([^<>]+)>\s*$/)?.[1] ?? value).trim();
  if (!/^[^\s<>@]+@[^\s<>@]+$/.test(address)) throw new SmtpError(`not an email address: ${JSON.stringify(value)}`);
  return address;
}

function heloName(from: string): string {
  return from.split("@")[1] ?? "localhost";
}

interface Reply {
  code: number;
  text: string;
}

async function* replyReader(conn: Deno.Conn): AsyncGenerator<Reply> {
  let buffer = "";
  let lines: string[] = [];
  const chunk = new Uint8Array(4096);
  while (true) {
    let newline = buffer.indexOf("\r\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 2);
      lines.push(line);
      if (/^\d{3}( |$)/.test(line)) {
        yield { code: Number(line.slice(0, 3)), text: lines.map((l) => l.slice(4)).join("\n") };
        lines = [];
      }
      newline = buffer.indexOf("\r\n");
    }
    const n = await conn.read(chunk);
    if (n === null) throw new SmtpError("the SMTP server closed the connection");
    buffer += decoder.decode(chunk.subarray(0, n), { stream: true });
  }
}

async function reply(replies: AsyncGenerator<Reply>, accepted: number[], step: string): Promise<Reply> {
  const next = await replies.next();
  if (next.done) throw new SmtpError(`${step}: the SMTP server closed the connection`);
  if (!accepted.includes(next.value.code)) throw new SmtpError(`${step}: the SMTP server answered ${next.value.code} ${next.value.text}`);
  return next.value;
}

async function command(conn: Deno.Conn, replies: AsyncGenerator<Reply>, line: string, accepted: number[]): Promise<Reply> {
  await write(conn, `${line}\r\n`);
  return reply(replies, accepted, line.split(/[ :]/)[0] ?? line);
}

async function write(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function message(from: string, to: string, mail: Mail): string {
  if (/[\r\n]/.test(from)) throw new SmtpError("SMTP_FROM must be one line");
  const domain = heloName(envelopeAddress(from));
  const headers = [
    `From: ${from}`,
    `To: <${to}>`,
    `Subject: ${encodedWords(mail.subject)}`,
    `Date: ${rfc5322Date(new Date())}`,
    `Message-ID: <${crypto.randomUUID()}@${domain}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
  ];
  return `${headers.join("\r\n")}\r\n\r\n${wrap(base64(mail.text), 76).join("\r\n")}`;
}

/** RFC 2047 encoded words of at most 75 characters, folded onto continuation lines. */
function encodedWords(text: string): string {
  const words: string[] = [];
  let current = "";
  for (const char of text) {
    if (encoder.encode(current + char).length > 45) {
      words.push(current);
      current = "";
    }
    current += char;
  }
  words.push(current);
  return words.map((w) => `=?UTF-8?B?${base64(w)}?=`).join("\r\n ");
}

function base64(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += width) lines.push(text.slice(i, i + width));
  return lines.length > 0 ? lines : [""];
}

function dotStuff(text: string): string {
  return text.replace(/(^|\r\n)\./g, "$1..");
}

function rfc5322Date(date: Date): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const two = (n: number) => String(n).padStart(2, "0");
  return `${days[date.getUTCDay()]}, ${two(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}
