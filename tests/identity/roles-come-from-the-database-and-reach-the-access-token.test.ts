import { describe, expect, it } from "vitest";
import { anon, idOf, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const db = useTestDatabase();

async function rolesOf(id: string): Promise<string[]> {
  const rows = await db().admin<{ role: string }[]>`select role::text from public.user_roles where user_id = ${id} order by role`;
  return rows.map((r) => r.role);
}

describe("platform roles", () => {
  it("grant user on email confirmation, not before", async () => {
    const user = await db().signUp({ username: "pending_one", confirm: false });
    expect(await rolesOf(user.id)).toEqual([]);
    await db().confirmEmail(user);
    expect(await rolesOf(user.id)).toEqual(["user"]);
  });

  it("reach the access token as claim user_roles through the hook, and the rest of the claims survive", async () => {
    const user = await db().signUp({ username: "token_holder" });
    const claims = await db().issueToken(user);
    expect(claims.user_roles).toEqual(["user"]);
    expect(claims).toMatchObject({ sub: user.id, role: "authenticated", aud: "authenticated", email: user.email, aal: "aal1" });
    const unconfirmed = await db().signUp({ username: "token_unconfirmed", confirm: false });
    expect((await db().issueToken(unconfirmed)).user_roles).toEqual([]);
  });

  it("keep the hook away from API roles: only supabase_auth_admin may execute it", async () => {
    const user = await db().newUser("hook_caller");
    for (const actor of [anon, user]) {
      await expectDbError(
        db().request(actor, (tx) => tx`select public.custom_access_token_hook('{"user_id": null, "claims": {}}'::jsonb)`),
        "42501",
        /permission denied for function custom_access_token_hook/,
      );
    }
  });

  it("are readable by their holder and by admins only", async () => {
    const alice = await db().newUser("roles_alice");
    const bob = await db().newUser("roles_bob");
    const admin = await db().makeAdmin(await db().newUser("roles_admin"));
    const own = await db().request(alice, (tx) => tx`select user_id from public.user_roles`);
    expect(own.map((r) => r.user_id)).toEqual([alice.user?.id]);
    const seenByAdmin = await db().request(
      admin,
      (tx) => tx`select user_id from public.user_roles where user_id in ${tx([alice.user?.id ?? "", bob.user?.id ?? ""])}`,
    );
    expect(seenByAdmin).toHaveLength(2);
    await expectDbError(
      db().request(anon, (tx) => tx`select * from public.user_roles`),
      "42501",
      /permission denied for table user_roles/,
    );
  });

  it("cannot be written directly by users, admins included", async () => {
    const admin = await db().makeAdmin(await db().newUser("direct_admin"));
    await expectDbError(
      db().request(admin, (tx) => tx`insert into public.user_roles (user_id, role) values (${admin.user?.id ?? ""}, 'moderator')`),
      "42501",
      /permission denied for table user_roles/,
    );
  });
});

describe("set_user_role", () => {
  it("lets an admin grant and revoke moderator and admin, idempotently", async () => {
    const admin = await db().makeAdmin(await db().newUser("granting_admin"));
    const target = await db().newUser("promoted");
    const id = target.user?.id ?? "";
    await db().rpc(admin, "set_user_role", { user_id: id, role: "moderator", granted: true });
    await db().rpc(admin, "set_user_role", { user_id: id, role: "moderator", granted: true });
    expect(await rolesOf(id)).toEqual(["moderator", "user"]);
    const [row] = await db().admin`select granted_by from public.user_roles where user_id = ${id} and role = 'moderator'`;
    expect(row?.granted_by).toBe(admin.user?.id);
    await db().rpc(admin, "set_user_role", { user_id: id, role: "admin", granted: true });
    expect((await db().issueToken(target.user as never)).user_roles).toEqual(["admin", "moderator", "user"]);
    await db().rpc(admin, "set_user_role", { user_id: id, role: "moderator", granted: false });
    await db().rpc(admin, "set_user_role", { user_id: id, role: "moderator", granted: false });
    expect(await rolesOf(id)).toEqual(["admin", "user"]);
  });

  it("refuses non-admins, moderators included, and changes nothing", async () => {
    const moderatorAdmin = await db().makeAdmin(await db().newUser("mod_maker"));
    const moderator = await db().newUser("a_moderator");
    await db().rpc(moderatorAdmin, "set_user_role", { user_id: idOf(moderator), role: "moderator", granted: true });
    const target = await db().newUser("not_promoted");
    for (const actor of [moderator, target]) {
      await expectDbError(
        db().rpc(actor, "set_user_role", { user_id: idOf(target), role: "admin", granted: true }),
        "42501",
        /only platform admins can change roles/,
      );
    }
    await expectDbError(
      db().rpc(anon, "set_user_role", { user_id: idOf(target), role: "admin", granted: true }),
      "42501",
      /permission denied/,
    );
    expect(await rolesOf(target.user?.id ?? "")).toEqual(["user"]);
  });

  it("refuses the roles the database manages, unknown users and an admin demoting themselves", async () => {
    const admin = await db().makeAdmin(await db().newUser("careful_admin"));
    const target = await db().newUser("managed_roles");
    await expectDbError(
      db().rpc(admin, "set_user_role", { user_id: idOf(target), role: "user", granted: false }),
      "22023",
      /role user is managed by the database/,
    );
    await expectDbError(
      db().rpc(admin, "set_user_role", { user_id: idOf(target), role: "group_owner", granted: true }),
      "22023",
      /role group_owner is managed by the database/,
    );
    await expectDbError(
      db().rpc(admin, "set_user_role", { user_id: "00000000-0000-4000-8000-000000000000", role: "moderator", granted: true }),
      "PT404",
      /user not found/,
    );
    await expectDbError(
      db().rpc(admin, "set_user_role", { user_id: idOf(admin), role: "admin", granted: false }),
      "22023",
      /cannot remove their own admin role/,
    );
    expect(await rolesOf(admin.user?.id ?? "")).toEqual(["admin", "user"]);
  });

  it("refuses an admin whose email is not confirmed", async () => {
    const user = await db().signUp({ username: "unconfirmed_admin", confirm: false });
    await db().request(serviceRole, (tx) => tx`insert into public.user_roles (user_id, role) values (${user.id}, 'admin')`);
    const actor = await db().signIn(user);
    const target = await db().newUser("target_of_unconfirmed");
    await expectDbError(
      db().rpc(actor, "set_user_role", { user_id: idOf(target), role: "moderator", granted: true }),
      "42501",
      /confirm your email/,
    );
  });
});
