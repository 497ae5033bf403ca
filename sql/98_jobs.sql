-- Scheduled jobs: every pg_cron job of the schema, in one list (issue 15; docs/operations.md).
-- Objects: the pg_cron extension; private.job_schedule(); private.request_function_route(); the jobs.
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

-- Routes of our edge functions run on a schedule (the account function's maintenance, media cleanup,
-- the moderation email outbox), called through pg_net with the project URL and secret key kept in
-- Vault, as Supabase's "Scheduling Edge Functions" guide does. A missing piece is an error in
-- cron.job_run_details naming the job and what is missing, never a silent skip. pg_net and Vault are
-- read dynamically: neither need exist where the jobs never run (tests, dev).
create function private.request_function_route(job text, route text)
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
    raise exception '% needs pg_net: create extension pg_net (Dashboard: Database, Extensions)', request_function_route.job
      using errcode = '55000';
  end if;
  if to_regclass('vault.decrypted_secrets') is null then
    raise exception '% needs Supabase Vault (vault.decrypted_secrets)', request_function_route.job using errcode = '55000';
  end if;
  -- format(): the names are resolved at run time only (plpgsql_check would resolve a constant string).
  execute format('select decrypted_secret from %I.decrypted_secrets where name = $1', 'vault') into project_url using 'project_url';
  execute format('select decrypted_secret from %I.decrypted_secrets where name = $1', 'vault') into service_key using 'service_role_key';
  if project_url is null or service_key is null then
    raise exception '% needs the Vault secrets project_url and service_role_key (docs/operations.md)', request_function_route.job
      using errcode = '55000';
  end if;
  -- The secret key in apikey (new sb_secret_ keys) and as a bearer (legacy service_role JWT): the
  -- functions accept either (functions/_shared/platform.ts isServiceKey).
  execute format('select %I.http_post(url := $1, headers := $2, body := $3, timeout_milliseconds := 30000)', 'net') into request_id
    using rtrim(project_url, '/') || '/functions/v1/' || request_function_route.route,
          jsonb_build_object('content-type', 'application/json', 'apikey', service_key, 'authorization', 'Bearer ' || service_key),
          '{}'::jsonb;
  return request_id;
end
$$;
comment on function private.request_function_route(text, text) is 'Posts {} to an edge function route (functions/v1/<route>) through pg_net with the project URL and secret key from Vault; returns the pg_net request id. Run by the scheduled jobs; raises 55000 naming the job and what is missing.';

-- The jobs. name, schedule, command.
do $jobs$
begin
  -- New posts of ordinary authors and groups into their readers' inboxes (sql/60_feeds.sql, decision 0010).
  perform cron.schedule('feed-delivery', private.job_schedule(1), 'select private.deliver_feed_posts(1000)');
  -- Queued posts of big authors into their readers' inboxes (sql/60_feeds.sql, docs/feeds.md).
  perform cron.schedule('feed-queue-drain', private.job_schedule(1), 'select private.drain_feed_queue(50)');
  -- Inbox rows of deleted posts (sql/60_feeds.sql, docs/feeds.md): reads skip them, this frees them.
  perform cron.schedule('feed-deleted-posts', '* * * * *', 'select private.purge_deleted_feed_posts(500)');
  -- Older posts of renamed prolific authors take the new author card (sql/60_feeds.sql, decision 0011).
  perform cron.schedule('author-cards', '* * * * *', 'select private.rewrite_author_cards(2000)');
  -- Mention notifications of new posts and edits (sql/90_discovery.sql, docs/search.md).
  perform cron.schedule('mention-delivery', private.job_schedule(1), 'select private.deliver_mentions(1000)');
  -- Search documents and hashtags of posts written or edited (sql/90_discovery.sql, decision 0009).
  perform cron.schedule('post-index', private.job_schedule(1), 'select private.index_posts(1000)');
  -- Notifications older than 90 days (sql/25_notifications.sql).
  perform cron.schedule('prune-notifications', '17 3 * * *', 'select private.prune_notifications()');
  -- Due account deletions and expired exports (sql/82_accounts.sql, docs/accounts.md).
  perform cron.schedule('account-maintenance', '*/10 * * * *', $$select private.request_function_route('account-maintenance', 'account/maintenance')$$);
  -- Media attached to nothing for 24 h and media of deleted content, removed through the Storage API
  -- (functions/media-cleanup, docs/media.md).
  perform cron.schedule('media-cleanup', '*/10 * * * *', $$select private.request_function_route('media-cleanup', 'media-cleanup')$$);
  -- Moderation emails of every path (Studio actions too) not sent by the request that acted
  -- (functions/moderation POST /moderation/outbox, docs/moderation.md).
  perform cron.schedule('moderation-outbox', '* * * * *', $$select private.request_function_route('moderation-outbox', 'moderation/outbox')$$);
  -- The trending-tags rollup read by trending_tags() (sql/90_discovery.sql, docs/search.md).
  perform cron.schedule('refresh-trending-tags', '*/5 * * * *', 'select private.refresh_trending_tags()');
  -- pg_cron keeps a row per run: a job every second writes 86,400 a day. Keep one day.
  perform cron.schedule('purge-cron-run-details', '23 * * * *',
    $$delete from cron.job_run_details where end_time < now() - interval '1 day'$$);
end
$jobs$;
