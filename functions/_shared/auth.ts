// Verifies the caller's access token (HS256 with the project's JWT secret, or the project's JWKS).
import { createLocalJWKSet, type JWTPayload, jwtVerify } from "jose";
import type { Env } from "./env.ts";
import { HttpError } from "./errors.ts";

export interface Claims extends JWTPayload {
  role: string;
  sub: string;
  user_roles?: string[];
}

export async function verifyBearer(header: string | undefined, env: Env): Promise<Claims> {
  const token = header?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!token) throw new HttpError(401, "unauthorized", "an Authorization: Bearer <access token> header is required");
  try {
    const options = { audience: "authenticated" };
    const { payload } = env.SUPABASE_JWKS
      ? await jwtVerify(token, createLocalJWKSet(JSON.parse(env.SUPABASE_JWKS)), options)
      : await jwtVerify(token, new TextEncoder().encode(requireSecret(env)), options);
    if (typeof payload.sub !== "string" || payload.role !== "authenticated") throw new Error("not a user token");
    return payload as Claims;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(401, "unauthorized", "the access token is invalid or expired");
  }
}

function requireSecret(env: Env): string {
  if (!env.SUPABASE_JWT_SECRET) throw new HttpError(500, "misconfigured", "neither SUPABASE_JWKS nor SUPABASE_JWT_SECRET is set");
  return env.SUPABASE_JWT_SECRET;
}
