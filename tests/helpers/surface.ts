// Reading the exposed surface from the catalog, for the tests that pin it.
import type { TestDatabase } from "./db.ts";

/** The privileges a role holds on a public table; column-limited writes read as INSERT(a,b). */
export async function tablePrivileges(db: TestDatabase, role: string, table: string): Promise<string[]> {
  const rows = await db.admin<{ p: string }[]>`
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
           or (p.privilege in ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES') and has_any_column_privilege(${role}, c.oid, p.privilege)))
    order by p.privilege`;
  return rows.map((r) => r.p);
}
