// Pins the surface the people domain adds: RLS, the exact privileges of each API role (column by
// column where they write), who may execute its functions, and the comments PostgREST publishes.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { tablePrivileges } from "../helpers/surface.ts";

const db = useTestDatabase();
const tables = ["blocks", "follows", "mutes"];
const roles = ["anon", "authenticated", "service_role"];

describe("the people tables", () => {
  it("have row level security enabled", async () => {
    const rows = await db().admin<{ relname: string; relrowsecurity: boolean }[]>`
      select relname, relrowsecurity from pg_class where oid = any (${tables.map((t) => `public.${t}`)}::regclass[]) order by 1`;
    expect(rows.map((r) => [r.relname, r.relrowsecurity])).toEqual(tables.map((t) => [t, true]));
  });

  it("grant each API role exactly these privileges (writes column by column)", async () => {
    const actual: Record<string, Record<string, string[]>> = {};
    for (const role of roles) {
      actual[role] = {};
      for (const table of tables) (actual[role] as Record<string, string[]>)[table] = await tablePrivileges(db(), role, table);
    }
    const everything = ["DELETE", "INSERT", "SELECT", "UPDATE"];
    expect(actual).toEqual({
      anon: { blocks: [], follows: ["SELECT"], mutes: [] },
      authenticated: {
        blocks: ["DELETE", "INSERT(blocker_id,blocked_id)", "SELECT"],
        follows: ["DELETE", "INSERT(follower_id,followee_id)", "SELECT", "UPDATE(status)"],
        mutes: ["DELETE", "INSERT(muter_id,muted_id,expires_at)", "SELECT", "UPDATE(expires_at)"],
      },
      service_role: { blocks: ["DELETE", "INSERT", "SELECT"], follows: everything, mutes: everything },
    });
  });

  it("have one policy per operation and role", async () => {
    const rows = await db().admin<{ t: string; cmd: string; role: string; n: number }[]>`
      select tablename as t, cmd, r as role, count(*)::int as n
      from pg_policies cross join unnest(roles) r
      where schemaname = 'public' and tablename = any (${[...tables, "profiles"]})
      group by 1, 2, 3 having count(*) > 1`;
    expect(rows).toEqual([]);
  });

  it("let only authenticated call relationship, a security invoker function with an empty search_path", async () => {
    const [fn] = await db().admin<{ definer: boolean; config: string[]; anon: boolean; auth: boolean; service: boolean; pub: boolean }[]>`
      select p.prosecdef as definer, p.proconfig as config,
        has_function_privilege('anon', p.oid, 'execute') as anon,
        has_function_privilege('authenticated', p.oid, 'execute') as auth,
        has_function_privilege('service_role', p.oid, 'execute') as service,
        exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a where a.grantee = 0) as pub
      from pg_proc p where p.oid = 'public.relationship(uuid)'::regprocedure`;
    expect(fn).toEqual({ definer: false, config: ['search_path=""'], anon: false, auth: true, service: false, pub: false });
  });

  it("keep every function of the domain out of PUBLIC's reach, with an empty search_path", async () => {
    const rows = await db().admin<{ fn: string }[]>`
      select p.oid::regprocedure::text as fn from pg_proc p
      where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
        and (exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a where a.grantee = 0)
             or not coalesce('search_path=""' = any (p.proconfig), false))
      order by 1`;
    expect(rows).toEqual([]);
  });

  it("document every table, column, type and public function with a comment", async () => {
    const rows = await db().admin<{ object: string }[]>`
      select 'column ' || c.relname || '.' || a.attname as object from pg_class c join pg_attribute a on a.attrelid = c.oid
        where c.oid = any (${[...tables, "profiles"].map((t) => `public.${t}`)}::regclass[]) and a.attnum > 0 and not a.attisdropped
          and col_description(c.oid, a.attnum) is null
      union all
      select 'table ' || t from unnest(${tables}::text[]) t where obj_description(('public.' || t)::regclass, 'pg_class') is null
      union all
      select 'type follow_status' where obj_description('public.follow_status'::regtype, 'pg_type') is null
      union all
      select 'function ' || p.oid::regprocedure::text from pg_proc p
        where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace) and obj_description(p.oid, 'pg_proc') is null`;
    expect(rows).toEqual([]);
  });
});
