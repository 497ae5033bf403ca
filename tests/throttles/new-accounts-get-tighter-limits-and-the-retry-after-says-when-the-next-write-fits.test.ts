// The limits a user gets depend on the account's age, the sustained rate refills the bucket, and the
// Retry-After of a refusal is exactly when the next write fits (GCRA: burst at once, then one per
// period / sustained).
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { useThrottles } from "../helpers/throttles.ts";
import { createPost } from "../posts/fixtures.ts";
import { ageAccount, expectThrottled, setLimit } from "./throttle.ts";

const db = useTestDatabase();
useThrottles(db);
let n = 0;
const newUser = (prefix: string) => db().newUser(`${prefix}_${++n}`);

describe("limits by account age and over time", () => {
  it("gives an account in its first days the new-account burst, and an older one the full burst", async () => {
    await setLimit(db(), "post", {
      burst: 4,
      sustained: 1,
      period: "1 day",
      new_account_burst: 2,
      new_account_sustained: 1,
      new_account_days: 7,
    });
    const fresh = await newUser("fresh");
    const settled = await newUser("settled");
    await ageAccount(db(), settled, 8);
    for (let i = 0; i < 2; i++) await createPost(db(), fresh);
    const refusal = await expectThrottled(createPost(db(), fresh));
    expect(refusal.details).toMatchObject({ action: "post", burst: 2, sustained: 1, period: "1 day" });
    for (let i = 0; i < 4; i++) await createPost(db(), settled);
    const later = await expectThrottled(createPost(db(), settled));
    expect(later.details).toMatchObject({ burst: 4 });
  });

  it("refuses 300 posts in one transaction at the burst, and the transaction leaves nothing", async () => {
    await setLimit(db(), "post", { burst: 30, sustained: 100, period: "1 hour", new_account_burst: 10, new_account_sustained: 20 });
    const spammer = await newUser("spammer");
    const attempt = db().request(spammer, async (tx) => {
      for (let i = 0; i < 300; i++) {
        await tx`select public.create_post(${tx.json({ blocks: [{ type: "text", value: `spam ${i}` }] })})`;
      }
    });
    const refusal = await expectThrottled(attempt);
    // 10 posts at once, then one every 3 minutes (1 hour / 20): the 11th waits 180 s.
    expect(refusal.details).toMatchObject({ action: "post", burst: 10, sustained: 20, retry_after: 180 });
    expect(refusal.headers).toEqual({ "Retry-After": "180" });
    const [row] = await db().admin`select count(*)::int as n from public.posts where author_id = ${spammer.user?.id ?? null}`;
    expect(row?.n).toBe(0);
    const [bucket] = await db()
      .admin`select count(*)::int as n from private.rate_limit_buckets where user_id = ${spammer.user?.id ?? null}`;
    expect(bucket?.n).toBe(0);
  });

  it("says exactly when the next write fits, and allows it then", async () => {
    await setLimit(db(), "comment", { burst: 2, sustained: 1, period: "2 seconds", new_account_burst: 2, new_account_sustained: 1 });
    const host = await newUser("host");
    const post = await createPost(db(), host);
    const writer = await newUser("writer");
    const write = () => db().request(writer, (tx) => tx`insert into public.comments (post_id, body) values (${post.id}, 'hi')`);
    await write();
    await write();
    const refusal = await expectThrottled(write());
    expect(refusal.details.retry_after).toBeGreaterThanOrEqual(1);
    expect(refusal.details.retry_after).toBeLessThanOrEqual(2);
    expect(refusal.body.hint).toBe(
      `Wait ${refusal.details.retry_after} seconds (Retry-After) before you try again; the limits are in rate_limits.`,
    );
    await new Promise((resolve) => setTimeout(resolve, refusal.details.retry_after * 1000 + 50));
    await expect(write()).resolves.toBeDefined();
    await expectThrottled(write());
  });

  it("lets anyone read the limits, and no client change them", async () => {
    const reader = await newUser("reader");
    const asAnon = await db().request(
      { role: "anon", claims: { role: "anon" } },
      (tx) => tx`select action from public.rate_limits order by action`,
    );
    expect(asAnon.map((r) => r.action)).toEqual([
      "comment",
      "conversation",
      "export",
      "follow",
      "group",
      "group_invitation",
      "group_join_request",
      "message",
      "post",
      "reaction",
      "report",
    ]);
    await expect(
      db().request(reader, (tx) => tx`update public.rate_limits set burst = 1000000 where action = 'post'`),
    ).rejects.toMatchObject({
      code: "42501",
    });
    await expect(db().request(reader, (tx) => tx`select * from private.rate_limit_buckets`)).rejects.toMatchObject({ code: "42501" });
  });
});
