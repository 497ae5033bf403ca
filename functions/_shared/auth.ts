// Verifies the caller's access token, the way Supabase documents it for both kinds of projects:
//
// - Projects on JWT signing keys (asymmetric, ES256 by default for new projects; RS256 and EdDSA are
//   the other choices) publish their public keys at <SUPABASE_URL>/auth/v1/.well-known/jwks.json; the
//   token is verified locally against that set (jose's createRemoteJWKSet fetches and caches it and
//   refetches when a token names a kid it does not know, so rotations work). SUPABASE_JWKS, which the
//   platform also provides, is tried first when it holds the token's kid (no network call).
//   https://supabase.com/docs/guides/auth/signing-keys, https://supabase.com/docs/guides/functions/auth
// - Projects still on the legacy HS256 secret: hosted functions get no variable holding that secret
//   (https://supabase.com/docs/guides/functions/secrets lists none), so an HS256 token is verified
//   locally only when the operator set AUTH_JWT_SECRET (or a local runner sets SUPABASE_JWT_SECRET),
//   and otherwise Supabase Auth checks it: GET /auth/v1/user with the token, which is what
//   supabase.auth.getClaims() falls back to for symmetric tokens (auth-js GoTrueClient.getClaims).
//
// Whatever the path, the algorithm is pinned per path (no alg confusion), the audience must be
// "authenticated" and the role "authenticated", and any failure is a 401 in the functions' JSON shape.
// Because the gateway's verify_jwt check cannot verify tokens signed with the new keys, every function
// is deployed with verify_jwt = false (supabase/config.toml) and relies on this check alone.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import type { Env } from "./env.ts";
import { HttpError } from "./errors.ts";

export interface Claims extends JWTPayload {
  role: string;
  sub: string;
  user_roles?: string[];
}

const audience = "authenticated";
const asymmetric = ["ES256", "RS256", "EdDSA"];
const invalid = () => new HttpError(401, "unauthorized", "the access token is invalid or expired");

/** One remote key set per project URL, so its cache lives as long as the function's worker. */
const remoteSets = new Map<string, JWTVerifyGetKey>();

export function jwksUrl(env: Pick<Env, "SUPABASE_URL">): URL {
  return new URL("auth/v1/.well-known/jwks.json", env.SUPABASE_URL.endsWith("/") ? env.SUPABASE_URL : `${env.SUPABASE_URL}/`);
}

function remoteSet(env: Env): JWTVerifyGetKey {
  const url = jwksUrl(env).href;
  let set = remoteSets.get(url);
  if (!set) {
    // GoTrue sends max-age=600 on this document; keep a fetched set ten minutes, refetch at most every 30 s on an unknown kid.
    set = createRemoteJWKSet(new URL(url), { cacheMaxAge: 600_000, cooldownDuration: 30_000, timeoutDuration: 5_000 });
    remoteSets.set(url, set);
  }
  return set;
}

/** SUPABASE_JWKS ({"keys":[…]} or a bare array) as a key set, when it holds the key the token names. */
function providedSet(env: Env, kid: string | undefined): JWTVerifyGetKey | null {
  if (!env.SUPABASE_JWKS || !kid) return null;
  try {
    const parsed = JSON.parse(env.SUPABASE_JWKS) as unknown;
    const keys = (Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown }).keys) as { kid?: string }[] | undefined;
    if (!Array.isArray(keys) || !keys.some((k) => k?.kid === kid)) return null;
    return createLocalJWKSet({ keys } as Parameters<typeof createLocalJWKSet>[0]);
  } catch {
    return null;
  }
}

export async function verifyBearer(header: string | undefined, env: Env): Promise<Claims> {
  const token = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (!token) throw new HttpError(401, "unauthorized", "an Authorization: Bearer <access token> header is required");
  let alg: string | undefined;
  let kid: string | undefined;
  try {
    ({ alg, kid } = decodeProtectedHeader(token));
  } catch {
    throw invalid();
  }
  let payload: JWTPayload;
  if (alg === "HS256") {
    payload = env.JWT_SECRET ? await verifyLocally(token, new TextEncoder().encode(env.JWT_SECRET), ["HS256"]) : await askAuth(token, env);
  } else if (alg && asymmetric.includes(alg)) {
    payload = await verifyLocally(token, providedSet(env, kid) ?? remoteSet(env), asymmetric);
  } else {
    throw invalid();
  }
  if (typeof payload.sub !== "string" || payload.role !== "authenticated") throw invalid();
  return payload as Claims;
}

async function verifyLocally(token: string, key: Uint8Array | JWTVerifyGetKey, algorithms: string[]): Promise<JWTPayload> {
  try {
    const { payload } =
      key instanceof Uint8Array
        ? await jwtVerify(token, key, { audience, algorithms })
        : await jwtVerify(token, key, { audience, algorithms });
    return payload;
  } catch (error) {
    if (error instanceof errors.JWKSTimeout || (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC")) {
      throw new HttpError(503, "auth_unavailable", "the project's signing keys could not be fetched; try again");
    }
    if (error instanceof errors.JOSEError) throw invalid();
    // fetch() failing (DNS, refused connection) while getting the key set.
    throw new HttpError(503, "auth_unavailable", "the project's signing keys could not be fetched; try again");
  }
}

/**
 * Supabase Auth verifies an HS256 token it issued: 200 from GET /auth/v1/user means the signature,
 * the expiry and the session are good. The claims are then read from the token (Auth vouched for
 * them) and still checked here for the audience and the expiry.
 */
async function askAuth(token: string, env: Env): Promise<JWTPayload> {
  let response: Response;
  try {
    response = await fetch(new URL("auth/v1/user", env.SUPABASE_URL.endsWith("/") ? env.SUPABASE_URL : `${env.SUPABASE_URL}/`), {
      headers: { apikey: env.PUBLISHABLE_KEY, authorization: `Bearer ${token}` },
    });
  } catch {
    throw new HttpError(503, "auth_unavailable", "Supabase Auth could not be reached to check the access token; try again");
  }
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403 || response.status === 400 || response.status === 404) throw invalid();
  if (!response.ok) throw new HttpError(503, "auth_unavailable", `Supabase Auth answered ${response.status} checking the access token`);
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw invalid();
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(audience) || typeof payload.exp !== "number" || payload.exp * 1000 <= Date.now()) throw invalid();
  return payload;
}
