-- Foundation: the private schema, deny-by-default privileges and the helpers every domain shares.
-- Objects: schema private; private.set_updated_at(); private.add_to_counter(); default privileges.
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

-- Counters kept by statement triggers (posts_count, comment_count, …): the rows are locked in id
-- order first, so concurrent statements touching overlapping rows never deadlock, then each row
-- moves once by delta times the number of times its id is listed.
create function private.add_to_counter(target regclass, counter name, ids uuid[], delta integer)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if coalesce(cardinality(add_to_counter.ids), 0) = 0 then
    return;
  end if;
  execute format('select from %s t where t.id = any ($1) order by t.id for no key update', add_to_counter.target)
    using add_to_counter.ids;
  execute format(
    'update %1$s t set %2$I = t.%2$I + $2 * c.n
     from (select u.id, count(*)::integer as n from unnest($1) as u(id) group by u.id) c
     where t.id = c.id',
    add_to_counter.target, add_to_counter.counter)
    using add_to_counter.ids, add_to_counter.delta;
end
$$;
comment on function private.add_to_counter(regclass, name, uuid[], integer) is 'Adds delta to column counter of table target once per listed id, under row locks taken in id order. For statement-level counter triggers.';
