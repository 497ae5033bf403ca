-- Supabase's legacy default grants, for tests only (TEST_DEFAULT_GRANTS=legacy, tests/global-setup.ts;
-- tests/gates/the-api-roles-hold-the-same-privileges-under-legacy-default-grants.test.ts).
-- Projects created before Supabase stopped granting by default, projects with the dashboard's
-- "automatic grants" toggle on, and an older CLI's `supabase start` run these lines of
-- supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql as postgres
-- (migrations/db/migrate.sh runs the init scripts with -U postgres), before any migration of ours.
-- Docs: https://supabase.com/docs/guides/api/securing-your-api (the behaviour "on existing projects").
alter default privileges for role postgres in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to postgres, anon, authenticated, service_role;
