-- Platform bootstrap: a stand-in for the interfaces the Supabase platform provides, for plain
-- PostgreSQL 15 in development and tests only. It is never a migration and never runs against a
-- Supabase database (it refuses to). Every object names the Supabase interface it stands in for;
-- signatures and semantics follow supabase/postgres, supabase/auth (GoTrue), supabase/realtime and
-- supabase/storage (see shared/reference/supabase-platform-facts.md for the sources).
--
-- Deliberate simplifications, each harmless for our schema:
--   * realtime.messages has one DEFAULT partition instead of Realtime's daily partitions;
--   * storage keeps only the columns and helpers our policies use;
--   * postgres stays a superuser here (on the platform it is not); migrations must not rely on it.

do $guard$
begin
  if exists (select from pg_roles where rolname = 'supabase_admin')
     or to_regclass('auth.schema_migrations') is not null
     or to_regclass('realtime.schema_migrations') is not null
     or to_regclass('storage.migrations') is not null then
    raise exception 'platform bootstrap refused: this database belongs to a real Supabase platform'
      using errcode = 'P0001',
            hint = 'The bootstrap only stands in for Supabase on a plain PostgreSQL.';
  end if;
end
$guard$;

-- Roles (supabase/postgres init-scripts 00000000000000-initial-schema.sql and later migrations).
-- Roles are cluster-wide, so they are created once per cluster and reused by every database.
do $roles$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin inherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin inherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin inherit bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'supabase_storage_admin') then
    create role supabase_storage_admin login noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'supabase_realtime_admin') then
    create role supabase_realtime_admin nologin noinherit;
  end if;
end
$roles$;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role supabase_auth_admin set search_path = auth;
alter role supabase_storage_admin set search_path = storage;
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;

-- Schemas. PostgREST exposes public (and graphql_public); extensions holds extensions.
create schema if not exists extensions;
create schema if not exists auth authorization supabase_auth_admin;
create schema if not exists storage authorization supabase_storage_admin;
create schema if not exists realtime authorization supabase_realtime_admin;
create schema if not exists graphql_public;
grant usage on schema public, extensions, graphql_public to anon, authenticated, service_role;
grant usage on schema auth, storage, realtime to anon, authenticated, service_role;
grant all on schema auth to postgres;
grant all on schema storage, realtime to postgres;
-- Supabase now leaves new tables, functions and sequences in public ungranted to the API roles
-- (docs: api/securing-your-api); plain PostgreSQL already grants nothing on tables, so only the
-- image's schema usage grants above are needed. PUBLIC execute on functions stays as in
-- PostgreSQL: our migrations revoke it themselves, exactly as they must on the platform.

-- What the CLI's advisors read to know the exposed schemas (PostgREST's db-schemas).
do $settings$
begin
  execute format('alter database %I set pgrst.db_schemas = %L', current_database(), 'public,graphql_public');
end
$settings$;

-- auth.users: the columns GoTrue writes (supabase/auth migrations, net effect).
create table if not exists auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0 check (email_change_confirm_status between 0 and 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create unique index if not exists users_email_partial_key on auth.users (email) where is_sso_user = false;
alter table auth.users owner to supabase_auth_admin;
alter table auth.users enable row level security;
grant select on auth.users to postgres with grant option;
grant all on auth.users to postgres;

-- auth.identities: GoTrue logs email users in through their identity row (supabase/auth migrations).
create table if not exists auth.identities (
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  id uuid not null default gen_random_uuid() primary key,
  constraint identities_provider_id_provider_unique unique (provider_id, provider)
);
alter table auth.identities owner to supabase_auth_admin;
alter table auth.identities enable row level security;
grant all on auth.identities to postgres;

-- pgcrypto lives in extensions on the platform (seeds hash passwords with it).
create extension if not exists pgcrypto with schema extensions;

-- auth helpers (supabase/auth migrations 20220224000811 and 20220531120530): sql stable, and the
-- legacy per-claim settings win over request.jwt.claims exactly as on the platform.
create or replace function auth.uid() returns uuid language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
create or replace function auth.role() returns text language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
create or replace function auth.email() returns text language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;
create or replace function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role, postgres;

-- realtime.messages (supabase/realtime tenant migrations): partitioned by inserted_at, RLS on.
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
) partition by range (inserted_at);
create table if not exists realtime.messages_default partition of realtime.messages default;
alter table realtime.messages owner to supabase_realtime_admin;
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;

