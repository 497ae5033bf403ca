// What the groups domain exposes, pinned: RLS, table and column grants per role, the RPCs and who
// may execute them, and the comments PostgREST publishes. A change here is a contract change.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

const tables = ["group_follows", "group_members", "groups", "institution_profiles"];
const rpcs = [
  "invite_to_group",
  "join_group",
  "leave_group",
  "remove_group_member",
  "respond_to_invite",
  "review_join_request",
  "set_member_role",
  "transfer_group_ownership",
];
const privateFunctions = [
  "add_group_owner",
  "can_manage_group",
  "can_see_group",
  "can_see_membership",
  "check_group_follow",
  "check_institution_links",
  "check_institution_schedule",
  "count_group_followers",
  "count_group_members",
  "group_notice",
  "group_role_of",
  "guard_group_update",
  "institution_review_notice",
  "invite_to_group",
  "is_group_member",
  "join_group",
  "leave_group",
  "lock_group",
  "managed_group_ids",
  "owned_group_ids",
  "prepare_new_group",
  "refresh_group_owner_role",
  "remove_group_member",
  "require_active_group",
  "respond_to_invite",
  "review_institution",
  "review_join_request",
  "set_member_role",
  "sync_group_owner_role",
  "transfer_group_ownership",
];

describe("the groups API surface", () => {
  it("has RLS enabled on every groups table", async () => {
    const rows = await db().admin`select relname, relrowsecurity from pg_class
      where relnamespace = 'public'::regnamespace and relname in ${db().admin(tables)} order by relname`;
    expect(rows).toEqual(tables.map((relname) => ({ relname, relrowsecurity: true })));
  });

  it("grants anon and authenticated exactly these table privileges", async () => {
    const rows = await db().admin<{ grantee: string; table_name: string; privilege_type: string }[]>`
      select grantee, table_name, privilege_type from information_schema.role_table_grants
      where table_schema = 'public' and table_name in ${db().admin(tables)} and grantee in ('anon', 'authenticated', 'PUBLIC')
      order by grantee, table_name, privilege_type`;
    expect(rows.map((r) => `${r.grantee} ${r.privilege_type} ${r.table_name}`).sort()).toEqual(
      [
        "anon SELECT group_members",
        "anon SELECT groups",
        "anon SELECT institution_profiles",
        "authenticated DELETE group_follows",
        "authenticated SELECT group_follows",
        "authenticated DELETE groups",
        "authenticated SELECT groups",
        "authenticated SELECT group_members",
        "authenticated SELECT institution_profiles",
      ].sort(),
    );
  });

  it("lets authenticated write only the client's columns", async () => {
    const rows = await db().admin<{ table_name: string; privilege_type: string; columns: string[] }[]>`
      select table_name, privilege_type, array_agg(column_name::text order by column_name) as columns
      from information_schema.column_privileges
      where table_schema = 'public' and table_name in ${db().admin(tables)} and grantee = 'authenticated'
        and privilege_type in ('INSERT', 'UPDATE')
      group by table_name, privilege_type order by table_name, privilege_type`;
    expect(rows).toEqual([
      { table_name: "group_follows", privilege_type: "INSERT", columns: ["group_id", "user_id"] },
      {
        table_name: "groups",
        privilege_type: "INSERT",
        columns: ["avatar_path", "description", "join_question", "kind", "name", "slug", "visibility"],
      },
      { table_name: "groups", privilege_type: "UPDATE", columns: ["avatar_path", "description", "join_question", "name", "visibility"] },
      {
        table_name: "institution_profiles",
        privilege_type: "UPDATE",
        columns: ["address", "contact_email", "contact_phone", "links", "schedule", "website"],
      },
    ]);
  });

  it("exposes the membership RPCs as security invoker functions with an empty search_path, for authenticated only", async () => {
    const rows = await db().admin<
      { proname: string; prosecdef: boolean; proconfig: string[]; anon: boolean; authenticated: boolean; pub: boolean }[]
    >`
      select p.proname, p.prosecdef, p.proconfig,
        has_function_privilege('anon', p.oid, 'execute') as anon,
        has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
        coalesce(p.proacl::text like '%{=X%' or p.proacl::text like '%,=X%' or p.proacl is null, true) as pub
      from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname in ${db().admin(rpcs)}
      order by p.proname`;
    expect(rows).toEqual(
      rpcs.map((proname) => ({ proname, prosecdef: false, proconfig: ['search_path=""'], anon: false, authenticated: true, pub: false })),
    );
  });

  it("never lets PUBLIC execute a groups function in private; anon reaches only the visibility predicates", async () => {
    const rows = await db().admin<{ proname: string; anon: boolean; pub: boolean }[]>`
      select p.proname, has_function_privilege('anon', p.oid, 'execute') as anon,
        (p.proacl is null or p.proacl::text ~ '(^|[{,])=X') as pub
      from pg_proc p
      where p.pronamespace = 'private'::regnamespace and p.proname in ${db().admin(privateFunctions)}
      order by p.proname`;
    expect(rows.map((r) => r.proname)).toEqual([...privateFunctions].sort());
    expect(rows.filter((r) => r.pub)).toEqual([]);
    expect(rows.filter((r) => r.anon).map((r) => r.proname)).toEqual([
      "can_manage_group",
      "can_see_group",
      "can_see_membership",
      "is_group_member",
    ]);
  });

  it("comments every groups table, column and RPC", async () => {
    const missing = await db().admin<{ what: string }[]>`
      select c.relname || '.' || a.attname as what
      from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relnamespace = 'public'::regnamespace and c.relname in ${db().admin(tables)}
        and col_description(c.oid, a.attnum) is null
      union all
      select c.relname from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relname in ${db().admin(tables)} and obj_description(c.oid, 'pg_class') is null
      union all
      select p.proname from pg_proc p
      where p.pronamespace = 'public'::regnamespace and p.proname in ${db().admin(rpcs)} and obj_description(p.oid, 'pg_proc') is null`;
    expect(missing).toEqual([]);
  });
});
