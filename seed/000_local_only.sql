-- The seed creates accounts with a published password (Password123) and a platform admin, so it must
-- never reach a real project. This file runs first (config.toml's [db.seed] and scripts/lib/database.ts
-- apply seed/*.sql in name order) and stops the whole seed on any database that is not local:
--   * a plain PostgreSQL with our platform bootstrap (no Supabase platform schemas): a development
--     or test machine (`npm run dev`, `npm run db:reset -- --seed`, the tests); production is always
--     a Supabase database;
--   * the database of `supabase start`: a Supabase database whose app.settings.jwt_secret is the
--     CLI's well-known local secret (the CLI's local init sets it: ALTER DATABASE postgres SET
--     "app.settings.jwt_secret"; a hosted project never carries that value).
-- Anything else, such as `supabase db reset --linked` or `supabase db push --include-seed` against a
-- hosted project, raises here, and the CLI stops before any seed row is written.
do $$
declare
  is_supabase boolean := exists (select from pg_roles where rolname = 'supabase_admin')
    or exists (select from pg_namespace where nspname in ('pgbouncer', 'graphql', 'vault', 'supabase_functions'));
  local_secret constant text := 'super-secret-jwt-token-with-at-least-32-characters-long';
begin
  if not is_supabase then
    return;
  end if;
  if current_setting('app.settings.jwt_secret', true) is not distinct from local_secret then
    return;
  end if;
  raise exception using
    errcode = 'P0001',
    message = 'seed/ is for local databases only: this is a Supabase database that is not `supabase start`''s',
    detail = 'The seed creates accounts with the published password Password123 and a platform admin.',
    hint = 'Seed only `supabase start` or a local PostgreSQL (npm run db:reset -- --seed); never use --include-seed or db reset --linked on a hosted project.';
end
$$;