-- realtime.topic(): the topic a subscriber is being authorized for.
create or replace function realtime.topic() returns text language sql stable as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;

-- realtime.send(): not security definer, and it swallows every error into a WARNING, so a message
-- refused by RLS is dropped silently, exactly as on the platform.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void language plpgsql as $$
declare
  generated_id uuid := gen_random_uuid();
  final_payload jsonb;
begin
  begin
    final_payload := case when payload ? 'id' then payload
                          else jsonb_set(payload, '{id}', to_jsonb(generated_id)) end;
    perform set_config('realtime.topic', topic, true);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');
  exception when others then
    raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end
$$;

-- realtime.broadcast_changes(): the payload shape Realtime's trigger helper sends.
create or replace function realtime.broadcast_changes(
  topic_name text, event_name text, operation text, table_name text, table_schema text,
  new record, old record, level text default 'ROW'
) returns void language plpgsql as $$
declare
  row_data jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  row_data := jsonb_build_object(
    'old_record', case when old is null then null else to_jsonb(old) end,
    'record', case when new is null then null else to_jsonb(new) end,
    'operation', operation,
    'table', table_name,
    'schema', table_schema
  );
  perform realtime.send(row_data, event_name, topic_name, true);
end
$$;
alter function realtime.topic() owner to supabase_realtime_admin;
alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
alter function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  owner to supabase_realtime_admin;
grant execute on function realtime.topic() to postgres, anon, authenticated, service_role;
grant execute on function realtime.send(jsonb, text, text, boolean) to postgres, anon, authenticated, service_role;
grant execute on function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  to postgres, anon, authenticated, service_role;

-- storage (supabase/storage tenant migrations): buckets, objects and the path helpers.
create table if not exists storage.buckets (
  id text not null primary key,
  name text not null,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[]
);
create unique index if not exists bname on storage.buckets (name);
create table if not exists storage.objects (
  id uuid not null default gen_random_uuid() primary key,
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  user_metadata jsonb
);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;
grant all on storage.buckets, storage.objects to postgres, anon, authenticated, service_role;

create or replace function storage.foldername(name text) returns text[] language plpgsql immutable as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1 : array_length(_parts, 1) - 1];
end
$$;
create or replace function storage.filename(name text) returns text language plpgsql immutable as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[array_length(_parts, 1)];
end
$$;
create or replace function storage.extension(name text) returns text language plpgsql immutable as $$
declare
  _parts text[];
  _filename text;
begin
  select string_to_array(name, '/') into _parts;
  select _parts[array_length(_parts, 1)] into _filename;
  return reverse(split_part(reverse(_filename), '.', 1));
end
$$;

-- Direct deletes are refused unless the Storage API says so (0055-prevent-direct-deletes).
create or replace function storage.protect_delete() returns trigger language plpgsql as $$
begin
  if coalesce(current_setting('storage.allow_delete_query', true), 'false') <> 'true' then
    raise exception 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
      using hint = 'This prevents accidental data loss from orphaned objects.', errcode = '42501';
  end if;
  return null;
end
$$;
drop trigger if exists protect_objects_delete on storage.objects;
create trigger protect_objects_delete before delete on storage.objects
  for each statement execute function storage.protect_delete();
drop trigger if exists protect_buckets_delete on storage.buckets;
create trigger protect_buckets_delete before delete on storage.buckets
  for each statement execute function storage.protect_delete();
alter function storage.foldername(text) owner to supabase_storage_admin;
alter function storage.filename(text) owner to supabase_storage_admin;
alter function storage.extension(text) owner to supabase_storage_admin;
alter function storage.protect_delete() owner to supabase_storage_admin;
grant execute on function storage.foldername(text), storage.filename(text), storage.extension(text)
  to postgres, anon, authenticated, service_role;

