// One JSON error shape for every function: { error: { code, message, details? } }.
import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * The HTTP status a database error maps to: PostgREST's own table, so a client sees one mapping
 * whether it called an RPC or a function (docs/errors.md; source: PostgREST "Errors" reference,
 * https://docs.postgrest.org/en/latest/references/errors.html#http-status-codes, mirrored by
 * https://supabase.com/docs/guides/api/rest/postgrest-error-codes). Where PostgREST would answer
 * 500 or 503 (server-side classes, and anything unlisted that is not a client's fault) a function
 * answers 500 "internal error" without the database's text.
 */
export function statusForSqlState(sqlState: string | undefined): ContentfulStatusCode {
  if (!sqlState) return 500;
  // PostgREST answers 401 to an anonymous request, 403 otherwise; functions check the JWT first,
  // so a 42501 here always comes from a signed-in caller.
  if (sqlState === "42501") return 403;
  if (sqlState === "23505" || sqlState === "23503") return 409;
  // PostgREST's own convention: PT followed by an HTTP status is that status (PT403 a suspended
  // account, PT404, PT409, PT429 a throttle).
  const pt = /^PT([45]\d\d)$/.exec(sqlState);
  if (pt) return Number(pt[1]) as ContentfulStatusCode;
  // Data exceptions (22: bad values, 22023 our rules), integrity violations (23: checks, not null)
  // and a bare `raise exception` (P0001): PostgREST answers 400.
  if (sqlState.startsWith("22") || sqlState.startsWith("23") || sqlState === "P0001") return 400;
  return 500;
}

/** A request body the function's schema refuses: 400 like a body PostgREST cannot accept (PGRST102). */
export function fromZod(error: z.ZodError): HttpError {
  return new HttpError(
    400,
    "invalid_input",
    "the request body is invalid",
    error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  );
}

/**
 * An error raised as PostgREST's custom response (`raise sqlstate 'PGRST'`, message = the JSON body,
 * detail = {status, headers}), e.g. a throttle's 429 with Retry-After: the same status, headers and
 * body PostgREST would send, in our error shape. Null for any other error.
 */
export function pgrstResponse(error: unknown): { status: ContentfulStatusCode; headers: Record<string, string>; body: unknown } | null {
  const pg = error as { code?: string; message?: string; detail?: string };
  if (pg?.code !== "PGRST") return null;
  try {
    const body = JSON.parse(pg.message ?? "") as { code: string; message: string; details?: string; hint?: string };
    const detail = JSON.parse(pg.detail ?? "") as { status: ContentfulStatusCode; headers?: Record<string, string> };
    return { status: detail.status, headers: detail.headers ?? {}, body: { error: body } };
  } catch {
    return null;
  }
}

export function errorResponse(c: Context, error: unknown): Response {
  const custom = pgrstResponse(error);
  if (custom) return c.json(custom.body, custom.status, custom.headers);
  if (error instanceof HttpError) {
    return c.json(
      { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      error.status,
    );
  }
  const pg = error as { code?: string; message?: string };
  const status = statusForSqlState(pg.code);
  if (status !== 500) return c.json({ error: { code: pg.code, message: pg.message } }, status);
  console.error(error);
  return c.json({ error: { code: "internal", message: "internal error" } }, 500);
}

/**
 * Every function's app goes through this: a thrown error becomes the one JSON shape (one `onError`,
 * no try/catch per route), and an unknown route or method is a JSON 404 like every other error.
 */
export function withJsonErrors<T extends Hono>(app: T): T {
  app.onError((error, c) => errorResponse(c, error));
  app.notFound((c) =>
    c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` } }, 404),
  );
  return app;
}
