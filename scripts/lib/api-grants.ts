// What the API roles may do, read from the catalogue, and the SQL that sets exactly that on a database
// whatever its default privileges did (issue 15, "Default grants"; docs/decisions/0007-*.md).
//
// Supabase projects created with the legacy "automatic grants" (the image's
// `alter default privileges in schema public grant all on tables|functions|sequences to postgres, anon,
// authenticated, service_role`, supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql,
// run as postgres by migrate.sh) give the API roles every privilege on each new public object, and then
// our column grants protect nothing. The catalogue below is what tests compare with and without those
// defaults; `apiGrantsTail` prints the hand-written tail of the migration that revokes everything from
// the API roles on our objects and grants back exactly what the sources grant.
import type postgres from "postgres";

/** The roles a request can run as, and PUBLIC (which every role inherits). */
const grantees = "('anon', 'authenticated', 'service_role')";
const schemas = "('public', 'private')";

/** Runs a catalogue query with an empty search_path, so every regclass and regprocedure prints its schema. */
async function qualified(sql: postgres.Sql, query: string): Promise<Record<string, unknown>[]> {
  return sql.begin(async (tx) => {
    await tx`set local search_path = ''`;
    return tx.unsafe(query);
  }) as Promise<Record<string, unknown>[]>;
}

/** One line per privilege the API roles (or PUBLIC) hold on our objects in public and private, sorted. */
export async function apiPrivilegeCatalogue(sql: postgres.Sql): Promise<string[]> {
  const rows = await qualified(
    sql,
    `
    with api(oid, name) as (
      select oid, rolname::text from pg_roles where rolname in ${grantees}
      union all select 0, 'PUBLIC'
    ),
    ours as (select n.oid, n.nspname from pg_namespace n where n.nspname in ${schemas}),
    not_extension as (select objid, classid from pg_depend where deptype = 'e')
    select format('%s %s %s %s%s', case c.relkind when 'S' then 'sequence' when 'v' then 'view' else 'table' end,
                  c.oid::regclass, api.name, a.privilege_type, case when a.is_grantable then ' with grant option' else '' end) as line
    from pg_class c join ours on ours.oid = c.relnamespace
    cross join lateral aclexplode(coalesce(c.relacl, acldefault((case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner))) a
    join api on api.oid = a.grantee
    where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
      and (c.oid, 'pg_class'::regclass) not in (select objid, classid from not_extension)
    union all
    select format('column %s.%I %s %s%s', c.oid::regclass, att.attname, api.name, a.privilege_type,
                  case when a.is_grantable then ' with grant option' else '' end)
    from pg_class c join ours on ours.oid = c.relnamespace
    join pg_attribute att on att.attrelid = c.oid and att.attnum > 0 and not att.attisdropped and att.attacl is not null
    cross join lateral aclexplode(att.attacl) a
    join api on api.oid = a.grantee
    union all
    select format('function %s %s %s%s', p.oid::regprocedure, api.name, a.privilege_type,
                  case when a.is_grantable then ' with grant option' else '' end)
    from pg_proc p join ours on ours.oid = p.pronamespace
    cross join lateral aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) a
    join api on api.oid = a.grantee
    where (p.oid, 'pg_proc'::regclass) not in (select objid, classid from not_extension)
    union all
    select format('default privileges of %s in %s on %s: %s %s', d.defaclrole::regrole,
                  coalesce(n.nspname, 'every schema'), d.defaclobjtype, api.name, a.privilege_type)
    from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
    cross join lateral aclexplode(d.defaclacl) a
    join api on api.oid = a.grantee
    where n.nspname is null or n.nspname in ${schemas}
    order by 1`,
  );
  return rows.map((r) => r.line as string);
}

/**
 * The migration tail: no default grants to the API roles for objects created from now on, every
 * privilege of the API roles on our existing objects revoked, then exactly the grants of `sql`'s
 * database (built from the sources) given back.
 */