-- pg_cron stand-in, only where the real extension cannot run in this database: not preloaded
-- (shared_preload_libraries), or preloaded for another database (cron.database_name), or absent
-- (PGlite). sql/98_jobs.sql creates the real extension where it can and uses this otherwise. The
-- interface follows citusdata/pg_cron 1.6 (pg_cron.sql and its upgrade scripts): cron.job,
-- cron.job_run_details, cron.schedule(job_name, schedule, command) replacing a job of the same name
-- and user, cron.unschedule(job_name). It checks schedules the way pg_cron 1.6 accepts them (five cron
-- fields, '@<period>', or '[1-59] seconds') but never runs a job: tests run them by hand, and
-- tests/platform/scheduled-jobs-run-on-real-pg-cron.test.ts runs them on a real pg_cron.
do $cron_stand_in$
begin
  if to_regnamespace('cron') is not null
     or (current_setting('shared_preload_libraries', true) ~ '(^|[ ,])pg_cron($|[ ,])'
         and current_setting('cron.database_name', true) = current_database()) then
    return;
  end if;
  create schema cron;
  create table cron.job (
    jobid bigint generated by default as identity primary key,
    schedule text not null,
    command text not null,
    nodename text not null default 'localhost',
    nodeport integer not null default coalesce(inet_server_port(), 5432),
    database text not null default current_database(),
    username text not null default current_user,
    active boolean not null default true,
    jobname text,
    constraint jobname_username_uniq unique (jobname, username)
  );
  create table cron.job_run_details (
    jobid bigint,
    runid bigint generated by default as identity primary key,
    job_pid integer,
    database text,
    username text,
    command text,
    status text,
    return_message text,
    start_time timestamptz,
    end_time timestamptz
  );
  create function cron.schedule(job_name text, schedule text, command text) returns bigint
  language plpgsql as $fn$
  declare
    id bigint;
  begin
    if schedule !~ '^\s*([1-9]|[1-5][0-9])\s+seconds?\s*$'
       and schedule !~ '^@(yearly|annually|monthly|weekly|daily|hourly|reboot)$'
       and coalesce(array_length(regexp_split_to_array(btrim(schedule), '\s+'), 1), 0) <> 5 then
      raise exception 'invalid schedule: %', schedule;
    end if;
    insert into cron.job (schedule, command, jobname) values (schedule, command, job_name)
    on conflict (jobname, username) do update set schedule = excluded.schedule, command = excluded.command
    returning jobid into id;
    return id;
  end
  $fn$;
  create function cron.unschedule(job_name text) returns boolean
  language plpgsql as $fn$
  begin
    delete from cron.job j where j.jobname = job_name and j.username = current_user;
    if not found then
      raise exception 'could not find valid entry for job ''%''', job_name;
    end if;
    return true;
  end
  $fn$;
  comment on schema cron is 'platform-bootstrap: stand-in for pg_cron where it cannot load (tests and development only; jobs are recorded, never run)';
  revoke all on schema cron from public;
  revoke all on function cron.schedule(text, text, text), cron.unschedule(text) from public;
  -- Where postgres is not the superuser running this (platform/hosted-postgres.sql), it schedules here.
  grant usage on schema cron to postgres;
  grant select, insert, update, delete on cron.job, cron.job_run_details to postgres;
  grant execute on function cron.schedule(text, text, text), cron.unschedule(text) to postgres;
end
$cron_stand_in$;

-- rum stand-in, only where the server has no rum extension to create (PGlite in `npm run dev`): the
-- one operator search_posts orders by, rum's `timestamptz <=| timestamptz` (the distance of the left
-- value below the right one, Infinity above it), as a plain function, so the query runs with a sort
-- instead of the index. sql/90_discovery.sql creates the real extension where it can and keeps a GIN
-- index on private.post_search otherwise.
do $rum_stand_in$
begin
  if exists (select from pg_catalog.pg_available_extensions e where e.name = 'rum')
     or to_regoperator('extensions.<=|(timestamptz, timestamptz)') is not null then
    return;
  end if;
  create function extensions.rum_stand_in_left_distance(timestamptz, timestamptz) returns float8
  language sql immutable strict parallel safe
  as $fn$ select case when $1 <= $2 then extract(epoch from $2 - $1)::float8 else 'Infinity'::float8 end $fn$;
  comment on function extensions.rum_stand_in_left_distance(timestamptz, timestamptz) is 'platform-bootstrap: stand-in for rum''s <=| where rum cannot be created (development only)';
  create operator extensions.<=| (leftarg = timestamptz, rightarg = timestamptz, function = extensions.rum_stand_in_left_distance);
end
$rum_stand_in$;

-- Marks this database as bootstrapped (our scripts read it; the platform never has it).
comment on schema auth is 'platform-bootstrap: stand-in for the Supabase Auth schema (tests and development only)';
