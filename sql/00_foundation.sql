-- Foundation: the private schema, deny-by-default privileges and the helpers every domain shares.
-- Objects: schema private; private.set_updated_at(); private.add_to_counter(); the paging rule
-- private.check_page_size(), private.encode_cursor(), private.decode_cursor(); the name rule
-- private.is_plain_text(); default privileges.
-- Caveat: nothing here is reachable through PostgREST; `private` is not an exposed schema.

create schema if not exists private;
comment on schema private is 'Internals: helper predicates, trigger functions, private stores. Never exposed by the Data API.';

-- Deny by default: functions this role creates are executable by nobody until a grant names who
-- may call them. PostgreSQL grants EXECUTE to PUBLIC otherwise, and a per-schema default cannot
-- revoke a global one, so the revoke is global. Tables are never granted implicitly.
alter default privileges revoke execute on functions from public;

-- Deny by default where the platform grants by default (issue 15): projects with Supabase's legacy
-- "automatic grants" (supabase/postgres init-scripts/00000000000000-initial-schema.sql:
-- `alter default privileges in schema public grant all on tables|functions|sequences to postgres, anon,
-- authenticated, service_role`) give the API roles every privilege on each new public object, and then
-- column grants protect nothing. Revoked here, before anything is created, for every object this role
-- creates in public; each object below grants exactly what it needs. Docs: api/securing-your-api
-- ("revoke these automatic grants"). A no-op on projects that already start without them.
alter default privileges in schema public revoke all on tables from anon, authenticated, service_role;
alter default privileges in schema public revoke all on sequences from anon, authenticated, service_role;
alter default privileges in schema public revoke all on functions from anon, authenticated, service_role;

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

-- Paging: one rule for every paged RPC (docs/conventions.md, "Paging"). page_size is 1–100; a
-- cursor is opaque to clients: "<microseconds since the epoch>.<uuid>", the sort key of the last
-- row of the previous page (until issue 16, base64url of "<microseconds>:<uuid>", still accepted).
-- Every row of a paged result carries the cursor of the page after it; null asks for the first page.

create function private.check_page_size(page_size integer)
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  if check_page_size.page_size is null or check_page_size.page_size < 1 or check_page_size.page_size > 100 then
    raise exception 'page_size must be between 1 and 100' using errcode = '22023';
  end if;
  return check_page_size.page_size;
end
$$;
comment on function private.check_page_size(integer) is 'page_size must be 1–100 (22023 otherwise).';

create function private.encode_cursor(at timestamptz, id uuid)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  -- Plain text, not base64: a feed page builds one per row, and the base64url encoding was 7 % of a
  -- home page (issue 16). Opaque to clients all the same (the contract says so).
  return ((extract(epoch from encode_cursor.at) * 1000000)::bigint)::text || '.' || encode_cursor.id::text;
end
$$;
comment on function private.encode_cursor(timestamptz, uuid) is 'The cursor of a row sorted by (timestamp, id): microseconds since the epoch, a dot, the id. private.decode_cursor reads it back.';

create function private.decode_cursor(cursor text, out at timestamptz, out id uuid)
language plpgsql
immutable
set search_path = ''
as $$
declare
  raw text;
  padded text;
begin
  if decode_cursor.cursor is null then
    at := 'infinity'::timestamptz;
    id := 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid;
    return;
  end if;
  -- What encode_cursor makes, checked whole before any cast, so no cast can fail (16 digits of
  -- microseconds reach the year 2286; timestamps go to 294276): no exception block, whose
  -- subtransaction every later page would pay.
  if decode_cursor.cursor ~ '^-?[0-9]{1,16}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    at := 'epoch'::timestamptz + split_part(decode_cursor.cursor, '.', 1)::bigint * interval '1 microsecond';
    id := split_part(decode_cursor.cursor, '.', 2)::uuid;
    return;
  end if;
  -- The format before issue 16's last change (base64url of '<microseconds>:<id>'), which clients
  -- may still hold: read the same way.
  begin
    padded := translate(decode_cursor.cursor, '-_', '+/');
    padded := padded || repeat('=', (4 - length(padded) % 4) % 4);
    raw := convert_from(decode(padded, 'base64'), 'UTF8');
    at := 'epoch'::timestamptz + split_part(raw, ':', 1)::bigint * interval '1 microsecond';
    id := split_part(raw, ':', 2)::uuid;
  exception when others then
    raise exception 'cursor is not valid' using errcode = '22023', hint = 'Pass the cursor of the last row of the previous page, or null for the first page.';
  end;
  if at is null or id is null then
    raise exception 'cursor is not valid' using errcode = '22023', hint = 'Pass the cursor of the last row of the previous page, or null for the first page.';
  end if;
end
$$;
comment on function private.decode_cursor(text) is 'Decodes a cursor made by private.encode_cursor (or by its base64url predecessor, which clients may still hold) into its timestamp and id (null: the first page, before everything); 22023 cursor is not valid when it is not one.';

grant execute on function private.check_page_size(integer) to anon, authenticated, service_role;
grant execute on function private.encode_cursor(timestamptz, uuid) to anon, authenticated, service_role;
grant execute on function private.decode_cursor(text) to anon, authenticated, service_role;

-- The name rule (issue 14, finding 5): human-readable names and titles must not impersonate. Refused
-- everywhere a name or title is stored (display names, group names, institution fields, post titles,
-- titles inside content): C0 and C1 control characters and DEL (a newline or ESC in a name spoofs
-- layouts and terminals), the bidi embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069
-- and the marks U+200E, U+200F, U+061C (they reorder what follows, "gpj.exe" shows as "exe.jpg"), the
-- line and paragraph separators U+2028–U+2029, and the invisible U+200B (zero-width space), U+2060
-- (word joiner) and U+FEFF (BOM), which make two names look the same. Zero-width joiner and non-joiner
-- (U+200D, U+200C) stay: emoji sequences and Persian and Indic scripts need them. Confusables
-- (Cyrillic "а" for Latin "a", …) stay too: refusing them would refuse whole scripts, so they are left
-- to reports and moderation. Multi-line text (descriptions, questions) may keep tab and newline.
-- Constraints call it as `<table>_<column>_plain`: SQLSTATE 23514 naming that constraint.
create function private.is_plain_text(value text, multiline boolean default false)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  if is_plain_text.value is null then
    return true;
  end if;
  if is_plain_text.multiline then
    return is_plain_text.value !~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]';
  end if;
  return is_plain_text.value !~ '[\x01-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]';
end
$$;
comment on function private.is_plain_text(text, boolean) is 'The name rule: true unless the text holds a control character (C0, DEL, C1; tab, newline and carriage return allowed when multiline), a bidi embedding, override, isolate or mark (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), a line or paragraph separator, or an invisible U+200B, U+2060, U+FEFF. Zero-width joiners and confusables are allowed (see sql/00_foundation.sql).';
grant execute on function private.is_plain_text(text, boolean) to anon, authenticated, service_role;
