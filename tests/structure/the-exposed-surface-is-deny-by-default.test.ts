// Pins what the Data API exposes. The allow-lists below are the contract (CONTRACT.md), written by
// hand: a new table or function reachable by anon must be added here on purpose.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();

/** Tables anon may touch at all, and how. */
const anonTablePrivileges: Record<string, string[]> = {
  comment_media: ["SELECT"],
  comments: ["SELECT"],
  events: ["SELECT"],
  follows: ["SELECT"],
  group_members: ["SELECT"],
  groups: ["SELECT"],
  institution_media: ["SELECT"],
  institution_profiles: ["SELECT"],
  post_media: ["SELECT"],
  post_revisions: ["SELECT"],
  posts: ["SELECT"],
  profiles: ["SELECT"],
  rate_limits: ["SELECT"],
  reactions: ["SELECT"],
};

/** Functions in public that anon may execute. */
// search_*, tag_feed and trending_tags (issue 17): the public view of people, groups and posts.
const anonFunctions = [
  "group_feed",
  "profile_feed",
  "search_groups",
  "search_people",
  "search_posts",
  "tag_feed",
  "trending_tags",
  "upcoming_events",
  "username_available",
  "validate_content",
];

describe("the exposed surface", () => {
  it("has row level security enabled on every table in public", async () => {
    const rows = await db().admin<{ table: string }[]>`
      select c.relname as table from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity`;
    expect(rows).toEqual([]);
  });

  it("has no views, materialized views or foreign tables in public that could bypass RLS", async () => {
    const rows = await db().admin<{ name: string }[]>`
      select c.relname as name from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('v', 'm', 'f')
        and not coalesce('security_invoker=true' = any (c.reloptions), false)`;
    expect(rows).toEqual([]);
  });

  it("lets nobody execute a function through PUBLIC", async () => {
    const rows = await db().admin<{ fn: string }[]>`
      select p.oid::regprocedure::text as fn from pg_proc p
      where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
        and p.prokind = 'f'
        and has_function_privilege('public', p.oid, 'execute') is not distinct from true
        and exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a where a.grantee = 0)`;
    expect(rows).toEqual([]);
  });

  it("keeps every function in public security invoker with a fixed search_path", async () => {
    const rows = await db().admin<{ fn: string; definer: boolean; config: string[] | null }[]>`
      select p.oid::regprocedure::text as fn, p.prosecdef as definer, p.proconfig as config from pg_proc p
      where p.pronamespace = 'public'::regnamespace and p.prokind = 'f'
        and (p.prosecdef or not coalesce('search_path=""' = any (p.proconfig), false))`;
    expect(rows).toEqual([]);
  });

  it("keeps every security definer function in private with an empty search_path", async () => {
    const rows = await db().admin<{ fn: string }[]>`
      select p.oid::regprocedure::text as fn from pg_proc p
      where p.prosecdef and p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
        and not coalesce('search_path=""' = any (p.proconfig), false)`;
    expect(rows).toEqual([]);
  });

  it("gives anon exactly the table privileges of the allow-list", async () => {
    const rows = await db().admin<{ table: string; privilege: string }[]>`
      select c.relname as table, p.privilege
      from pg_class c
      cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) as p(privilege)
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
        and (has_table_privilege('anon', c.oid, p.privilege)
             or (p.privilege in ('SELECT', 'INSERT', 'UPDATE') and has_any_column_privilege('anon', c.oid, p.privilege)))
      order by 1, 2`;
    const actual: Record<string, string[]> = {};
    for (const r of rows) actual[r.table] = [...(actual[r.table] ?? []), r.privilege];
    expect(actual).toEqual(anonTablePrivileges);
  });

  it("lets anon execute exactly the functions of the allow-list", async () => {
    const rows = await db().admin<{ name: string }[]>`
      select distinct p.proname as name from pg_proc p
      where p.pronamespace = 'public'::regnamespace and has_function_privilege('anon', p.oid, 'execute')
      order by 1`;
    expect(rows.map((r) => r.name)).toEqual([...anonFunctions].sort());
  });

  it("documents every table, column and function in public with a comment", async () => {
    const rows = await db().admin<{ object: string }[]>`
      select 'table ' || c.relname as object from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v') and obj_description(c.oid, 'pg_class') is null
      union all
      select 'column ' || c.relname || '.' || a.attname from pg_class c join pg_attribute a on a.attrelid = c.oid
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v') and a.attnum > 0 and not a.attisdropped
          and col_description(c.oid, a.attnum) is null
      union all
      select 'function ' || p.oid::regprocedure::text from pg_proc p
        where p.pronamespace = 'public'::regnamespace and obj_description(p.oid, 'pg_proc') is null
      order by 1`;
    expect(rows).toEqual([]);
  });
});
