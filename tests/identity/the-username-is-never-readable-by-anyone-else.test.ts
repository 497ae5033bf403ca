// Reads everything anon and another signed-in user can read — every table and view in the exposed
// schema, every function they may execute that takes only uuids (called with the target's id) or no
// arguments — and searches the answers for the target's username. New tables and RPCs are covered
// automatically.
import { describe, expect, it } from "vitest";
import { type Actor, anon, type TestDatabase, useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();
const secret = "zq_hidden_login_name";

async function everythingReadableBy(database: TestDatabase, actor: Actor, targetId: string): Promise<string[]> {
  const role = actor.role;
  const tables = await database.admin<{ name: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('public', 'graphql_public', 'storage', 'realtime') and c.relkind in ('r', 'p', 'v', 'm')
      and has_table_privilege(${role}, c.oid, 'select')`;
  const functions = await database.admin<{ name: string; args: string[] }[]>`
    select p.proname as name, coalesce(array(select format_type(t, null) from unnest(p.proargtypes) t), '{}') as args
    from pg_proc p
    where p.pronamespace = 'public'::regnamespace and p.prokind = 'f'
      and has_function_privilege(${role}, p.oid, 'execute')
      and p.prorettype <> 'trigger'::regtype
      and not exists (select from unnest(p.proargtypes) t where t <> 'uuid'::regtype)`;
  const answers: string[] = [];
  for (const { name } of tables) {
    const rows = await database.request(actor, (tx) => tx.unsafe(`select to_jsonb(t)::text as row from ${name} t`));
    answers.push(...rows.map((r) => String(r.row)));
  }
  for (const { name, args } of functions) {
    const call = `select to_jsonb(r)::text as row from public.${name}(${args.map((_, i) => `$${i + 1}`).join(", ")}) r`;
    const rows = await database
      .request(actor, (tx) =>
        tx.unsafe(
          call,
          args.map(() => targetId),
        ),
      )
      .catch((error: { code?: string }) => {
        // A refusal reveals nothing; anything else is a bug worth seeing.
        if (error.code === "42501" || error.code === "PT404") return [];
        throw error;
      });
    answers.push(...rows.map((r) => String(r.row)));
  }
  return answers;
}

describe("the login username", () => {
  it("appears in nothing that anon or another user can read", async () => {
    const target = await db().signUp({ username: secret, displayName: "Target Person" });
    const other = await db().newUser("curious_other");
    for (const actor of [anon, other]) {
      const answers = await everythingReadableBy(db(), actor, target.id);
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.toLowerCase().includes(secret))).toEqual([]);
      expect(answers.some((a) => a.includes("Target Person"))).toBe(true);
    }
  });

  it("is readable by its owner through my_account, with email, roles and profile", async () => {
    const owner = await db().newUser("Own_Account_Name", { displayName: "Owner" });
    const account = await db().rpc(owner, "my_account");
    expect(account).toMatchObject({
      id: owner.user?.id,
      username: "own_account_name",
      email: owner.user?.email,
      email_confirmed: true,
      roles: ["user"],
      profile: { id: owner.user?.id, display_name: "Owner" },
    });
  });

  it("is not available to anon through my_account", async () => {
    await expect(db().rpc(anon, "my_account")).rejects.toMatchObject({ code: "42501" });
  });

  it("stays the same when the user rewrites their auth metadata", async () => {
    const user = await db().signUp({ username: "fixed_name" });
    await db()
      .admin`update auth.users set raw_user_meta_data = raw_user_meta_data || '{"username": "admin_now", "display_name": "Changed"}'::jsonb where id = ${user.id}`;
    const [row] = await db()
      .admin`select raw_user_meta_data ->> 'username' as meta, (select username from private.usernames where user_id = ${user.id}) as stored from auth.users where id = ${user.id}`;
    expect(row).toEqual({ meta: "fixed_name", stored: "fixed_name" });
    expect(await db().rpc(await db().signIn(user), "username_available", { candidate: "admin_now" })).toBe(true);
    expect(await db().rpc(anon, "username_available", { candidate: "fixed_name" })).toBe(false);
  });
});
