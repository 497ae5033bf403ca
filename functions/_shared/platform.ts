// Calls to the platform's own APIs (Supabase Auth and Storage) made with the project's secret key, for
// the steps the database must not do itself: deleting an Auth user, writing and removing objects.
import type { Env } from "./env.ts";
import { HttpError } from "./errors.ts";

function secretKey(env: Env): string {
  if (!env.SECRET_KEY) {
    throw new HttpError(500, "misconfigured", "no secret key: SUPABASE_SECRET_KEYS (or SUPABASE_SERVICE_ROLE_KEY) is not set");
  }
  return env.SECRET_KEY;
}

/**
 * The headers of a call made with the secret key. A new secret key (sb_secret_…) is not a JWT: it goes
 * in `apikey` only, and the API gateway turns it into the service_role for the service behind it; a
 * legacy service_role key is a JWT and is also sent as the bearer token
 * (https://supabase.com/docs/guides/functions/auth-headers, https://supabase.com/docs/guides/api/api-keys).
 */
export function secretKeyHeaders(env: Env): Record<string, string> {
  const key = secretKey(env);
  return key.startsWith("sb_") ? { apikey: key } : { apikey: key, authorization: `Bearer ${key}` };
}

const asService = secretKeyHeaders;

async function failed(what: string, response: Response): Promise<HttpError> {
  const text = await response.text().catch(() => "");
  return new HttpError(502, "upstream_error", `${what} failed with HTTP ${response.status}`, text.slice(0, 500));
}

/**
 * True when the caller presented the project's secret key (constant time): in the `apikey` header, where
 * the docs put API keys (a sb_secret_… key is not a JWT), or as `Authorization: Bearer <key>` (how
 * schedules calling with the legacy service_role JWT send it).
 */
export function isServiceKey(env: Env, headers: { authorization?: string | undefined; apikey?: string | undefined }): boolean {
  const key = env.SECRET_KEY ?? "";
  if (!key) return false;
  const bearer = headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  return [bearer, headers.apikey].some((presented) => presented !== undefined && constantTimeEqual(presented, key));
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Supabase Auth's password grant: true when the password is right (the new session is discarded). */
export async function passwordIsRight(env: Env, email: string, password: string): Promise<boolean> {
  const response = await fetch(`${env.SUPABASE_URL}/auth/v1/token?grant_type=password`, {
    method: "POST",
    headers: { apikey: env.PUBLISHABLE_KEY, "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  await response.body?.cancel();
  if (response.ok) return true;
  if (response.status === 400 || response.status === 401 || response.status === 403) return false;
  if (response.status === 429) throw new HttpError(429, "over_request_rate_limit", "too many sign-in attempts: try again later");
  throw await failed("the password check", response);
}

/** POST /auth/v1/logout?scope=global with the user's own token: every session of the user ends. */
export async function signOutEverywhere(env: Env, accessToken: string): Promise<void> {
  const response = await fetch(`${env.SUPABASE_URL}/auth/v1/logout?scope=global`, {
    method: "POST",
    headers: { apikey: env.PUBLISHABLE_KEY, authorization: `Bearer ${accessToken}` },
  });
  await response.body?.cancel();
  if (!response.ok && response.status !== 401 && response.status !== 404) throw await failed("signing out", response);
}

/** DELETE /auth/v1/admin/users/<id>: the Auth user goes (a hard delete); 404 means it is gone already. */
export async function deleteAuthUser(env: Env, userId: string): Promise<void> {
  const response = await fetch(`${env.SUPABASE_URL}/auth/v1/admin/users/${encodeURIComponent(userId)}`, {
    method: "DELETE",
    headers: { ...asService(env), "content-type": "application/json" },
    body: JSON.stringify({ should_soft_delete: false }),
  });
  await response.body?.cancel();
  if (!response.ok && response.status !== 404) throw await failed("deleting the Auth user", response);
}

/** POST /storage/v1/object/<bucket>/<path>: writes an object (replacing one at that path). */
export async function uploadObject(env: Env, bucket: string, path: string, body: string, contentType: string): Promise<void> {
  const response = await fetch(`${env.SUPABASE_URL}/storage/v1/object/${bucket}/${path.split("/").map(encodeURIComponent).join("/")}`, {
    method: "POST",
    headers: { ...asService(env), "content-type": contentType, "x-upsert": "true" },
    body,
  });
  await response.body?.cancel();
  if (!response.ok) throw await failed("the upload", response);
}

/** DELETE /storage/v1/object/<bucket> {prefixes}: removes objects, at most 1,000 per request. */
export async function removeObjects(env: Env, bucket: string, names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 1000) {
    const response = await fetch(`${env.SUPABASE_URL}/storage/v1/object/${bucket}`, {
      method: "DELETE",
      headers: { ...asService(env), "content-type": "application/json" },
      body: JSON.stringify({ prefixes: names.slice(i, i + 1000) }),
    });
    await response.body?.cancel();
    if (!response.ok) throw await failed("removing objects", response);
  }
}
