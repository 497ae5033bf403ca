-- Content: the one validator of post content, schema version 1 (docs/content-blocks.md).
-- Objects: private.content_problem() (the rules, in order),
-- its helpers private.content_* and private.content_*_problem(), private.assert_valid_content()
-- (raises 22023, for triggers and check constraints) and the RPC public.validate_content().
-- Caveats: functions only; the posts domain (sql/50_posts.sql) calls assert_valid_content on every write.
-- The constants, private.content_rules(), are generated from functions/_shared/content-rules.json
-- into sql/30_content_rules.sql (`npm run db:content`; npm test fails when it is stale). The
-- TypeScript enforcer (functions/_shared/content-blocks.ts) must classify every document exactly as
-- private.content_problem() does: tests/content/ prove both against tests/fixtures/content-corpus.json
-- and against mutated documents. Change a rule here, there and in the docs together.

-- The private helpers are plpgsql, not sql: with `set search_path` a SQL function is never inlined
-- and is parsed and planned again at every call, while plpgsql plans its statements once per
-- connection. Every post write runs this validator.

-- Small pure helpers ---------------------------------------------------------------------------------

create function private.content_issue(rule text, message text)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  return jsonb_object(array['rule', content_issue.rule, 'message', content_issue.message]);
end
$$;
comment on function private.content_issue(text, text) is 'A problem found inside a block: {"rule", "message"}; content_problem() adds the block index and the message prefix.';

create function private.content_quote(value text)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  return (jsonb_object(array['v', content_quote.value]) -> 'v')::text;
end
$$;
comment on function private.content_quote(text) is 'The text as a JSON string literal (quoted and escaped as jsonb prints it): how messages name keys.';

create function private.content_list(items jsonb)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  -- An aggregate without group by: always exactly one row.
  return (
    select string_agg(e.item, ', ' order by e.n)
    from jsonb_array_elements_text(content_list.items) with ordinality as e (item, n)
  );
end
$$;
comment on function private.content_list(jsonb) is 'A JSON array of strings as "a, b, c" (for messages), or null when it is empty.';

create function private.content_unknown_keys(object jsonb, allowed jsonb, label text)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  -- One row when some key is not allowed, none (so null) otherwise.
  return (
    select 'unknown ' || content_unknown_keys.label || case when count(*) > 1 then 's' else '' end || ' '
      || string_agg(private.content_quote(k.key), ', ' order by octet_length(k.key), k.key collate "C")
    from jsonb_object_keys(content_unknown_keys.object) as k (key)
    where not content_unknown_keys.allowed ? k.key
    having count(*) > 0
  );
end
$$;
comment on function private.content_unknown_keys(jsonb, jsonb, text) is 'Null when the object has only allowed keys; else the message naming the others (JSON-quoted, in jsonb key order: shorter first, then bytewise).';

create function private.content_is_https_url(candidate text, rules jsonb)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  rest text;
  host_length integer;
