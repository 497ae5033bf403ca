// Concurrency: N simultaneous writes by one user against a burst of B let exactly B through, and a
// user's bucket row never holds up another user.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { useThrottles } from "../helpers/throttles.ts";
import { createPost, react } from "../posts/fixtures.ts";
import { setLimit } from "./throttle.ts";

const db = useTestDatabase();
useThrottles(db);
let n = 0;
const newUser = (prefix: string) => db().newUser(`${prefix}_${++n}`);

describe("throttles under concurrency", () => {
  it("lets exactly the burst through when 12 reactions of one user race", async () => {
    await setLimit(db(), "reaction", { burst: 5, sustained: 1, period: "1 day" });
    const host = await newUser("host");
    await setLimit(db(), "post", { burst: 20, sustained: 1, period: "1 day" });
    const posts = [];
    for (let i = 0; i < 12; i++) posts.push(await createPost(db(), host));
    const fan = await newUser("fan");
    const results = await Promise.allSettled(posts.map((p) => react(db(), fan, "like", { post_id: p.id })));
    const refused = results.filter((r) => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    expect(refused.every((r) => (r.reason as { code?: string }).code === "PGRST")).toBe(true);
    const [row] = await db().admin`select count(*)::int as n from public.reactions where user_id = ${fan.user?.id ?? null}`;
    expect(row?.n).toBe(5);
  });

  it("never makes one user wait on another user's bucket", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    await createPost(db(), bob);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let posted: () => void = () => {};
    const alicePosted = new Promise<void>((resolve) => {
      posted = resolve;
    });
    // Alice's transaction holds her bucket row locked until released.
    const alicesRequest = db().request(alice, async (tx) => {
      await tx`select public.create_post(${tx.json({ blocks: [{ type: "text", value: "held" }] })})`;
      posted();
      await held;
    });
    await alicePosted;
    // Bob posts meanwhile, with a lock timeout that would fail if he queued behind Alice.
    const bobsPost = await db().request(bob, async (tx) => {
      await tx`set local lock_timeout = '500ms'`;
      return tx`select public.create_post(${tx.json({ blocks: [{ type: "text", value: "free" }] })}) as post`;
    });
    expect(bobsPost).toHaveLength(1);
    release();
    await alicesRequest;
    const buckets = await db().admin`select user_id from private.rate_limit_buckets
      where action = 'post' and user_id in (${alice.user?.id ?? null}, ${bob.user?.id ?? null})`;
    expect(buckets.map((b) => b.user_id).sort()).toEqual([alice.user?.id, bob.user?.id].sort());
  });
});
