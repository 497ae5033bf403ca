// An operator is a database session with no JWT (Studio, psql). A session that switched to an API role
// (anon, authenticated, service_role) is a client whatever its claims say: with no claims at all it
// must never get an operator's powers (moderate, the queue, appeals, institution review).
import { describe, expect, it } from "vitest";
import { type Tx, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castOf, moderateAsOperator } from "./cast.ts";

const db = useTestDatabase();

/** A transaction on a superuser session that switched to `role` and set no request.jwt.claims. */
function asRoleWithoutClaims<T>(role: "anon" | "authenticated" | "service_role" | null, body: (tx: Tx) => Promise<T>): Promise<T> {
  return db().admin.begin(async (tx) => {
    if (role) await tx.unsafe(`set local role ${role}`);
    return body(tx);
  }) as Promise<T>;
}

describe("private.is_operator()", () => {
  it("is true for a session with no JWT and no API role, false once it switches to anon, authenticated or service_role", async () => {
    const [op] = await db().admin`select private.is_operator() as operator, private.actor_label() as label`;
    expect(op).toEqual({ operator: true, label: "operator:postgres" });
    for (const role of ["authenticated", "service_role"] as const) {
      const [row] = await asRoleWithoutClaims(role, (tx) => tx`select private.is_operator() as operator, private.actor_label() as label`);
      expect(row).toEqual({ operator: false, label: role });
    }
    // The same with empty claims, as a request whose token carried nothing.
    const [empty] = await asRoleWithoutClaims("authenticated", async (tx) => {
      await tx`select set_config('request.jwt.claims', '', true)`;
      return tx`select private.is_operator() as operator`;
    });
    expect(empty).toEqual({ operator: false });
  });

  it("an authenticated session without claims cannot moderate, read the queue, decide appeals or review institutions; the operator can", async () => {
    const c = await castOf(db());
    const before = await db().admin`select removed_at from public.posts where id = ${c.profilePost}`;
    await expectDbError(
      asRoleWithoutClaims("authenticated", (tx) => tx`select public.moderate('remove', 'post', ${c.profilePost}, 'no claims')`),
      "42501",
      /sign in required/,
    );
    await expectDbError(
      asRoleWithoutClaims("authenticated", (tx) => tx`select * from public.moderation_queue(page_size => 10)`),
      "42501",
      /sign in required/,
    );
    await expectDbError(
      asRoleWithoutClaims("authenticated", (tx) => tx`select public.decide_appeal(${crypto.randomUUID()}, true, 'no claims')`),
      "42501",
      /sign in required/,
    );
    await expectDbError(
      asRoleWithoutClaims("authenticated", (tx) => tx`select private.review_institution(${c.groupId}, 'approve')`),
      "42501",
      /sign in required/,
    );
    // anon and service_role without claims are not operators either (anon may not even call it).
    await expectDbError(
      asRoleWithoutClaims("anon", (tx) => tx`select public.moderate('remove', 'post', ${c.profilePost}, 'no claims')`),
      "42501",
      /permission denied/,
    );
    await expectDbError(
      asRoleWithoutClaims("service_role", (tx) => tx`select public.moderate('remove', 'post', ${c.profilePost}, 'no claims')`),
      "42501",
      /sign in required/,
    );
    expect(await db().admin`select removed_at from public.posts where id = ${c.profilePost}`).toEqual(before);
    expect(await db().admin`select 1 from public.moderation_log where target_id = ${c.profilePost}`).toEqual([]);

    // The operator (the same superuser session, no role switch) may.
    const logId = await moderateAsOperator(db(), "remove", "post", c.profilePost, "operator cleanup");
    const [row] = await db().admin`select actor_role, action from public.moderation_log where id = ${logId}`;
    expect(row).toEqual({ actor_role: "operator:postgres", action: "remove" });
    // Reading the queue as the operator does not raise (it has no claims and no API role).
    await db().admin`select target_kind from public.moderation_queue(page_size => 10)`;
  });
});