export async function apiGrantsTail(sql: postgres.Sql): Promise<string> {
  const grants = await qualified(
    sql,
    `
    with api(oid, name) as (
      select oid, quote_ident(rolname) from pg_roles where rolname in ${grantees}
      union all select 0, 'public'
    ),
    ours as (select n.oid from pg_namespace n where n.nspname in ${schemas}),
    not_extension as (select objid, classid from pg_depend where deptype = 'e')
    select format('grant %s on %s %s to %s%s;', string_agg(lower(a.privilege_type), ', ' order by a.privilege_type),
                  case when c.relkind = 'S' then 'sequence' else 'table' end, c.oid::regclass, api.name,
                  case when a.is_grantable then ' with grant option' else '' end) as stmt
    from pg_class c join ours on ours.oid = c.relnamespace
    cross join lateral aclexplode(coalesce(c.relacl, acldefault((case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner))) a
    join api on api.oid = a.grantee
    where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
      and (c.oid, 'pg_class'::regclass) not in (select objid, classid from not_extension)
    group by c.oid, c.relkind, api.name, a.is_grantable
    union all
    select format('grant %s (%s) on table %s to %s;', lower(a.privilege_type),
                  string_agg(quote_ident(att.attname), ', ' order by att.attnum), c.oid::regclass, api.name)
    from pg_class c join ours on ours.oid = c.relnamespace
    join pg_attribute att on att.attrelid = c.oid and att.attnum > 0 and not att.attisdropped and att.attacl is not null
    cross join lateral aclexplode(att.attacl) a
    join api on api.oid = a.grantee
    group by c.oid, api.name, a.privilege_type
    union all
    select format('grant execute on function %s to %s;', p.oid::regprocedure, string_agg(api.name, ', ' order by api.name))
    from pg_proc p join ours on ours.oid = p.pronamespace
    cross join lateral aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) a
    join api on api.oid = a.grantee
    where (p.oid, 'pg_proc'::regclass) not in (select objid, classid from not_extension)
    group by p.oid
    order by 1`,
  );
  return [
    "-- hand-written tail: re-append when regenerating",
    "-- Printed by `npm run db:grants` (scripts/lib/api-grants.ts) from a database built from the sources; the lead",
    "-- reprints it at merge time. Default grants (issue 15): on a project with Supabase's legacy automatic",
    "-- grants every object the chain created so far is granted to anon, authenticated and service_role.",
    "-- Objects created from now on get no grant by default (the same lines open sql/00_foundation.sql),",
    "-- every privilege the API roles and PUBLIC hold on our existing objects is revoked, and exactly what",
    "-- the sources grant is given back. tests/gates/the-api-roles-hold-the-same-privileges-under-legacy-default-grants",
    "-- proves the result is the same with and without those defaults.",
    "alter default privileges in schema public revoke all on tables from anon, authenticated, service_role;",
    "alter default privileges in schema public revoke all on sequences from anon, authenticated, service_role;",
    "alter default privileges in schema public revoke all on functions from anon, authenticated, service_role;",
    "do $revoke_api_privileges$",
    "declare",
    "  target text;",
    "begin",
    "  for target in",
    "    select format('%s %s', case when c.relkind = 'S' then 'sequence' else 'table' end, c.oid::regclass)",
    "    from pg_class c join pg_namespace n on n.oid = c.relnamespace",
    "    where n.nspname in ('public', 'private') and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')",
    "      and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')",
    "  loop",
    "    execute format('revoke all on %s from public, anon, authenticated, service_role', target);",
    "  end loop;",
    "  for target in",
    "    select p.oid::regprocedure::text",
    "    from pg_proc p join pg_namespace n on n.oid = p.pronamespace",
    "    where n.nspname in ('public', 'private')",
    "      and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')",
    "  loop",
    "    execute format('revoke all on function %s from public, anon, authenticated, service_role', target);",
    "  end loop;",
    "end",
    "$revoke_api_privileges$;",
    ...grants.map((g) => g.stmt as string),
    "",
  ].join("\n");
}
