-- Foundation: the private schema, deny-by-default privileges and the helpers every domain shares.
-- Objects: schema private; private.set_updated_at(); default privileges.
-- Caveat: nothing here is reachable through PostgREST; `private` is not an exposed schema.

create schema if not exists private;
comment on schema private is 'Internals: helper predicates, trigger functions, private stores. Never exposed by the Data API.';

-- Deny by default: functions this role creates are executable by nobody until a grant names who
-- may call them. PostgreSQL grants EXECUTE to PUBLIC otherwise, and a per-schema default cannot
-- revoke a global one, so the revoke is global. Tables are never granted implicitly.
alter default privileges revoke execute on functions from public;

-- The API roles may resolve names in private (policies call its predicates), nothing more.
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;

-- Our error vocabulary (docs/errors.md): 22023 bad input, 23505 duplicate, 42501 forbidden,
-- PT404 not found or not visible, PT409 illegal state transition.

create function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function private.set_updated_at() is 'Trigger: keeps updated_at equal to the time of the last update.';
