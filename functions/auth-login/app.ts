// POST /auth-login {identifier, password}: log in with an email or a username. The username is
// resolved to the email server-side (it is never exposed), then Supabase Auth's password grant
// issues the session. An unknown username and a wrong password get the same answer.
import { Hono } from "hono";
import type { Kysely } from "kysely";
import { z } from "zod";
import { asService, call, type Database } from "../_shared/db.ts";
import type { Env } from "../_shared/env.ts";
import { fromZod, HttpError, withJsonErrors } from "../_shared/errors.ts";

export const loginInput = z.object({
  identifier: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
});

const invalidCredentials = () => new HttpError(400, "invalid_credentials", "Invalid login credentials");

export function createApp(env: Env, db: Kysely<Database>): Hono {
  const app = withJsonErrors(new Hono().basePath("/auth-login"));

  app.post("/", async (c) => {
    const parsed = loginInput.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) throw fromZod(parsed.error);
    const { identifier, password } = parsed.data;

    const email = identifier.includes("@")
      ? identifier.toLowerCase()
      : await asService(db, (tx) => call(tx, "private.login_email", { identifier }));
    if (!email) throw invalidCredentials();

    const response = await fetch(`${env.SUPABASE_URL}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: env.PUBLISHABLE_KEY, "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok) return c.json(body, 200);
    const code = String(body.error_code ?? body.code ?? "auth_error");
    if (code === "invalid_credentials" || code === "invalid_grant") throw invalidCredentials();
    const status = response.status === 429 ? 429 : response.status >= 500 ? 502 : 400;
    throw new HttpError(status, code, String(body.msg ?? body.message ?? "login failed"));
  });

  return app;
}
