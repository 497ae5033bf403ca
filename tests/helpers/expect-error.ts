// Asserting the API errors clients branch on: a SQLSTATE and a message that names the rule.
import { expect } from "vitest";

export interface DbError {
  code: string;
  message: string;
  hint?: string;
}

export async function expectDbError(promise: Promise<unknown>, code: string, message?: RegExp | string): Promise<DbError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected SQLSTATE ${code}, but the request succeeded`).toBeDefined();
  const e = caught as DbError;
  expect({ code: e.code, message: e.message }).toMatchObject({ code, ...(message === undefined ? {} : {}) });
  if (message !== undefined) expect(e.message).toMatch(message);
  return e;
}
