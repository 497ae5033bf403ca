// What Supabase Auth (GoTrue) does when it issues an access token, for development and tests:
// build the claims, run our Custom Access Token hook as supabase_auth_admin inside a transaction
// with a 2 s statement timeout, and sign the result. GoTrue itself runs in production.
import { randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type postgres from "postgres";

export type Claims = Record<string, unknown>;

export interface AuthUserRow {
  id: string;
  email: string;
  raw_app_meta_data: Claims;
  raw_user_meta_data: Claims;
}

export const accessTokenLifetime = 3600;

/** The HS256 secret of local development (the Supabase CLI's well-known local default). */
export const developmentJwtSecret = process.env.SUPABASE_JWT_SECRET ?? "super-secret-jwt-token-with-at-least-32-characters-long";

/** The event GoTrue sends the Custom Access Token hook (v0hooks CustomAccessTokenInput). */
export function accessTokenEvent(user: AuthUserRow, now = Math.floor(Date.now() / 1000)) {
  return {
    metadata: { uuid: randomUUID(), time: new Date(now * 1000).toISOString(), name: "custom_access_token", ip_address: "127.0.0.1" },
    user_id: user.id,
    claims: {
      iss: "http://127.0.0.1:54321/auth/v1",
      aud: "authenticated",
      exp: now + accessTokenLifetime,
      iat: now,
      sub: user.id,
      email: user.email,
      phone: "",
      app_metadata: user.raw_app_meta_data,
      user_metadata: user.raw_user_meta_data,
      role: "authenticated",
      aal: "aal1",
      amr: [{ method: "password", timestamp: now }],
      session_id: randomUUID(),
      is_anonymous: false,
    },
    authentication_method: "password",
  };
}

/**
 * Runs the hook exactly as GoTrue does. `sql` must reach the database as supabase_auth_admin, or
 * as a superuser (PGlite), in which case the role is switched for the transaction.
 */
export async function runAccessTokenHook(sql: postgres.Sql, user: AuthUserRow): Promise<Claims> {
  const event = accessTokenEvent(user);
  const answer = await sql.begin(async (tx) => {
    await tx`set local statement_timeout = '2s'`;
    const [{ current_user: me } = { current_user: "" }] = await tx<{ current_user: string }[]>`select current_user`;
    if (me !== "supabase_auth_admin") await tx`set local role supabase_auth_admin`;
    const [row] = await tx<{ out: { claims?: Claims } }[]>`
      select public.custom_access_token_hook(${tx.json(event as unknown as postgres.JSONValue)}) as out`;
    return row?.out;
  });
  if (!answer?.claims) throw new Error("the access-token hook returned no claims");
  return answer.claims;
}

export async function findAuthUser(sql: postgres.Sql, where: { id: string } | { email: string }): Promise<AuthUserRow | undefined> {
  const rows =
    "id" in where
      ? await sql<AuthUserRow[]>`select id, email, raw_app_meta_data, raw_user_meta_data from auth.users where id = ${where.id}`
      : await sql<
          AuthUserRow[]
        >`select id, email, raw_app_meta_data, raw_user_meta_data from auth.users where email = ${where.email.toLowerCase()}`;
  return rows[0];
}

export async function signAccessToken(claims: Claims, secret: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
}

/** A session shaped like GoTrue's token response. */
export async function issueSession(sql: postgres.Sql, user: AuthUserRow, secret: string) {
  const claims = await runAccessTokenHook(sql, user);
  return {
    access_token: await signAccessToken(claims, secret),
    token_type: "bearer",
    expires_in: accessTokenLifetime,
    expires_at: Number(claims.exp),
    refresh_token: randomBytes(12).toString("hex"),
    user: {
      id: user.id,
      aud: "authenticated",
      role: "authenticated",
      email: user.email,
      app_metadata: user.raw_app_meta_data,
      user_metadata: user.raw_user_meta_data,
    },
  };
}

/** GoTrue's password grant for development: bcrypt check in the database, then a session. */
export async function passwordGrant(sql: postgres.Sql, email: string, password: string, secret: string) {
  const [row] = await sql<{ id: string; confirmed: boolean }[]>`
    select id, email_confirmed_at is not null as confirmed from auth.users
    where email = ${email.toLowerCase()} and encrypted_password = extensions.crypt(${password}, encrypted_password)`;
  if (!row) return { status: 400, body: { code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" } };
  if (!row.confirmed) return { status: 400, body: { code: 400, error_code: "email_not_confirmed", msg: "Email not confirmed" } };
  const user = await findAuthUser(sql, { id: row.id });
  if (!user) return { status: 400, body: { code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" } };
  return { status: 200, body: await issueSession(sql, user, secret) };
}
