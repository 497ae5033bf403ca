// The allowed path counts a write against the limits cached in the caller's bucket row
// (sql/79_throttles.sql). Whatever changes those limits applies to the very next write all the same: an
// operator's change to rate_limits (as postgres or service_role), the switch, an operator's change to
// an account's created_at, and a new account turning old with no change anywhere.
import { describe, expect, it } from "vitest";
import { type Actor, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { useThrottles } from "../helpers/throttles.ts";
import { createPost } from "../posts/fixtures.ts";
import { ageAccount, expectThrottled, setLimit } from "./throttle.ts";

const db = useTestDatabase();
useThrottles(db);
let n = 0;
const newUser = (prefix: string) => db().newUser(`${prefix}_${++n}`);

async function posts(actor: Actor, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await createPost(db(), actor);
}

async function bucket(actor: Actor): Promise<{ tat: Date } | undefined> {
  const [row] = await db().admin<{ tat: Date }[]>`select tat from private.rate_limit_buckets
    where user_id = ${actor.user?.id ?? null} and action = 'post'`;
  return row;
}

describe("cached limits never outlive a change", () => {
  it("applies a limit an operator lowers to the very next write, and one they raise as well", async () => {
    await setLimit(db(), "post", { burst: 10, sustained: 1, period: "1 day" });
    const user = await newUser("lowered");
    await ageAccount(db(), user);
    await posts(user, 3); // counted on the cached burst of 10
    await setLimit(db(), "post", { burst: 3, sustained: 1, period: "1 day" });
    const refusal = await expectThrottled(createPost(db(), user));
    expect(refusal.details).toMatchObject({ action: "post", burst: 3 });
    await setLimit(db(), "post", { burst: 5, sustained: 1, period: "1 day" });
    await posts(user, 2);
    expect((await expectThrottled(createPost(db(), user))).details).toMatchObject({ burst: 5 });
  });

  it("applies a change service_role makes through the API to the very next write", async () => {
    await setLimit(db(), "post", { burst: 10, sustained: 1, period: "1 day" });
    const user = await newUser("served");
    await ageAccount(db(), user);
    await posts(user, 2);
    await db().request(serviceRole, (tx) => tx`update public.rate_limits set burst = 2 where action = 'post'`);
    expect((await expectThrottled(createPost(db(), user))).details).toMatchObject({ burst: 2 });
  });

  it("stops counting the moment throttles are switched off, and refuses again once they are on", async () => {
    await setLimit(db(), "post", { burst: 2, sustained: 1, period: "1 day" });
    const user = await newUser("switched");
    await ageAccount(db(), user);
    await posts(user, 1); // a cached bucket with one write left
    const before = await bucket(user);
    await db().admin`update private.throttle_settings set enabled = false`;
    try {
      await posts(user, 3); // past the burst: allowed, and not counted
      expect(await bucket(user)).toEqual(before);
    } finally {
      await db().admin`update private.throttle_settings set enabled = true`;
    }
    await posts(user, 1);
    await expectThrottled(createPost(db(), user));
  });

  // A write that does not fit the cached limits always reads them afresh, so a stale cache could only
  // ever let too much through. The two cases below make the old-account limits the stricter ones (an
  // operator may set either looser), where a cache outliving the account's age would show.
  const looserWhileNew = { burst: 1, sustained: 1, period: "1 day", new_account_burst: 3, new_account_sustained: 1, new_account_days: 7 };

  it("applies the limits of an account's new age at its next write when an operator changes its created_at", async () => {
    await setLimit(db(), "post", looserWhileNew);
    const user = await newUser("aged");
    await posts(user, 1); // cached: the new-account burst of 3
    await ageAccount(db(), user);
    expect((await expectThrottled(createPost(db(), user))).details).toMatchObject({ burst: 1 });
  });

  it("gives a new account the normal limits the moment it turns old, with no change anywhere", async () => {
    await setLimit(db(), "post", looserWhileNew);
    const user = await newUser("turning");
    // Signed up 7 days ago less 3 seconds: new for 3 more seconds. Set before any write, so the
    // bucket caches the new-account limits and when they end.
    await db().admin`update public.profiles set created_at = now() - interval '7 days' + interval '3 seconds'
      where id = ${user.user?.id ?? null}`;
    await posts(user, 1);
    const [row] = await db().admin<{ wait: number }[]>`select extract(epoch from (limits_until - now()))::float8 as wait
      from private.rate_limit_buckets where user_id = ${user.user?.id ?? null} and action = 'post'`;
    expect(row?.wait).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, (row?.wait ?? 0) * 1000 + 100));
    // Old now: a burst of 1 and one per day, and one day is spent.
    expect((await expectThrottled(createPost(db(), user))).details).toMatchObject({ burst: 1 });
  });
});
