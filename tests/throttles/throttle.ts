// Helpers for the throttle tests: setting a limit as an operator does, and reading a refusal the way
// PostgREST parses it (SQLSTATE PGRST, message = the JSON body, detail = {status, headers}).
import { expect } from "vitest";
import type { Actor, TestDatabase } from "../helpers/db.ts";

export interface Limit {
  burst: number;
  sustained?: number;
  period?: string;
  new_account_burst?: number;
  new_account_sustained?: number;
  new_account_days?: number;
}

/** An operator (postgres) sets one action's limits. */
export async function setLimit(db: TestDatabase, action: string, limit: Limit): Promise<void> {
  const row = {
    burst: limit.burst,
    sustained: limit.sustained ?? 1,
    period: limit.period ?? "1 hour",
    new_account_burst: limit.new_account_burst ?? limit.burst,
    new_account_sustained: limit.new_account_sustained ?? limit.sustained ?? 1,
    new_account_days: limit.new_account_days ?? 7,
  };
  const updated = await db.admin`update public.rate_limits set ${db.admin(row)} where action = ${action} returning action`;
  expect(updated.length, `no rate_limits row for ${action}`).toBe(1);
}

/** Makes an account older than the new-account window, as if it had signed up long ago. */
export async function ageAccount(db: TestDatabase, actor: Actor, days = 30): Promise<void> {
  await db.admin`update public.profiles set created_at = now() - make_interval(days => ${days}) where id = ${actor.user?.id ?? null}`;
}

export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: { code: string; message: string; details: string; hint: string };
  details: { action: string; retry_after: number; burst: number; sustained: number; period: string };
}

/** Awaits a write that must be throttled and returns what PostgREST would answer. */
export async function expectThrottled(promise: Promise<unknown>): Promise<Refusal> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected HTTP 429 (SQLSTATE PGRST), but the write succeeded").toBeDefined();
  const e = caught as { code?: string; message?: string; detail?: string };
  expect(e.code, `expected SQLSTATE PGRST, got ${e.code}: ${e.message}`).toBe("PGRST");
  // PostgREST's RaisePgrst parser: message must decode to {code, message, details?, hint?} and
  // detail to {status, status_text?, headers} with string header values.
  const body = JSON.parse(e.message ?? "") as Refusal["body"];
  const detail = JSON.parse(e.detail ?? "") as { status: number; headers: Record<string, string> };
  expect(Object.keys(body).sort()).toEqual(["code", "details", "hint", "message"]);
  expect(Object.keys(detail).sort()).toEqual(["headers", "status"]);
  expect(typeof body.code).toBe("string");
  expect(typeof body.message).toBe("string");
  expect(typeof body.details).toBe("string");
  expect(Object.values(detail.headers).every((v) => typeof v === "string")).toBe(true);
  return { status: detail.status, headers: detail.headers, body, details: JSON.parse(body.details) };
}
