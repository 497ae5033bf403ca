// Who is exempt: platform admins and moderators, requests without a user (service_role), and everyone
// while an operator has switched throttles off. A user who may not write at all (unconfirmed) gets the
// write's own refusal (42501), never 429, whatever the limit.
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { useThrottles } from "../helpers/throttles.ts";
import { createPost } from "../posts/fixtures.ts";
import { expectThrottled, setLimit } from "./throttle.ts";

const db = useTestDatabase();
useThrottles(db);
let n = 0;
const newUser = (prefix: string, confirm = true) => db().newUser(`${prefix}_${++n}`, { confirm });

beforeAll(async () => {
  await setLimit(db(), "post", { burst: 1, sustained: 1, period: "1 day" });
});

async function withRole(role: "admin" | "moderator"): Promise<Actor> {
  const user = await newUser(role);
  await db().request(serviceRole, (tx) => tx`insert into public.user_roles (user_id, role) values (${user.user?.id ?? null}, ${role})`);
  return db().signIn(user.user as NonNullable<Actor["user"]>);
}

describe("exemptions", () => {
  it("throttles a plain user at the limit (the control)", async () => {
    const user = await newUser("plain");
    await createPost(db(), user);
    await expectThrottled(createPost(db(), user));
  });

  it("never throttles platform admins or moderators", async () => {
    for (const actor of [await withRole("admin"), await withRole("moderator")]) {
      for (let i = 0; i < 3; i++) await createPost(db(), actor);
    }
  });

  it("never throttles a request without a user (service_role)", async () => {
    const author = await newUser("served");
    for (let i = 0; i < 3; i++) {
      await db().request(
        serviceRole,
        (tx) => tx`insert into public.posts (author_id, content)
        values (${author.user?.id ?? null}, ${tx.json({ blocks: [{ type: "text", value: `by the server ${i}` }] })})`,
      );
    }
  });

  it("gives a user who may not write 42501, never 429, however often they try", async () => {
    const unconfirmed = await newUser("unconfirmed", false);
    for (let i = 0; i < 3; i++) {
      await expectDbError(createPost(db(), unconfirmed), "42501", /confirm your email address/);
    }
    const [row] = await db()
      .admin`select count(*)::int as n from private.rate_limit_buckets where user_id = ${unconfirmed.user?.id ?? null}`;
    expect(row?.n).toBe(0);
  });

  it("lets everyone through while an operator has switched throttles off, and throttles again after", async () => {
    const user = await newUser("switch");
    await db().admin`update private.throttle_settings set enabled = false`;
    try {
      for (let i = 0; i < 3; i++) await createPost(db(), user);
    } finally {
      await db().admin`update private.throttle_settings set enabled = true`;
    }
    await createPost(db(), user);
    await expectThrottled(createPost(db(), user));
  });

  it("keeps the switch out of every client's reach", async () => {
    const user = await newUser("meddler");
    for (const actor of [user, serviceRole]) {
      await expect(db().request(actor, (tx) => tx`update private.throttle_settings set enabled = false`)).rejects.toMatchObject({
        code: "42501",
      });
    }
  });
});
