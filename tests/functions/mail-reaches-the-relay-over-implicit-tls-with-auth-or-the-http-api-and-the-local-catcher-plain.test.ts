// functions/_shared/mail.ts on real Deno. Hosted edge functions cannot reach ports 25 and 587, so the
// SMTP transport speaks implicit TLS (port 465 by default) with AUTH; here a real SMTP server
// (smtp-server) listens with TLS from the first byte on a certificate made for this run (openssl, a
// throwaway CA-less self-signed certificate for 127.0.0.1 that the mailer trusts through SMTP_TLS_CA)
// and demands a user and password. The local catcher (plain, no AUTH) and the HTTP API transport
// (Resend's POST /emails, played by a local server) are checked the same way.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/migrations.ts";

interface Received {
  user: string | null;
  secure: boolean;
  from: string;
  to: string[];
  raw: string;
}

async function startRelay(options: { tls?: { key: string; cert: string }; users?: Record<string, string> }) {
  const received: Received[] = [];
  const server = new SMTPServer({
    secure: Boolean(options.tls),
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    authOptional: !options.users,
    authMethods: ["PLAIN", "LOGIN"],
    disabledCommands: options.users ? ["STARTTLS"] : ["AUTH", "STARTTLS"],
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.users?.[auth.username ?? ""] === auth.password) return callback(null, { user: auth.username });
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          user: (session.user as string | undefined) ?? null,
          secure: session.secure,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  // A client that rejects the certificate aborts the handshake; the server reports it as an error event.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * mailer(loadEnv()).sendMail(mail) in Deno with exactly these variables: "sent via …", "off" or the
 * error. Asynchronous, so that the servers of this process can answer meanwhile.
 */
async function sendInDeno(
  vars: Record<string, string>,
  mail = { to: "ada@example.com", subject: "Grüße — hello", text: "line one\n.\nline three ✓" },
): Promise<string> {
  const script = `
    import { loadEnv } from ${JSON.stringify(join(repoRoot, "functions/_shared/env.ts"))};
    import { mailer } from ${JSON.stringify(join(repoRoot, "functions/_shared/mail.ts"))};
    try {
      const m = mailer(loadEnv());
      if (!m) console.log("off");
      else { await m.sendMail(${JSON.stringify(mail)}); console.log("sent via " + m.transport); }
    } catch (error) { console.log("error: " + error.message); }`;
  const result = await promisify(execFile)(
    join(repoRoot, "node_modules/.bin/deno"),
    ["eval", "--node-modules-dir=manual", "--config", join(repoRoot, "functions/deno.json"), script],
    {
      cwd: repoRoot,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NO_COLOR: "1",
        SUPABASE_URL: "http://127.0.0.1:54321",
        SUPABASE_DB_URL: "postgres://postgres@127.0.0.1:5432/postgres",
        SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_x"}',
        ...vars,
      },
      timeout: 60_000,
    },
  );
  return result.stdout.trim().split("\n").at(-1) ?? "";
}

function decodedBody(raw: string): string {
  const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
}

let dir: string;
let tls: { key: string; cert: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mail-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  tls = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SMTP with implicit TLS and AUTH (what a hosted function can reach: port 465)", () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  beforeAll(async () => {
    relay = await startRelay({ tls, users: { "relay-user": "relay-password" } });
  });
  afterAll(() => relay?.close());

  const settings = () => ({
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(relay.port),
    SMTP_SECURE: "true",
    SMTP_USER: "relay-user",
    SMTP_PASSWORD: "relay-password",
    SMTP_TLS_CA: tls.cert,
    MAIL_FROM: "Threads <no-reply@threads.example>",
  });

  it("delivers over TLS from the first byte, authenticated, with the subject and body intact", async () => {
    expect(await sendInDeno(settings())).toBe("sent via smtp");
    const [mail] = relay.received.slice(-1);
    expect(mail).toMatchObject({ user: "relay-user", secure: true, from: "no-reply@threads.example", to: ["ada@example.com"] });
    expect(mail?.raw).toMatch(/^Subject: =\?UTF-8\?B\?/m);
    expect(decodedBody(mail?.raw ?? "")).toBe("line one\n.\nline three ✓");
  });

  it("refuses a wrong password and a certificate it cannot verify, delivering nothing", async () => {
    const count = relay.received.length;
    expect(await sendInDeno({ ...settings(), SMTP_PASSWORD: "wrong" })).toMatch(
      /^error: SMTP delivery through 127\.0\.0\.1:\d+ failed: .*Invalid/,
    );
    const untrusted: Record<string, string> = { ...settings() };
    delete untrusted.SMTP_TLS_CA;
    expect(await sendInDeno(untrusted)).toMatch(/^error: SMTP delivery .* failed: .*(certificate|self.signed|UnknownIssuer|verify)/i);
    expect(relay.received.length).toBe(count);
  });

  it("refuses settings that cannot work, and sends nothing without any", async () => {
    expect(await sendInDeno({ SMTP_HOST: "127.0.0.1", SMTP_USER: "u", MAIL_FROM: "a@b.example" })).toBe(
      "error: SMTP_USER and SMTP_PASSWORD go together",
    );
    expect(await sendInDeno({ SMTP_HOST: "127.0.0.1" })).toBe("error: MAIL_TRANSPORT=smtp needs MAIL_FROM (the sender address)");
    expect(await sendInDeno({})).toBe("off");
  });
});

describe("the local catcher (supabase start's, the tests' sink): plain SMTP, no AUTH", () => {
  it("delivers when SMTP_SECURE=false", async () => {
    const catcher = await startRelay({});
    try {
      expect(
        await sendInDeno({
          SMTP_HOST: "127.0.0.1",
          SMTP_PORT: String(catcher.port),
          SMTP_SECURE: "false",
          SMTP_FROM: "dev@threads.example",
        }),
      ).toBe("sent via smtp");
      expect(catcher.received).toHaveLength(1);
      expect(catcher.received[0]).toMatchObject({ user: null, secure: false, to: ["ada@example.com"] });
    } finally {
      await catcher.close();
    }
  });
});

describe("an HTTP email API (MAIL_TRANSPORT=resend)", () => {
  it("POSTs the message with the API key and reports the API's refusal", async () => {
    const requests: { auth: string | undefined; body: unknown }[] = [];
    const api = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => {
        raw += c.toString();
      });
      req.on("end", () => {
        requests.push({ auth: req.headers.authorization, body: JSON.parse(raw) });
        res.statusCode = req.headers.authorization === "Bearer re_test_key" ? 200 : 401;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(res.statusCode === 200 ? { id: "e-1" } : { message: "API key is invalid" }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", () => resolve()));
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    try {
      const vars = {
        MAIL_TRANSPORT: "resend",
        RESEND_API_URL: url,
        RESEND_API_KEY: "re_test_key",
        MAIL_FROM: "Threads <no-reply@threads.example>",
      };
      expect(await sendInDeno(vars)).toBe("sent via resend");
      expect(requests[0]).toEqual({
        auth: "Bearer re_test_key",
        body: {
          from: "Threads <no-reply@threads.example>",
          to: ["ada@example.com"],
          subject: "Grüße — hello",
          text: "line one\n.\nline three ✓",
        },
      });
      expect(await sendInDeno({ ...vars, RESEND_API_KEY: "re_wrong" })).toBe(
        'error: the email API answered 401: {"message":"API key is invalid"}',
      );
    } finally {
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  });
});
