// Pins the surface the posts domain adds: RLS on, the exact privileges of each API role (column by
// column where clients write), one policy per operation and role, who may call its RPCs, comments.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { tablePrivileges } from "../helpers/surface.ts";

const db = useTestDatabase();
const tables = ["bookmarks", "comments", "event_rsvps", "events", "post_revisions", "posts", "reactions"];

describe("the posts tables", () => {
  it("have row level security enabled", async () => {
    const rows = await db().admin<{ relname: string }[]>`
      select relname from pg_class where oid = any (${tables.map((t) => `public.${t}`)}::regclass[]) and not relrowsecurity`;
    expect(rows).toEqual([]);
  });

  it("grant anon and authenticated exactly these privileges (writes column by column)", async () => {
    const actual: Record<string, Record<string, string[]>> = { anon: {}, authenticated: {} };
    for (const role of ["anon", "authenticated"]) {
      for (const t of tables) (actual[role] as Record<string, string[]>)[t] = await tablePrivileges(db(), role, t);
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
