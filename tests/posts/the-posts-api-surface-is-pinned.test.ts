// Pins the surface the posts domain adds: RLS on, the exact privileges of each API role (column by
// column where clients write), one policy per operation and role, who may call its RPCs, comments.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";

const db = useTestDatabase();
const tables = ["bookmarks", "comments", "event_rsvps", "events", "post_revisions", "posts", "reactions"];

async function privileges(role: string, table: string): Promise<string[]> {
  const rows = await db().admin<{ p: string }[]>`
    select p.privilege || case
        when p.privilege in ('INSERT', 'UPDATE') and not has_table_privilege(${role}, c.oid, p.privilege) then '(' || (
          select string_agg(a.attname, ',' order by a.attnum) from pg_attribute a
          where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            and has_column_privilege(${role}, c.oid, a.attnum, p.privilege)
        ) || ')'
        else ''
      end as p
    from pg_class c
    cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) as p(privilege)
    where c.oid = ${`public.${table}`}::regclass
      and (has_table_privilege(${role}, c.oid, p.privilege)
           or (p.privilege in ('SELECT', 'INSERT', 'UPDATE') and has_any_column_privilege(${role}, c.oid, p.privilege)))
    order by p.privilege`;
  return rows.map((r) => r.p);
}

describe("the posts tables", () => {
  it("have row level security enabled", async () => {
    const rows = await db().admin<{ relname: string }[]>`
      select relname from pg_class where oid = any (${tables.map((t) => `public.${t}`)}::regclass[]) and not relrowsecurity`;
    expect(rows).toEqual([]);
  });

  it("grant anon and authenticated exactly these privileges (writes column by column)", async () => {
    const actual: Record<string, Record<string, string[]>> = { anon: {}, authenticated: {} };
    for (const role of ["anon", "authenticated"]) {
      for (const t of tables) (actual[role] as Record<string, string[]>)[t] = await privileges(role, t);
    }
    expect(actual).toEqual({
      anon: {
        bookmarks: [],
        comments: ["SELECT"],
        event_rsvps: [],
        events: ["SELECT"],
        post_revisions: ["SELECT"],
        posts: ["SELECT"],
        reactions: ["SELECT"],
      },
      authenticated: {
        bookmarks: ["DELETE", "INSERT(user_id,post_id)", "SELECT"],
        comments: ["DELETE", "INSERT(post_id,author_id,parent_id,body)", "SELECT", "UPDATE(body)"],
        event_rsvps: ["DELETE", "INSERT(event_id,user_id,status)", "SELECT", "UPDATE(status)"],
        events: ["SELECT"],
        post_revisions: ["SELECT"],
        posts: ["DELETE", "INSERT(author_id,group_id,title,content,idempotency_key)", "SELECT", "UPDATE(title,content)"],
        reactions: ["DELETE", "INSERT(user_id,post_id,comment_id,kind)", "SELECT", "UPDATE(kind)"],
      },
    });
  });

  it("have at most one policy per operation and role, on storage.objects too", async () => {
    const rows = await db().admin<{ t: string; cmd: string; role: string; n: number }[]>`
      select tablename as t, cmd, r as role, count(*)::int as n
      from pg_policies cross join unnest(roles) r
      where (schemaname = 'public' and tablename = any (${tables})) or (schemaname = 'storage' and tablename = 'objects')
      group by 1, 2, 3 having count(*) > 1`;
    expect(rows).toEqual([]);
  });

  it("expose create_post and react to authenticated only, upcoming_events to anon too", async () => {
    const rows = await db().admin<{ fn: string; anon: boolean; auth: boolean }[]>`
      select p.proname as fn, has_function_privilege('anon', p.oid, 'execute') as anon,
        has_function_privilege('authenticated', p.oid, 'execute') as auth
      from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname in ('create_post', 'react', 'upcoming_events')
      order by 1`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { fn: "create_post", anon: false, auth: true },
      { fn: "react", anon: false, auth: true },
      { fn: "upcoming_events", anon: true, auth: true },
    ]);
  });

  it("document every column", async () => {
    const rows = await db().admin<{ object: string }[]>`
      select c.relname || '.' || a.attname as object from pg_class c join pg_attribute a on a.attrelid = c.oid
      where c.oid = any (${tables.map((t) => `public.${t}`)}::regclass[]) and a.attnum > 0 and not a.attisdropped
        and col_description(c.oid, a.attnum) is null`;
    expect(rows).toEqual([]);
  });
});