begin
  -- The host is bounded first (DNS names are at most 253 characters): the pattern's host part
  -- backtracks, and on a 2,000-character host it costs ~100 ms, enough for 30 blocks to pass the
  -- statement timeout (issue 14, finding 6). Finding the host's end is linear.
  if char_length(content_is_https_url.candidate) > (content_is_https_url.rules #>> '{url,max_length}')::integer
     or left(content_is_https_url.candidate, 8) <> 'https://' then
    return false;
  end if;
  rest := substr(content_is_https_url.candidate, 9);
  -- least() ignores nulls: the first of /, ? and #, or the end.
  host_length := coalesce(
    least(nullif(strpos(rest, '/'), 0), nullif(strpos(rest, '?'), 0), nullif(strpos(rest, '#'), 0)) - 1,
    char_length(rest));
  return host_length <= (content_is_https_url.rules #>> '{url,max_host_length}')::integer
    and content_is_https_url.candidate ~ (content_is_https_url.rules #>> '{url,https_pattern}');
end
$$;
comment on function private.content_is_https_url(text, jsonb) is 'True for an https URL of our grammar: a DNS host name of at most url.max_host_length (253) characters (no IP, no port, no user info), then ASCII URL characters; at most url.max_length characters.';

create function private.content_timestamp_us(candidate text, rules jsonb)
returns bigint
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  c text := content_timestamp_us.candidate;
  zone_length integer;
  rest text;
  y integer;
  mo integer;
  d integer;
  h integer;
  mi integer;
  s integer;
  offset_hours integer;
  offset_minutes integer := 0;
begin
  -- The pattern fixes every field's position: YYYY-MM-DDTHH:MM, [:SS[.ffffff]], Z or ±HH:MM.
  if c is null or c !~ (content_timestamp_us.rules #>> '{event,timestamp_pattern}') then
    return null;
  end if;
  y := substr(c, 1, 4)::integer;
  mo := substr(c, 6, 2)::integer;
  d := substr(c, 9, 2)::integer;
  h := substr(c, 12, 2)::integer;
  mi := substr(c, 15, 2)::integer;
  zone_length := case when right(c, 1) = 'Z' then 1 else 6 end;
  rest := substr(c, 17, char_length(c) - 16 - zone_length);
  s := case when rest = '' then 0 else substr(rest, 2, 2)::integer end;
  if y < 1 or mo not between 1 and 12 or d < 1 or h > 23 or mi > 59 or s > 59
    or d > (array[31, case when (y % 4 = 0 and y % 100 <> 0) or y % 400 = 0 then 29 else 28 end,
                  31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[mo] then
    return null;
  end if;
  if zone_length = 6 then
    offset_hours := substr(c, char_length(c) - 4, 2)::integer;
    offset_minutes := substr(c, char_length(c) - 1, 2)::integer;
    if offset_hours > (content_timestamp_us.rules #>> '{event,max_offset_hours}')::integer or offset_minutes > 59 then
      return null;
    end if;
    offset_minutes := (offset_hours * 60 + offset_minutes) * case substr(c, char_length(c) - 5, 1) when '-' then -1 else 1 end;
  end if;
  return ((((make_date(y, mo, d) - date '1970-01-01')::bigint * 1440 + h * 60 + mi - offset_minutes) * 60 + s) * 1000000)
    + rpad(substr(rest, 5), 6, '0')::bigint;
end
$$;
comment on function private.content_timestamp_us(text, jsonb) is 'Microseconds since 1970-01-01T00:00Z of an ISO-8601 timestamp with a zone (YYYY-MM-DDTHH:MM[:SS[.ffffff]] then Z or ±HH:MM), or null when the text is not one or names no real date and time.';

-- Mention spans of a text block (issue 17): an array of at most mentions.max_count objects with exactly
-- user_id (a uuid), start and end (integers, 0 <= start < end <= the text's length in characters),
-- ordered and not overlapping.
create function private.content_mentions_valid(spans jsonb, text_length integer, rules jsonb)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  span jsonb;
  previous_end numeric := 0;
  s numeric;
  e numeric;
begin
  if jsonb_typeof(content_mentions_valid.spans) is distinct from 'array'
     or jsonb_array_length(content_mentions_valid.spans) > (content_mentions_valid.rules #>> '{mentions,max_count}')::integer then
    return false;
  end if;
  -- By index and with jsonb operators only: every check is a simple expression, so no query is
  -- started per span (a `for … in select` and a key-count subquery cost ~25 µs a post).
  for i in 0 .. jsonb_array_length(content_mentions_valid.spans) - 1 loop
    span := content_mentions_valid.spans -> i;
    if jsonb_typeof(span) <> 'object' then
      return false;
    end if;
    if not (span ?& array['user_id', 'start', 'end']) or span - array['user_id', 'start', 'end'] <> '{}'::jsonb
       or jsonb_typeof(span -> 'user_id') <> 'string' or jsonb_typeof(span -> 'start') <> 'number'
       or jsonb_typeof(span -> 'end') <> 'number'
       or (span ->> 'user_id') !~ (content_mentions_valid.rules #>> '{mentions,user_id_pattern}') then
      return false;
    end if;
    s := (span ->> 'start')::numeric;
    e := (span ->> 'end')::numeric;
    if s <> trunc(s) or e <> trunc(e) or s < previous_end or s >= e or e > content_mentions_valid.text_length then
      return false;
    end if;
    previous_end := e;
  end loop;
  return true;
end
$$;
comment on function private.content_mentions_valid(jsonb, integer, jsonb) is 'True when meta.mentions of a text block is an array of at most mentions.max_count spans {user_id, start, end}: user_id a uuid, integers 0 <= start < end <= the text''s length, ordered and not overlapping (rule text.mentions).';

-- One rule set per block type ------------------------------------------------------------------------
-- Each returns null when the block's value and meta are valid, else the first problem in rule order.

create function private.content_text_problem(value jsonb, meta jsonb, rules jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  max_length integer := (content_text_problem.rules #>> '{text,max_length}')::integer;
  n integer;
  pattern text;
  destination text;
  link_message constant text := 'a markdown link or image must point to an http, https or mailto URL or a relative path, '
    || 'without entities, escapes or control characters in its scheme';
begin
  if jsonb_typeof(content_text_problem.value) is distinct from 'string' then
    return private.content_issue('text.value', 'value must be a string');
  end if;
  n := char_length(content_text_problem.value #>> '{}');
  if n < (content_text_problem.rules #>> '{text,min_length}')::integer or n > max_length then
    return private.content_issue('text.length',
      'value must be ' || (content_text_problem.rules #>> '{text,min_length}') || '–' || max_length::text
      || ' characters, not ' || n::text);
  end if;
  if content_text_problem.meta ? 'format' and not (
    jsonb_typeof(content_text_problem.meta -> 'format') = 'string'
    and content_text_problem.rules #> '{text,formats}' ? (content_text_problem.meta ->> 'format')
  ) then
    return private.content_issue('text.format', 'meta.format must be plain or markdown');
  end if;
  -- Markdown links and images (issue 14, finding 8): every destination's scheme part (up to the first
  -- / ? #) is http, https, mailto or none (a relative link), and holds no entity, escape, percent
  -- sign or control character that a renderer could decode into a scheme (jav&#x61;script:).
  if content_text_problem.meta ->> 'format' = 'markdown' then
    foreach pattern in array array(
      select jsonb_array_elements_text(content_text_problem.rules #> '{markdown,destination_patterns}'))
    loop
      for destination in
        select m[1] from regexp_matches(content_text_problem.value #>> '{}', pattern, 'g') as m
      loop
        if destination ~ (content_text_problem.rules #>> '{markdown,obfuscation_pattern}')
           or (strpos(destination, ':') > 0
               and not (content_text_problem.rules #> '{markdown,allowed_schemes}')
                 ? lower(split_part(destination, ':', 1))) then
          return private.content_issue('text.link', link_message);
        end if;
      end loop;
    end loop;
    for destination in
      select m[1] from regexp_matches(content_text_problem.value #>> '{}',
        content_text_problem.rules #>> '{markdown,autolink_pattern}', 'g') as m
    loop
      if not (content_text_problem.rules #> '{markdown,allowed_schemes}') ? lower(destination) then
        return private.content_issue('text.link', link_message);
      end if;
    end loop;
  end if;
  -- Mentions (issue 17, sql/90_discovery.sql): spans of people by id inside the text; whom an author
  -- may mention is checked on posts (rule mention.target), not here.
  if content_text_problem.meta ? 'mentions'
     and not private.content_mentions_valid(content_text_problem.meta -> 'mentions', n, content_text_problem.rules) then
    return private.content_issue('text.mentions', 'meta.mentions must be an array of at most '
      || (content_text_problem.rules #>> '{mentions,max_count}') || ' spans {user_id, start, end}: user_id a uuid, '
      || '0 ≤ start < end ≤ the value''s length in characters, in order and not overlapping');
  end if;
  return null;
end
$$;
comment on function private.content_text_problem(jsonb, jsonb, jsonb) is 'Rules of a text block: value a string of 1–10000 characters (code points); meta.format plain or markdown; in markdown, link and image destinations only http, https, mailto or relative, unobfuscated.';

create function private.content_media_problem(block_type text, value jsonb, meta jsonb, rules jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  max_dimension numeric := (content_media_problem.rules #>> '{media,max_dimension}')::numeric;
  dimension text;
  n numeric;
begin
  if jsonb_typeof(content_media_problem.value) is distinct from 'string'
    or not (
      private.content_is_https_url(content_media_problem.value #>> '{}', content_media_problem.rules)
      or (char_length(content_media_problem.value #>> '{}') <= (content_media_problem.rules #>> '{url,storage_path_max_length}')::integer
          and (content_media_problem.value #>> '{}') ~ (content_media_problem.rules #>> '{url,storage_path_pattern}'))
    ) then
    return private.content_issue(content_media_problem.block_type || '.value',
      'value must be an https URL or a storage path post-media/<uuid>/<file>');
  end if;
  if content_media_problem.meta ? 'alt' and not (
    jsonb_typeof(content_media_problem.meta -> 'alt') = 'string'
    and char_length(content_media_problem.meta ->> 'alt') <= (content_media_problem.rules #>> '{media,alt_max_length}')::integer
  ) then
    return private.content_issue(content_media_problem.block_type || '.alt',
      'meta.alt must be a string of at most ' || (content_media_problem.rules #>> '{media,alt_max_length}') || ' characters');
  end if;
  foreach dimension in array array['width', 'height'] loop
    if content_media_problem.meta ? dimension then
      n := case when jsonb_typeof(content_media_problem.meta -> dimension) = 'number'
        then (content_media_problem.meta -> dimension)::numeric end;
      if n is null or n <> trunc(n) or n < 1 or n > max_dimension then
        return private.content_issue(content_media_problem.block_type || '.' || dimension,
          'meta.' || dimension || ' must be an integer from 1 to ' || max_dimension::text);
      end if;
    end if;
  end loop;
  if content_media_problem.block_type = 'video' and content_media_problem.meta ? 'autoplay'
    and jsonb_typeof(content_media_problem.meta -> 'autoplay') <> 'boolean' then
    return private.content_issue('video.autoplay', 'meta.autoplay must be true or false');
  end if;
  return null;
end
$$;
comment on function private.content_media_problem(text, jsonb, jsonb, jsonb) is 'Rules of image and video blocks: value an https URL or a storage path post-media/<uuid>/<file>; meta.alt at most 500 characters; meta.width/height integers 1–100000; video meta.autoplay a boolean.';

create function private.content_embed_problem(value jsonb, meta jsonb, rules jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  provider text;
  host text;
  hosts jsonb;
begin
  if jsonb_typeof(content_embed_problem.value) is distinct from 'string'
    or not private.content_is_https_url(content_embed_problem.value #>> '{}', content_embed_problem.rules) then
    return private.content_issue('embed.value', 'value must be an https URL');
  end if;
  if jsonb_typeof(content_embed_problem.meta -> 'provider') = 'string' then
    provider := content_embed_problem.meta ->> 'provider';
    hosts := jsonb_path_query_first(content_embed_problem.rules, '$.embed_providers[*] ? (@.provider == $p).hosts',
      jsonb_object(array['p', provider]));
  end if;
  if hosts is null then
    return private.content_issue('embed.provider', 'meta.provider must be one of '
      || (select string_agg(p.entry ->> 'provider', ', ' order by p.n)
          from jsonb_array_elements(content_embed_problem.rules -> 'embed_providers') with ordinality as p (entry, n)));
  end if;
  host := lower(substring(content_embed_problem.value #>> '{}' from '^https://([^/?#]+)'));
  if not hosts ? host then
    return private.content_issue('embed.host', 'host ' || host || ' does not match provider ' || provider);
  end if;
  return null;
end
$$;
comment on function private.content_embed_problem(jsonb, jsonb, jsonb) is 'Rules of an embed block: value an https URL; meta.provider from the allowlist; the URL''s host one of that provider''s hosts.';

create function private.content_event_problem(value jsonb, rules jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  title_max integer := (content_event_problem.rules #>> '{event,title_max_length}')::integer;
  location_max integer := (content_event_problem.rules #>> '{event,location_max_length}')::integer;
  unknown text;
  starts_at bigint;
  ends_at bigint;
begin
  if jsonb_typeof(content_event_problem.value) is distinct from 'object' then
    return private.content_issue('event.value', 'value must be an object {title, start, end, location?}');
  end if;
  unknown := private.content_unknown_keys(content_event_problem.value, '["title", "start", "end", "location"]'::jsonb, 'value key');
  if unknown is not null then
    return private.content_issue('event.unknown_key', unknown || '; allowed: title, start, end, location');
  end if;
  if jsonb_typeof(content_event_problem.value -> 'title') is distinct from 'string'
    or char_length(content_event_problem.value ->> 'title') not between 1 and title_max then
    return private.content_issue('event.title', 'value.title must be a string of 1–' || title_max::text || ' characters');
  end if;
  if (content_event_problem.value ->> 'title') ~ (content_event_problem.rules #>> '{names,forbidden_pattern}') then
    return private.content_issue('event.title', 'value.title must not contain control, bidi or invisible characters');
  end if;
  if jsonb_typeof(content_event_problem.value -> 'start') = 'string' then
    starts_at := private.content_timestamp_us(content_event_problem.value ->> 'start', content_event_problem.rules);
  end if;
  if starts_at is null then
    return private.content_issue('event.start',
      'value.start must be an ISO-8601 timestamp with a zone, such as 2025-09-10T18:00Z');
  end if;
  if jsonb_typeof(content_event_problem.value -> 'end') = 'string' then
    ends_at := private.content_timestamp_us(content_event_problem.value ->> 'end', content_event_problem.rules);
  end if;
  if ends_at is null then
    return private.content_issue('event.end',
      'value.end must be an ISO-8601 timestamp with a zone, such as 2025-09-10T20:00Z');
  end if;
  if content_event_problem.value ? 'location' and not (
    jsonb_typeof(content_event_problem.value -> 'location') = 'string'
    and char_length(content_event_problem.value ->> 'location') <= location_max
  ) then
    return private.content_issue('event.location', 'value.location must be a string of at most ' || location_max::text || ' characters');
  end if;
  if (content_event_problem.value ->> 'location') ~ (content_event_problem.rules #>> '{names,forbidden_pattern}') then
    return private.content_issue('event.location', 'value.location must not contain control, bidi or invisible characters');
  end if;
  if ends_at < starts_at then
    return private.content_issue('event.end_before_start', 'value.end is before value.start');
  end if;
  return null;
end
$$;
comment on function private.content_event_problem(jsonb, jsonb) is 'Rules of an event block: value {title 1–200, start, end (ISO-8601 with a zone, end not before start), location? at most 200}; no other keys.';

create function private.content_schedule_problem(value jsonb, rules jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  min_rows integer := (content_schedule_problem.rules #>> '{schedule,min_rows}')::integer;
  max_rows integer := (content_schedule_problem.rules #>> '{schedule,max_rows}')::integer;
  activity_max integer := (content_schedule_problem.rules #>> '{schedule,activity_max_length}')::integer;
  row_count integer;
  r jsonb;
  i bigint;
  at text;
  unknown text;
begin
  if jsonb_typeof(content_schedule_problem.value) is distinct from 'array' then
    return private.content_issue('schedule.value', 'value must be an array of rows {day, time, activity}');
  end if;
  row_count := jsonb_array_length(content_schedule_problem.value);
  if row_count < min_rows or row_count > max_rows then
    return private.content_issue('schedule.row_count',
      'value must hold ' || min_rows::text || '–' || max_rows::text || ' rows, not ' || row_count::text);
  end if;
  for r, i in
    select e.item, e.n - 1 from jsonb_array_elements(content_schedule_problem.value) with ordinality as e (item, n)
  loop
    at := 'value[' || i::text || ']';
    if jsonb_typeof(r) <> 'object' then
      return private.content_issue('schedule.row', at || ' must be an object {day, time, activity}');
    end if;
    unknown := private.content_unknown_keys(r, '["day", "time", "activity"]'::jsonb, 'key');
    if unknown is not null then
      return private.content_issue('schedule.row_unknown_key', at || ': ' || unknown || '; allowed: day, time, activity');
    end if;
    if jsonb_typeof(r -> 'day') is distinct from 'string' or not (content_schedule_problem.rules #> '{schedule,days}') ? (r ->> 'day') then
      return private.content_issue('schedule.day',
        at || '.day must be one of ' || private.content_list(content_schedule_problem.rules #> '{schedule,days}'));
    end if;
    if jsonb_typeof(r -> 'time') is distinct from 'string' or (r ->> 'time') !~ (content_schedule_problem.rules #>> '{schedule,time_pattern}') then
      return private.content_issue('schedule.time', at || '.time must be HH:MM (00:00–23:59)');
    end if;
    if jsonb_typeof(r -> 'activity') is distinct from 'string' or char_length(r ->> 'activity') not between 1 and activity_max then
      return private.content_issue('schedule.activity', at || '.activity must be a string of 1–' || activity_max::text || ' characters');
    end if;
    if (r ->> 'activity') ~ (content_schedule_problem.rules #>> '{names,forbidden_pattern}') then
      return private.content_issue('schedule.activity', at || '.activity must not contain control, bidi or invisible characters');
    end if;
  end loop;
  return null;
end
$$;
comment on function private.content_schedule_problem(jsonb, jsonb) is 'Rules of a schedule block: value 1–100 rows {day Mon..Sun, time HH:MM 24-hour, activity 1–200}; no other keys.';

create function private.content_donation_problem(value jsonb, rules jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  title_max integer := (content_donation_problem.rules #>> '{donation,title_max_length}')::integer;
  target_max numeric := (content_donation_problem.rules #>> '{donation,target_max}')::numeric;
  target_decimals integer := (content_donation_problem.rules #>> '{donation,target_decimals}')::integer;
  target numeric;
  unknown text;
begin
  if jsonb_typeof(content_donation_problem.value) is distinct from 'object' then
    return private.content_issue('donation.value', 'value must be an object {title, target, currency, link}');
  end if;
  unknown := private.content_unknown_keys(content_donation_problem.value, '["title", "target", "currency", "link"]'::jsonb, 'value key');
  if unknown is not null then
    return private.content_issue('donation.unknown_key', unknown || '; allowed: title, target, currency, link');
  end if;
  if jsonb_typeof(content_donation_problem.value -> 'title') is distinct from 'string'
    or char_length(content_donation_problem.value ->> 'title') not between 1 and title_max then
    return private.content_issue('donation.title', 'value.title must be a string of 1–' || title_max::text || ' characters');
  end if;
  if (content_donation_problem.value ->> 'title') ~ (content_donation_problem.rules #>> '{names,forbidden_pattern}') then
    return private.content_issue('donation.title', 'value.title must not contain control, bidi or invisible characters');
  end if;
  if jsonb_typeof(content_donation_problem.value -> 'target') = 'number' then
    target := (content_donation_problem.value -> 'target')::numeric;
  end if;
  -- Judged by value, not by how it is written (5000.10 has 2 decimals); a tiny or over-precise number
  -- such as 1e-16383 has more decimals and is refused (docs/content-blocks.md, "Donation").
  if target is null or target <= 0 or target > target_max or target <> round(target, target_decimals) then
    return private.content_issue('donation.target',
      'value.target must be a number greater than 0 and at most ' || target_max::text
      || ' with at most ' || target_decimals::text || ' decimals');
  end if;
  if jsonb_typeof(content_donation_problem.value -> 'currency') is distinct from 'string'
    or not (content_donation_problem.rules #> '{donation,currencies}') ? (content_donation_problem.value ->> 'currency') then
    return private.content_issue('donation.currency', 'value.currency must be an ISO-4217 currency code such as USD or EUR');
  end if;
  if jsonb_typeof(content_donation_problem.value -> 'link') is distinct from 'string'
    or not private.content_is_https_url(content_donation_problem.value ->> 'link', content_donation_problem.rules) then
    return private.content_issue('donation.link', 'value.link must be an https URL');
  end if;
  return null;
end
$$;
comment on function private.content_donation_problem(jsonb, jsonb) is 'Rules of a donation block: value {title 1–200, target a number > 0 and at most 10^12 with at most 2 decimals, currency from the ISO-4217 list, link an https URL}; no other keys.';

-- The document and its blocks ------------------------------------------------------------------------

create function private.content_block_problem(block jsonb, rules jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  block_type text;
  meta jsonb;
  unknown text;
begin
  if jsonb_typeof(content_block_problem.block) <> 'object' then
    return private.content_issue('block.not_object', 'a block must be a JSON object');
  end if;
  if jsonb_typeof(content_block_problem.block -> 'type') = 'string'
    and content_block_problem.rules -> 'block_types' ? (content_block_problem.block ->> 'type') then
    block_type := content_block_problem.block ->> 'type';
  else
    return private.content_issue('block.type',
      'type must be one of ' || private.content_list(content_block_problem.rules -> 'block_types'));
  end if;
  unknown := private.content_unknown_keys(content_block_problem.block, '["type", "value", "meta"]'::jsonb, 'key');
  if unknown is not null then
    return private.content_issue('block.unknown_key', unknown || '; a block has only type, value and meta');
  end if;
  if content_block_problem.block ? 'meta' and jsonb_typeof(content_block_problem.block -> 'meta') <> 'object' then
    return private.content_issue('block.meta', 'meta must be a JSON object');
  end if;
  meta := coalesce(content_block_problem.block -> 'meta', '{}'::jsonb);
  unknown := private.content_unknown_keys(meta, content_block_problem.rules #> array['meta_keys', block_type], 'meta key');
  if unknown is not null then
    return private.content_issue('block.meta_unknown_key', unknown || '; allowed: '
      || coalesce(private.content_list(content_block_problem.rules #> array['meta_keys', block_type]), 'none'));
  end if;
  return case block_type
    when 'text' then private.content_text_problem(content_block_problem.block -> 'value', meta, content_block_problem.rules)
    when 'image' then private.content_media_problem(block_type, content_block_problem.block -> 'value', meta, content_block_problem.rules)
    when 'video' then private.content_media_problem(block_type, content_block_problem.block -> 'value', meta, content_block_problem.rules)
    when 'embed' then private.content_embed_problem(content_block_problem.block -> 'value', meta, content_block_problem.rules)
    when 'event' then private.content_event_problem(content_block_problem.block -> 'value', content_block_problem.rules)
    when 'schedule' then private.content_schedule_problem(content_block_problem.block -> 'value', content_block_problem.rules)
    when 'donation' then private.content_donation_problem(content_block_problem.block -> 'value', content_block_problem.rules)
  end;
end
$$;
comment on function private.content_block_problem(jsonb, jsonb) is 'The first problem of one block as {"rule", "message"}, or null: the block''s shape (object; type; only type, value, meta; meta an object with the type''s keys), then its type''s rules.';

create function private.content_problem(content jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  rules constant jsonb := private.content_rules();
  max_bytes integer := (rules #>> '{document,max_bytes}')::integer;
  min_blocks integer := (rules #>> '{document,min_blocks}')::integer;
  max_blocks integer := (rules #>> '{document,max_blocks}')::integer;
  max_depth integer := (rules #>> '{document,max_depth}')::integer;
  size integer;
  block_count integer;
  unknown text;
  issue jsonb;
  block jsonb;
  i bigint;
  block_type text;
begin
  if jsonb_typeof(content_problem.content) is distinct from 'object' then
    return '{"block": null}'::jsonb
      || private.content_issue('content.not_object', 'content: must be a JSON object with a blocks array');
  end if;
  -- Depth before anything that walks the document: arrays and objects nest at most max_depth levels
  -- (the root object is level 1). The jsonpath walk is bounded by the level it looks for, so a
  -- document nested thousands deep costs no more than a flat one (issue 14, finding 6).
  if jsonb_path_exists(content_problem.content,
       ('strict $.**{' || max_depth::text || '} ? (@.type() == "array" || @.type() == "object")')::jsonpath) then
    return '{"block": null}'::jsonb
      || private.content_issue('content.too_deep',
           'content: arrays and objects nest at most ' || max_depth::text || ' levels deep');
  end if;
  size := octet_length(content_problem.content::text);
  if size > max_bytes then
    return '{"block": null}'::jsonb
      || private.content_issue('content.too_large', 'content: is ' || size::text || ' bytes; at most ' || max_bytes::text || ' are allowed');
  end if;
  unknown := private.content_unknown_keys(content_problem.content, '["blocks", "schema_version"]'::jsonb, 'key');
  if unknown is not null then
    return '{"block": null}'::jsonb
      || private.content_issue('content.unknown_key', 'content: ' || unknown || '; allowed: blocks, schema_version');
  end if;
  if content_problem.content ? 'schema_version' and content_problem.content -> 'schema_version' <> rules -> 'schema_version' then
    return '{"block": null}'::jsonb
      || private.content_issue('content.schema_version', 'content: schema_version must be ' || (rules ->> 'schema_version'));
  end if;
  if jsonb_typeof(content_problem.content -> 'blocks') is distinct from 'array' then
    return '{"block": null}'::jsonb || private.content_issue('content.blocks', 'content: blocks must be an array');
  end if;
  block_count := jsonb_array_length(content_problem.content -> 'blocks');
  if block_count < min_blocks or block_count > max_blocks then
    return '{"block": null}'::jsonb || private.content_issue('content.block_count',
      'content: blocks must hold ' || min_blocks::text || '–' || max_blocks::text || ' blocks, not ' || block_count::text);
  end if;
  for block, i in
    select e.item, e.n - 1 from jsonb_array_elements(content_problem.content -> 'blocks') with ordinality as e (item, n)
  loop
    issue := private.content_block_problem(block, rules);
    if issue is not null then
      block_type := case when issue ->> 'rule' not in ('block.not_object', 'block.type')
        then ' (' || (block ->> 'type') || ')' else '' end;
      return ('{"block": ' || i::text || '}')::jsonb
        || jsonb_object(array['rule', issue ->> 'rule',
             'message', 'content.blocks[' || i::text || ']' || block_type || ': ' || (issue ->> 'message')]);
    end if;
  end loop;
  return null;
end
$$;
comment on function private.content_problem(jsonb) is 'Null when the post content is valid (schema version 1), else its first problem in rule order: {"block": index or null, "rule": stable code, "message": "content.blocks[i] (type): …"}. The one content rule set; see docs/content-blocks.md.';

create function private.assert_valid_content(content jsonb)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  problem jsonb := private.content_problem(assert_valid_content.content);
begin
  if problem is not null then
    raise exception using
      errcode = '22023',
      message = problem ->> 'message',
      detail = (problem - 'message')::text,
      hint = 'rule ' || (problem ->> 'rule') || '; pre-check with public.validate_content(content); rules in docs/content-blocks.md';
  end if;
  return true;
end
$$;
comment on function private.assert_valid_content(jsonb) is 'Returns true for valid post content; otherwise raises 22023 with the problem''s message, detail {"block", "rule"} as JSON and a hint naming the rule. For write triggers and check constraints.';

-- RPC -----------------------------------------------------------------------------------------------

create function public.validate_content(content jsonb)
returns jsonb
language sql
immutable
parallel safe
set search_path = ''
as $$
  select private.content_problem(validate_content.content)
$$;
comment on function public.validate_content(jsonb) is 'Pre-checks post content without writing: null when valid, else the first problem {"block": index or null, "rule": stable code, "message"} exactly as a post write would refuse it. Callable by anyone. Rules: docs/content-blocks.md.';

-- Grants: pure functions, called with the caller's rights by the RPC and by write triggers. -------

grant execute on function private.content_issue(text, text) to anon, authenticated, service_role;
grant execute on function private.content_quote(text) to anon, authenticated, service_role;
grant execute on function private.content_list(jsonb) to anon, authenticated, service_role;
grant execute on function private.content_unknown_keys(jsonb, jsonb, text) to anon, authenticated, service_role;
grant execute on function private.content_is_https_url(text, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_timestamp_us(text, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_mentions_valid(jsonb, integer, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_text_problem(jsonb, jsonb, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_media_problem(text, jsonb, jsonb, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_embed_problem(jsonb, jsonb, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_event_problem(jsonb, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_schedule_problem(jsonb, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_donation_problem(jsonb, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_block_problem(jsonb, jsonb) to anon, authenticated, service_role;
grant execute on function private.content_problem(jsonb) to anon, authenticated, service_role;
grant execute on function private.assert_valid_content(jsonb) to authenticated, service_role;
grant execute on function public.validate_content(jsonb) to anon, authenticated, service_role;
