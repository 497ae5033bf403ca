// Throttles start switched off in test databases (tests/global-setup.ts): many tests write in volume
// with accounts a few seconds old. Tests of throttles and of accounts switch them on, as production has them.
import { beforeAll } from "vitest";
import type { TestDatabase } from "./db.ts";

export function useThrottles(db: () => TestDatabase): void {
  beforeAll(async () => {
    await db().admin`update private.throttle_settings set enabled = true`;
  });
}
