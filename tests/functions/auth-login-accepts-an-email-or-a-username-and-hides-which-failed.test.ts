// auth-login on real Deno against the real database. GoTrue cannot run here, so SUPABASE_URL points
// at a small local server that plays Supabase Auth's password grant and records what it received.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { freePort, type ServedFunction, serveFunction } from "../helpers/edge-functions.ts";

const db = useTestDatabase();
const password = "Correct-Horse-9";
const received: { query: string; apikey: string | undefined; body: Record<string, unknown> }[] = [];
let auth: Server;
let functions: ServedFunction;
let emailOfAda = "";
let emailOfUnconfirmed = "";

beforeAll(async () => {
  emailOfAda = (await db().signUp({ username: "Ada_Login", email: "ada.login@example.test" })).email;
  emailOfUnconfirmed = (await db().signUp({ username: "not_yet", email: "not.yet@example.test", confirm: false })).email;
  const port = await freePort();
  auth = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => {
      raw += c.toString();
    });
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      received.push({ query: req.url ?? "", apikey: req.headers.apikey as string | undefined, body });
      res.setHeader("content-type", "application/json");
      if (req.url !== "/auth/v1/token?grant_type=password") {
        res.statusCode = 404;
        return res.end("{}");
      }
      if (body.email === emailOfUnconfirmed) {
        res.statusCode = 400;
        return res.end(JSON.stringify({ code: 400, error_code: "email_not_confirmed", msg: "Email not confirmed" }));
      }
      if (body.email === emailOfAda && body.password === password) {
        return res.end(
          JSON.stringify({
            access_token: "token-for-ada",
            token_type: "bearer",
            expires_in: 3600,
            refresh_token: "r1",
            user: { email: body.email },
          }),
        );
      }
      res.statusCode = 400;
      res.end(JSON.stringify({ code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" }));
    });
  });
  await new Promise<void>((resolve) => auth.listen(port, "127.0.0.1", resolve));
  functions = await serveFunction("auth-login", { databaseUrl: db().url, env: { SUPABASE_URL: `http://127.0.0.1:${port}` } });
});

afterAll(async () => {
  await functions?.stop();
  await new Promise((resolve) => auth?.close(resolve));
});

async function login(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(functions.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("auth-login", () => {
  it("logs in with an email, forwarding the password grant with the publishable key", async () => {
    received.length = 0;
    const { status, json } = await login({ identifier: "ADA.LOGIN@example.test", password });
    expect(status).toBe(200);
    expect(json).toMatchObject({ access_token: "token-for-ada", token_type: "bearer" });
    expect(received).toEqual([
      { query: "/auth/v1/token?grant_type=password", apikey: "test-anon-key", body: { email: emailOfAda, password } },
    ]);
  });

  it("logs in with the username in any letter case, resolving the email server-side", async () => {
    received.length = 0;
    const { status, json } = await login({ identifier: "ada_LOGIN", password });
    expect(status).toBe(200);
    expect(json.access_token).toBe("token-for-ada");
    expect(received.map((r) => r.body.email)).toEqual([emailOfAda]);
  });

  it("answers an unknown username exactly as a wrong password, without asking Supabase Auth", async () => {
    received.length = 0;
    const unknown = await login({ identifier: "nobody_here", password });
    expect(received).toEqual([]);
    const wrong = await login({ identifier: "ada_login", password: "wrong-password" });
    expect(unknown).toEqual({ status: 400, json: { error: { code: "invalid_credentials", message: "Invalid login credentials" } } });
    expect(wrong).toEqual(unknown);
  });

  it("passes on other refusals of Supabase Auth, such as an unconfirmed email", async () => {
    const { status, json } = await login({ identifier: "not_yet", password });
    expect(status).toBe(400);
    expect(json).toEqual({ error: { code: "email_not_confirmed", message: "Email not confirmed" } });
  });

  it.each([
    ["a missing password", { identifier: "ada_login" }, "password"],
    ["an empty identifier", { identifier: "  ", password }, "identifier"],
    ["a number as identifier", { identifier: 42, password }, "identifier"],
    ["a body that is not JSON", "not json", ""],
  ])("refuses %s with 400 and names the field", async (_label, body, field) => {
    const { status, json } = await login(body);
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code: "invalid_input" });
    if (field) expect(JSON.stringify(json.error)).toContain(field);
  });

  it("answers 404 for a route it does not have", async () => {
    const response = await fetch(`${functions.url}/other`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
  });
});
