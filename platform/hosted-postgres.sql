-- The hosted `postgres` role, for a throwaway PostgreSQL cluster in tests only
-- (tests/gates/every-migration-pushes-as-the-hosted-non-superuser-postgres.test.ts,
-- tests/platform/scheduled-jobs-run-on-real-pg-cron.test.ts). Run as the cluster's superuser after
-- platform/bootstrap.sql, in the database the migrations go to. On hosted Supabase `postgres` is not a
-- superuser; these lines give it what the platform gives it, each from supabase/postgres
-- (migrations/db/…), and nothing more:
--   10000000000000_demote-postgres.sql      NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS,
--                                           all on the database and on auth, storage, extensions
--   20220609081115_grant-supabase-auth-admin-and-supabase-storage-admin-to-postgres.sql
--                                           member of supabase_auth_admin and supabase_storage_admin
--                                           (triggers on auth.users, policies on storage.objects)
--   20230201083204_grant_auth_roles_to_postgres.sql   member of anon, authenticated, service_role
--                                           (platform/bootstrap.sql already grants these)
--   20230306081037_grant_pg_monitor_to_postgres.sql, 20240606060239_grant_predefined_roles_to_postgres.sql
--                                           pg_monitor, pg_read_all_data, pg_signal_backend
--   migrate.sh                              the database is owned by postgres (so is schema public)
-- Emulated, because this cluster has no supautils:
--   * supautils.policy_grants (ansible/files/postgresql_config/supautils.conf.j2) lets postgres create
--     policies on realtime.messages; here postgres is a member of its owner supabase_realtime_admin.
--   * supautils.privileged_extensions lets postgres create pg_cron; here the superuser creates it
--     (tests/helpers/cluster.ts, as the dashboard's "enable" does, with the grants of
--     https://supabase.com/docs/guides/cron/install) and sql/98_jobs.sql finds it enabled.
--   * The same list lets postgres create rum (not a trusted extension); here the superuser creates it
--     below, and sql/90_discovery.sql's `create extension if not exists rum` finds it.
alter role postgres nosuperuser createdb createrole login replication bypassrls;
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;
grant supabase_auth_admin, supabase_storage_admin to postgres;
grant supabase_realtime_admin to postgres;
grant anon, authenticated, service_role to postgres;
grant all on schema auth, storage, extensions to postgres;
grant all on all tables in schema auth, storage, extensions to postgres;
grant all on all sequences in schema auth, storage, extensions to postgres;
grant all on all routines in schema auth, storage, extensions to postgres;
do $hosted$
begin
  execute format('alter database %I owner to postgres', current_database());
  execute format('grant all on database %I to postgres', current_database());
end
$hosted$;
create extension if not exists rum with schema extensions;
