-- Scheduled jobs: every pg_cron job of the schema, in one list (issue 15; docs/operations.md).
-- Objects: the pg_cron extension; private.job_schedule(); private.request_account_maintenance(); the jobs.
-- Caveats:
-- * pg_cron is enabled here, not by hand: on hosted Supabase `postgres` may create it (supautils lists
--   it in privileged_extensions), as docs/guides/cron/install says: `create extension pg_cron with
--   schema pg_catalog`. Where it cannot be created (not installed, or not in shared_preload_libraries /
--   cron.database_name) the migration fails: the feed queue would otherwise never be drained. The
--   platform bootstrap (plain PostgreSQL in dev and tests only) puts a stand-in `cron` schema where the
--   real extension cannot load (PGlite, a shared server without pg_cron preloaded); it records jobs but
--   never runs them, and the migration uses it as it is (docs/decisions/0007-platform-faithful-database.md).
-- * cron.schedule(name, …) replaces a job of the same name, so re-running the list is harmless.
-- * Jobs run as the role that scheduled them (postgres on the platform), in this database.
-- * Adding a job: one `perform cron.schedule(...)` line below, with private.job_schedule() for a
--   sub-minute interval. The configuration-rows gate compares cron.job between the chain and the sources.

do $enable_pg_cron$
begin
  if to_regnamespace('cron') is null then
    create extension pg_cron with schema pg_catalog;
  end if;
end
$enable_pg_cron$;

-- pg_cron 1.5 added interval schedules ('1 seconds' … '59 seconds'); hosted Supabase runs 1.6.
-- Debian's postgresql-15-cron 1.4 knows minutes only: there a seconds job runs every minute.
create function private.job_schedule(every_seconds integer)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  version integer[];
begin
  -- extversion is like '1.6' or Debian's '1.4-1'.
  select (regexp_match(e.extversion, '^(\d+)\.(\d+)'))::integer[] into version from pg_catalog.pg_extension e where e.extname = 'pg_cron';
  if version is not null and version < array[1, 5] then
    return '* * * * *';
  end if;
  return job_schedule.every_seconds || ' seconds';
end
$$;
comment on function private.job_schedule(integer) is 'The pg_cron schedule of a job run every so many seconds (1–59): ''N seconds'' where pg_cron is 1.5 or later (or the bootstrap''s stand-in), every minute on older pg_cron.';

-- The account function's maintenance route (finish due deletions, remove expired exports), called
-- through pg_net with the project URL and service key kept in Vault. A missing piece is an error in
-- cron.job_run_details naming it, never a silent skip. pg_net and Vault are read dynamically: neither
-- need exist where the job never runs (tests, dev).
create function private.request_account_maintenance()
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  project_url text;
  service_key text;
  request_id bigint;
begin
  if to_regnamespace('net') is null then
    raise exception 'account-maintenance needs pg_net: create extension pg_net (Dashboard: Database, Extensions)'
      using errcode = '55000';
  end if;
  if to_regclass('vault.decrypted_secrets') is null then
    raise exception 'account-maintenance needs Supabase Vault (vault.decrypted_secrets)' using errcode = '55000';
  end if;
  -- format(): the names are resolved at run time only (plpgsql_check would resolve a constant string).
  execute format('select decrypted_secret from %I.decrypted_secrets where name = $1', 'vault') into project_url using 'project_url';
  execute format('select decrypted_secret from %I.decrypted_secrets where name = $1', 'vault') into service_key using 'service_role_key';
  if project_url is null or service_key is null then
    raise exception 'account-maintenance needs the Vault secrets project_url and service_role_key (docs/operations.md)'
      using errcode = '55000';
  end if;
  execute format('select %I.http_post(url := $1, headers := $2, body := $3)', 'net') into request_id
    using rtrim(project_url, '/') || '/functions/v1/account/maintenance',
          jsonb_build_object('content-type', 'application/json', 'authorization', 'Bearer ' || service_key),
          '{}'::jsonb;
  return request_id;
end
$$;
comment on function private.request_account_maintenance() is 'Posts to the account edge function''s maintenance route through pg_net (URL and service key from Vault); returns the pg_net request id. Run by the account-maintenance job; raises 55000 naming what is missing.';

-- The jobs. name, schedule, command.
do $jobs$
begin
  -- Queued posts of big authors into their readers' inboxes (sql/60_feeds.sql, docs/feeds.md).
  perform cron.schedule('feed-queue-drain', private.job_schedule(1), 'select private.drain_feed_queue(50)');
  -- Notifications older than 90 days (sql/25_notifications.sql).
  perform cron.schedule('prune-notifications', '17 3 * * *', 'select private.prune_notifications()');
  -- Due account deletions and expired exports (sql/82_accounts.sql, docs/accounts.md).
  perform cron.schedule('account-maintenance', '*/10 * * * *', 'select private.request_account_maintenance()');
  -- The trending-tags rollup read by trending_tags() (sql/90_discovery.sql, docs/search.md).
  perform cron.schedule('refresh-trending-tags', '*/5 * * * *', 'select private.refresh_trending_tags()');
  -- pg_cron keeps a row per run: a job every second writes 86,400 a day. Keep one day.
  perform cron.schedule('purge-cron-run-details', '23 * * * *',
    $$delete from cron.job_run_details where end_time < now() - interval '1 day'$$);
end
$jobs$;
