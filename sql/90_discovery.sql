-- Discovery: search people, groups and posts; hashtags; mentions (issue 17, docs/search.md).
-- Objects: extensions pg_trgm and rum (schema extensions); profiles.discoverable; private.post_search (one
-- full-text document per post) and private.post_tags (hashtags per post), both written by the job
-- private.index_posts() from private.post_index_queue; private.trending_tags_rollup, refreshed by the
-- job private.refresh_trending_tags(); the mention rules (who may be mentioned) and
-- private.mention_queue with its job private.deliver_mentions(); the search cursor; RPCs search_people,
-- search_groups, search_posts, tag_feed, trending_tags.
-- Caveats:
--  * Posts are found under the rules of the feeds: the posts select policy's predicate
--    (private.can_see_post, removed posts never) less authors the caller mutes, checked at read time,
--    so a block, mute, unfollow, privacy change or removal applies at once. Rows are hydrated by
--    private.feed_rows (sql/61_feed_reads.sql): the same card shapes as the feeds.
--  * Text search configurations: every document holds its words twice, stemmed by `english` (the
--    default language of the product) and verbatim by `simple` (names, other languages, mixed text);
--    a query matches either (docs/search.md).
--  * Structure of mention spans is a content rule (text.mentions: content-rules.json, both
--    validators); whom an author may mention (a person who exists and is not separated from them by a
--    block) needs the database and is checked here only (rule mention.target).
--  * The trending rollup is refreshed by a scheduled job (every 5 minutes; the schedule lives with
--    the other jobs), never computed per call.
--  * Mention notifications are delivered by a job every second (private.mention_queue,
--    private.deliver_mentions), not in the posting transaction: a post with mentions costs about an
--    ordinary post (issue 17's target), and whether the person may hear of it (a block, a mute, the
--    post's visibility, the mention still in the post) is judged at delivery, the latest state.
--  * Search documents and hashtags are written by a job every second too (decision 0009): a post is
--    found by search_posts and tag_feed about a second after it is written or edited. The document
--    and its RUM index entry were a fifth of the cost of writing an ordinary post.
-- pg_trgm and rum live in the extensions schema, as on the platform: "Most extensions are installed
-- under the extensions schema" (https://supabase.com/docs/guides/database/extensions). rum (the RUM
-- index: search matches newest first, stopping at a limit; https://supabase.com/docs/guides/database/extensions/rum)
-- is not a trusted extension: hosted `postgres` creates it through supautils (privileged_extensions),
-- as the Dashboard's Database > Extensions does. Where the server has no rum (PGlite in `npm run dev`)
-- it is left out, private.post_search keeps a GIN index and the platform bootstrap provides the one
-- operator search_posts orders by (platform/bootstrap.sql).

-- Extension functions keep PostgreSQL's default EXECUTE for PUBLIC, as on the platform, where the
-- extension's script runs as a superuser that sql/00_foundation.sql's default-privilege revoke (made
-- by postgres) does not touch. Here postgres may itself be the superuser running the script, so the
-- revoke is lifted around these statements (the hosted-postgres gate compares both builds).
alter default privileges grant execute on functions to public;
create extension if not exists pg_trgm with schema extensions;
do $create_rum$
begin
  if exists (select from pg_catalog.pg_available_extensions e where e.name = 'rum') then
    create extension if not exists rum with schema extensions;
  end if;
end
$create_rum$;
alter default privileges revoke execute on functions from public;

-- People search: display names (never usernames), opt-out per profile -------------------------------

-- profiles.discoverable is declared with the table (sql/10_identity.sql): a later column (card) follows
-- it there, in the order the migrations added them.
comment on column public.profiles.discoverable is 'When false the profile is left out of people search (search_people); it stays reachable by id. Default true.';
grant update (discoverable) on public.profiles to authenticated;

-- Trigram index for typo-tolerant search on display names, only over searchable profiles.
create index profiles_display_name_trgm_idx on public.profiles
  using gin (display_name extensions.gin_trgm_ops)
  where discoverable and deleted_at is null;
-- Names starting with the query (ranked first by search_people): a range of lower(display_name) in
-- code point order, whatever the database's collation.
create index profiles_display_name_prefix_idx on public.profiles ((lower(display_name) collate "C"))
  where discoverable and deleted_at is null;

-- Names with a word starting with the query (search_people's second tier): the words of each name as
-- the simple configuration reads them (lower-cased, not stemmed: names are not English words).
create index profiles_display_name_words_idx on public.profiles
  using gin (to_tsvector('simple'::regconfig, display_name))
  where discoverable and deleted_at is null;

-- Groups: names by trigram, names and descriptions by full text (active groups only are found).
create index groups_name_trgm_idx on public.groups using gin (name extensions.gin_trgm_ops) where status = 'active';
create index groups_search_document_idx on public.groups
  using gin (to_tsvector('simple'::regconfig, name || ' ' || description))
  where status = 'active';

-- The search cursor -----------------------------------------------------------------------------------
-- Results sorted by relevance page by (score, at, id): base64url of `<score>:<microseconds>:<uuid>`,
-- the feed cursor (private.encode_cursor) with the score in front. Opaque to clients as well.

create function private.encode_search_cursor(score numeric, at timestamptz, id uuid)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  return replace(replace(rtrim(replace(
    encode(convert_to(encode_search_cursor.score::text || ':'
      || ((extract(epoch from encode_search_cursor.at) * 1000000)::bigint)::text || ':' || encode_search_cursor.id::text, 'UTF8'), 'base64'), E'\n', ''), '='),
    '+', '-'), '/', '_');
end
$$;
comment on function private.encode_search_cursor(numeric, timestamptz, uuid) is 'The cursor of a search result sorted by (score, timestamp, id): base64url of the score, microseconds since the epoch and the id. private.decode_search_cursor reads it back.';

create function private.decode_search_cursor(cursor text, out score numeric, out at timestamptz, out id uuid)
language plpgsql
immutable
set search_path = ''
as $$
declare
  raw text;
  padded text;
begin
  if decode_search_cursor.cursor is null then
    score := 'Infinity'::numeric;
    at := 'infinity'::timestamptz;
    id := 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid;
    return;
  end if;
  begin
    padded := translate(decode_search_cursor.cursor, '-_', '+/');
    padded := padded || repeat('=', (4 - length(padded) % 4) % 4);
    raw := convert_from(decode(padded, 'base64'), 'UTF8');
    score := split_part(raw, ':', 1)::numeric;
    at := 'epoch'::timestamptz + split_part(raw, ':', 2)::bigint * interval '1 microsecond';
    id := split_part(raw, ':', 3)::uuid;
  exception when others then
    raise exception 'cursor is not valid' using errcode = '22023', hint = 'Pass the cursor of the last row of the previous page, or null for the first page.';
  end;
  if score is null or at is null or id is null then
    raise exception 'cursor is not valid' using errcode = '22023', hint = 'Pass the cursor of the last row of the previous page, or null for the first page.';
  end if;
end
$$;
comment on function private.decode_search_cursor(text) is 'Decodes a cursor made by private.encode_search_cursor (null: the first page); 22023 cursor is not valid otherwise.';

-- The query text: 1–200 characters after trimming, plain text (22023 otherwise).
create function private.search_text(query text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  q text := btrim(coalesce(search_text.query, ''));
begin
  if char_length(q) < 1 or char_length(q) > 200 then
    raise exception 'query must be 1–200 characters' using errcode = '22023';
  end if;
  return q;
end
$$;
comment on function private.search_text(text) is 'The trimmed search query; 22023 query must be 1–200 characters otherwise.';

-- Documents and tags of a post -----------------------------------------------------------------------

-- The searchable document: title (weight A), text blocks (B), image and video alt texts (C), each in
-- english (stemmed) and simple (verbatim). Malformed content is never stored (the content check).
create function private.post_search_document(title text, content jsonb)
returns tsvector
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  body text;
  alts text;
begin
  select string_agg(b.item ->> 'value', E'\n') filter (where b.item ->> 'type' = 'text'),
         string_agg(b.item #>> '{meta,alt}', E'\n') filter (where b.item ->> 'type' in ('image', 'video'))
  into body, alts
  from jsonb_array_elements(case when jsonb_typeof(post_search_document.content -> 'blocks') = 'array'
    then post_search_document.content -> 'blocks' else '[]'::jsonb end) as b (item);
  -- An absent part adds nothing: no parser call for it (most posts have no title and no alt text;
  -- issue 16, the cost of writing a post).
  return case when post_search_document.title is null then ''::tsvector
      else setweight(to_tsvector('english'::regconfig, post_search_document.title), 'A')
        || setweight(to_tsvector('simple'::regconfig, post_search_document.title), 'A') end
    || case when body is null then ''::tsvector
      else setweight(to_tsvector('english'::regconfig, body), 'B')
        || setweight(to_tsvector('simple'::regconfig, body), 'B') end
    || case when alts is null then ''::tsvector
      else setweight(to_tsvector('english'::regconfig, alts), 'C')
        || setweight(to_tsvector('simple'::regconfig, alts), 'C') end;
end
$$;
comment on function private.post_search_document(text, jsonb) is 'The full-text document of a post: title (weight A), text blocks (B), image and video alt texts (C), each under the english and the simple configuration.';

-- A query matches the english stems or the words as written.
create function private.search_query(query text)
returns tsquery
language plpgsql
immutable
set search_path = ''
as $$
declare
  stemmed tsquery := websearch_to_tsquery('english'::regconfig, search_query.query);
  verbatim tsquery := websearch_to_tsquery('simple'::regconfig, search_query.query);
begin
  -- one query when both read the same ("market"): an `or` of a word with itself makes the index
  -- merge the same posting list twice
  if stemmed = verbatim then
    return stemmed;
  end if;
  return stemmed || verbatim;
end
$$;
comment on function private.search_query(text) is 'The tsquery of a search: web-search syntax ("quoted phrases", or, -excluded) under english or simple.';

-- Hashtags: `#` after the start or a space or opening punctuation, then 1–100 characters that are
-- neither space nor punctuation (ASCII punctuation but `_`, Latin-1, general and CJK punctuation), not
-- all digits; normalized to NFC and lower case. The character set is spelled out so that it does not
-- depend on the database's locale.
create function private.normalize_tag(tag text)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  return lower(normalize(ltrim(normalize_tag.tag, '#'), nfc));
end
$$;
comment on function private.normalize_tag(text) is 'A hashtag as stored and looked up: without its #, in Unicode NFC, lower case.';

-- A hashtag starts with an ASCII '#' (the pattern below). posts_discovery_after_write relies on it: it
-- skips this function for content with no '#' in a text block, so a change of marker changes both.
create function private.content_tags(content jsonb)
returns setof text
rows 5
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  return query
  -- `+` and left(…, 100), not `{1,100}`: the same tags (a run has no '#', so nothing starts inside
  -- it), and a bounded repetition made the match about 4× slower.
  select distinct private.normalize_tag(left(m[1], 100))
  from jsonb_array_elements(case when jsonb_typeof(content_tags.content -> 'blocks') = 'array'
    then content_tags.content -> 'blocks' else '[]'::jsonb end) as b (item)
  cross join lateral regexp_matches(b.item ->> 'value',
    '(?:^|[\s(\[{"''])#([^\s!-/:-@\[-\^`{-~\u00a0-\u00bf\u2000-\u206f\u3000-\u303f\ufe30-\ufe4f\uff01-\uff0f]+)', 'g') as m
  where b.item ->> 'type' = 'text' and left(m[1], 100) !~ '^[0-9]+$';
end
$$;
comment on function private.content_tags(jsonb) is 'The distinct normalized hashtags of the text blocks of a content document (private.normalize_tag).';

-- The people mentioned in a content document (meta.mentions of its text blocks). For content the posts
-- check constraint accepted (spans well-formed, rule text.mentions): one jsonpath walk.
create function private.content_mentions(content jsonb)
returns setof uuid
rows 5
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  return query
  select distinct (m.id #>> '{}')::uuid
  from jsonb_path_query(content_mentions.content, '$.blocks[*] ? (@.type == "text").meta.mentions[*].user_id') as m (id);
end
$$;
comment on function private.content_mentions(jsonb) is 'The distinct user ids named by the mention spans (meta.mentions) of the text blocks of a valid content document.';

create table private.post_search (
  post_id uuid not null,
  created_at timestamptz not null,
  document tsvector not null,
  constraint post_search_pkey primary key (post_id)
);
-- RUM, with created_at attached to every entry: `document @@ q order by created_at <=| bound limit k`
-- reads the newest k matches from the index (search_posts). order_by_attach keeps each word's posting
-- tree in created_at order, so that scan walks the newest entries instead of sorting the whole posting
-- list (measured at 1M posts, "market" in 50k matches, warm: 8.7 ms against 11.7 ms for the newest 1,000). GIN where
-- rum is absent (above).
do $post_search_index$
begin
  if exists (select from pg_catalog.pg_am a where a.amname = 'rum') then
    create index post_search_document_idx on private.post_search
      using rum (document extensions.rum_tsvector_addon_ops, created_at)
      with (attach = 'created_at', to = 'document', order_by_attach = 't');
  else
    create index post_search_document_idx on private.post_search using gin (document);
  end if;
end
$post_search_index$;
comment on table private.post_search is 'The full-text document of every post (private.post_search_document), written by private.index_posts about a second after the post is written or edited (a deleted post''s goes with it: posts_discovery_after_delete). Read only through search_posts, which applies the posts'' visibility.';

-- Posts whose search document and hashtags are due (decision 0009). Written by the posts trigger
-- instead of them; emptied every second by private.index_posts. As private.mention_queue: no foreign
-- key, no second index, read whole (a second's worth of rows). A deleted post's row goes with it.
create table private.post_index_queue (
  post_id uuid not null,
  enqueued_at timestamptz not null default clock_timestamp(),
  constraint post_index_queue_pkey primary key (post_id)
);
comment on table private.post_index_queue is 'Posts written or edited whose search document and hashtags private.index_posts has not written yet (the post-index job, every second). Normally a second''s worth of rows; a growing queue means the job is not running (docs/operations.md).';

create function private.index_posts(max_posts integer default 1000)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  due uuid[];
begin
  -- Oldest first; SKIP LOCKED lets several runs go side by side and passes over a row an edit or a
  -- delete holds (their trigger touches the queue row, which locks it until they commit).
  with taken as (
    delete from private.post_index_queue q
    where q.ctid = any (array(
      select x.ctid from private.post_index_queue x
      order by x.enqueued_at
      limit index_posts.max_posts
      for update skip locked
    ))
    returning q.post_id
  )
  select array_agg(t.post_id) into due from taken t;
  if due is null then
    return 0;
  end if;
  -- Later statements, so later snapshots: an edit that queued a row this run took had committed
  -- before the row was taken, so its content is read here; an edit or a delete still running waits
  -- for this run on that row (its trigger touches the queue first), then queues the post again or
  -- deletes what this run wrote. This run waits for neither (no lock on posts): no deadlock.
  insert into private.post_search as s (post_id, created_at, document)
  select p.id, p.created_at, private.post_search_document(p.title, p.content)
  from public.posts p
  where p.id = any (due)
  on conflict (post_id) do update set document = excluded.document;
  -- Hashtags in step with the content. Only a text block with a # can hold one: other content (most
  -- posts) costs one jsonpath test.
  delete from private.post_tags t
  where t.post_id = any (due)
    and t.tag not in (select private.content_tags(p.content) from public.posts p where p.id = t.post_id);
  insert into private.post_tags (post_id, tag, created_at, author_id)
  select p.id, x.tag, p.created_at, p.author_id
  from public.posts p
  cross join lateral private.content_tags(p.content) as x (tag)
  where p.id = any (due) and p.content @? '$.blocks[*] ? (@.type == "text" && @.value like_regex "#")'
  on conflict do nothing;
  return cardinality(due);
end
$$;
comment on function private.index_posts(integer) is 'Takes up to max_posts queued posts, oldest first, and writes their search documents (private.post_search) and hashtags (private.post_tags) from their current title and content; returns how many it took. Run by the post-index pg_cron job every second (docs/operations.md), or by hand.';

create table private.post_tags (
  post_id uuid not null,
  tag text not null,
  created_at timestamptz not null,
  author_id uuid not null,
  constraint post_tags_pkey primary key (post_id, tag)
);
create index post_tags_tag_created_idx on private.post_tags (tag, created_at desc, post_id desc);
create index post_tags_created_idx on private.post_tags (created_at);
comment on table private.post_tags is 'The hashtags of every post (private.content_tags), written by private.index_posts about a second after the post is written or edited (a deleted post''s go with it: posts_discovery_after_delete); tag_feed pages them, the trending job counts them. created_at and author_id are the post''s (they never change).';

create table private.trending_tags_rollup (
  since interval not null,
  tag text not null,
  authors integer not null,
  refreshed_at timestamptz not null default now(),
  constraint trending_tags_rollup_pkey primary key (since, tag)
);
create index trending_tags_rollup_since_authors_idx on private.trending_tags_rollup (since, authors desc, tag);
comment on table private.trending_tags_rollup is 'Per window (1 hour, 24 hours, 7 days), the 100 hashtags used by the most distinct authors in publicly visible posts; rewritten by private.refresh_trending_tags(), read by trending_tags.';

-- Mentions: delivery ----------------------------------------------------------------------------------

-- People mentioned by a post and not yet told. Written by the posts trigger, emptied every second by
-- private.deliver_mentions. No foreign keys and no second index: the row is the cheapest write the post
-- can make (issue 17: a post with mentions costs no more than 1.2× an ordinary one). A deleted post's
-- rows go with it (posts_discovery_after_delete), an erased account's with the erasure; whatever else
-- changed is judged at delivery. A queue of a second's mentions is read whole (no order index).
create table private.mention_queue (
  post_id uuid not null,
  recipient_id uuid not null,
  author_id uuid not null,
  enqueued_at timestamptz not null default clock_timestamp(),
  constraint mention_queue_pkey primary key (post_id, recipient_id)
);
comment on table private.mention_queue is 'People newly mentioned in a post, waiting for their mention notification (private.deliver_mentions, a job every second). Normally a second''s worth of rows; a growing queue means the mention-delivery job is not running (docs/operations.md).';

create function private.deliver_mentions(max_rows integer default 1000)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  m record;
  taken integer := 0;
begin
  -- Oldest first; SKIP LOCKED lets several deliveries run side by side, and an edit that takes a
  -- mention out waits for a delivery holding its row, then deletes the notification it wrote. The
  -- dequeue and the notification commit together: a mention is told once or, if this fails, retried.
  for m in
    -- The batch is fixed first (an array, not a subquery a plan could run again and lock more).
    delete from private.mention_queue q
    where q.ctid = any (array(
      select x.ctid from private.mention_queue x
      order by x.enqueued_at
      limit deliver_mentions.max_rows
      for update skip locked
    ))
    returning q.post_id, q.recipient_id, q.author_id
  loop
    taken := taken + 1;
    -- Told only while the post exists and still mentions them, and while both accounts stand (not
    -- deleted, nor being deleted). private.notify then applies blocks, mutes and the post's
    -- visibility to the recipient, as of now.
    if exists (
      select from public.posts p
      where p.id = m.post_id and p.author_id = m.author_id
        and m.recipient_id in (select private.content_mentions(p.content))
    ) and exists (
      select from public.profiles pr where pr.id = m.recipient_id and pr.deleted_at is null
    ) and exists (
      select from public.profiles pr where pr.id = m.author_id and pr.deleted_at is null
    ) then
      perform private.notify(m.recipient_id, m.author_id, 'mention', m.post_id);
    end if;
  end loop;
  return taken;
end
$$;
comment on function private.deliver_mentions(integer) is 'Takes up to max_rows queued mentions, oldest first, and writes each one''s mention notification when the post still exists and mentions the person, both accounts stand, and private.notify lets it through (no block, no mute, the post visible to them); returns how many rows it took. Run by the mention-delivery pg_cron job every second (docs/operations.md), or by hand.';

-- Triggers on posts -----------------------------------------------------------------------------------

-- Generic plans for its statements: every argument here is a parameter (new.*), and with the default
-- plan_cache_mode each post re-planned its statements, since folding immutable functions of the
-- content into a custom plan looks cheaper (~70 µs a post, measured A/B; issue 17).
create function private.posts_discovery_after_write()
returns trigger
language plpgsql
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  refused uuid;
begin
  if tg_op = 'UPDATE' and new.title is not distinct from old.title and new.content is not distinct from old.content then
    return null;
  end if;
  -- Mentions: after the content check constraint (so a malformed span is text.mentions, not a cast
  -- error), first, so a refused post does nothing else. Content without mention spans (most posts)
  -- costs one jsonpath test. One statement (~40 µs less than a check function and an insert, A/B):
  -- the first person the author may not mention (rule mention.target: an account that does not stand,
  -- or a block either way), and, when there is none, the people newly mentioned queued for their
  -- notification (private.deliver_mentions; once).
  if (tg_op = 'INSERT' or new.content is distinct from old.content)
     and new.content @? '$.blocks[*] ? (@.type == "text").meta.mentions[*]' then
    with mentioned as (
      select t.id from private.content_mentions(new.content) as t (id) where t.id <> new.author_id
    ), not_allowed as (
      select m.id from mentioned m
      where not exists (select from public.profiles p where p.id = m.id and p.deleted_at is null)
         or private.is_blocked_between(new.author_id, m.id)
      limit 1
    ), queued as (
      insert into private.mention_queue (post_id, recipient_id, author_id)
      select new.id, m.id, new.author_id from mentioned m
      where not exists (select from not_allowed)
        and (tg_op = 'INSERT' or m.id not in (select private.content_mentions(old.content)))
      on conflict (post_id, recipient_id) do nothing
    )
    select n.id into refused from not_allowed n;
    if refused is not null then
      raise exception using errcode = '22023',
        message = 'meta.mentions names a person the author cannot mention: ' || refused::text,
        hint = 'rule mention.target; mention only people who exist and with whom no block stands';
    end if;
  end if;
  -- The search document and the hashtags are written by the post-index job (decision 0009). A new
  -- post is not queued yet: a plain insert on that path. An edit upserts, which locks the queue row
  -- until the edit commits, so a run of the job either waits for it or leaves the row to the next run.
  if tg_op = 'INSERT' then
    insert into private.post_index_queue (post_id) values (new.id);
    return null;
  end if;
  insert into private.post_index_queue as q (post_id) values (new.id)
  on conflict (post_id) do update set enqueued_at = excluded.enqueued_at;
  if new.content is not distinct from old.content then
    return null;
  end if;
  -- A mention taken out takes its queued row and its unread notification with it.
  delete from private.mention_queue q
  where q.post_id = new.id and q.recipient_id in (
    select private.content_mentions(old.content) except select private.content_mentions(new.content));
  delete from public.notifications n
  where n.kind = 'mention' and n.subject_id = new.id and n.read_at is null and n.recipient_id in (
    select private.content_mentions(old.content) except select private.content_mentions(new.content));
  return null;
end
$$;
comment on function private.posts_discovery_after_write() is 'Trigger: refuses mentions of people the author may not mention (rule mention.target); queues the post for its search document and hashtags (private.post_index_queue, private.index_posts), queues people newly mentioned for their notification (private.mention_queue; once) and drops the queued rows and unread mention notifications of people no longer mentioned.';

create trigger posts_discovery_after_write
  after insert or update of title, content on public.posts
  for each row execute function private.posts_discovery_after_write();

-- What a deleted post leaves here goes with it. A trigger, not foreign keys: a foreign key checks the
-- new post's row (and locks it) for every tag, document and queued mention a post writes, ~20 µs
-- each on the hot path; this runs only when posts are deleted (by their author, a cascade, an erasure).
create function private.posts_discovery_after_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- The queue row first: a run of the post-index job holding it is waited for, and the next statements
  -- (new snapshots) then delete what that run wrote.
  delete from private.post_index_queue q where q.post_id in (select o.id from old_rows o);
  delete from private.post_search s where s.post_id in (select o.id from old_rows o);
  delete from private.post_tags t where t.post_id in (select o.id from old_rows o);
  delete from private.mention_queue q where q.post_id in (select o.id from old_rows o);
  return null;
end
$$;
comment on function private.posts_discovery_after_delete() is 'Trigger: deletes the search document (or its queue row), hashtags and queued mentions of deleted posts.';

create trigger posts_discovery_after_delete
  after delete on public.posts
  referencing old table as old_rows
  for each statement execute function private.posts_discovery_after_delete();

-- Visibility of a found post: the posts select policy's rule (private.can_see_post, never removed)
-- less authors the reader mutes, as the feeds. One place for search_posts and tag_feed.
create function private.can_find_post(me uuid, author uuid, target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return private.can_see_post(can_find_post.author, can_find_post.target_group)
    and (
      can_find_post.me is null or can_find_post.author = can_find_post.me
      or not exists (
        select from public.mutes m
        where m.muter_id = can_find_post.me and m.muted_id = can_find_post.author and (m.expires_at is null or m.expires_at > now())
      )
    );
end
$$;
comment on function private.can_find_post(uuid, uuid, uuid) is 'May the reader find this (not removed) post in search and tag feeds: private.can_see_post, and the author is not muted by the reader.';

-- Search ---------------------------------------------------------------------------------------------

create function private.people_word_prefixes(query text)
returns tsquery
language sql
immutable
set search_path = ''
as $$
  -- plainto_tsquery quotes each word ('ada' & 'ko'); each closing quote gets the prefix mark.
  select nullif(regexp_replace(plainto_tsquery('simple'::regconfig, people_word_prefixes.query)::text,
    $re$'( &|$)$re$, $re$':*\1$re$, 'g'), '')::tsquery
$$;
comment on function private.people_word_prefixes(text) is 'The words of a people-search query as the simple text-search configuration reads them, each a prefix, all required (''ada'':* & ''ko'':*); null when the query has no word.';

create type public.person_result as (
  user_id uuid,
  display_name text,
  avatar_path text,
  is_private boolean,
  cursor text
);
comment on type public.person_result is 'A people-search row: the person card (id, display name, avatar), whether the profile is private (its content needs an accepted follow), and the cursor of the next page.';

create function private.search_people_page(me uuid, query text, cursor text, page_size integer)
returns setof public.person_result
language plpgsql
stable
security definer
set search_path = ''
set pg_trgm.word_similarity_threshold = '0.4'
as $$
declare
  q text := private.search_text(search_people_page.query);
  -- Names starting with the query: the range [lower(query), lower(query) followed by U+10FFFF x 100]
  -- of lower(display_name) in code point order ("C"), i.e. every name of at most 100 characters that
  -- starts with it (names have at most 50), read from profiles_display_name_prefix_idx.
  lo text := lower(q);
  hi text := lower(q) || repeat(chr(1114111), 100);
  -- Names with words starting with every word of the query, in any order ("kora" finds "Ada Koranek",
  -- "ada ko" finds "Kora Adams"): the query's words (as the simple configuration reads them) each as a
  -- prefix, read from profiles_display_name_words_idx.
  words tsquery := private.people_word_prefixes(q);
  c record := private.decode_search_cursor(search_people_page.cursor);
  n integer := private.check_page_size(search_people_page.page_size);
begin
  perform private.require_feed_reader(search_people_page.me);
  -- Three tiers, one order (score, created_at, id), disjoint (each excludes the ones above it), so
  -- nobody appears twice and a cursor pages across their boundaries:
  --   1. the whole name starts with the query: 2 + word similarity (> 2), a btree range;
  --   2. a word of the name starts with each query word: 1.5, newest accounts first; no per-match
  --      score, so a common surname (10 % of 100k names) costs a bitmap read of its matches and a
  --      top-n sort, not a similarity per match;
  --   3. typo-tolerant: the word similarity (<= 1), pg_trgm; run only while the page has room.
  -- People a block separates from the reader: one hashed set, probed per candidate.
  return query
  with separated as (
    select b.blocked_id as id from public.blocks b where b.blocker_id = search_people_page.me
    union all
    select b.blocker_id from public.blocks b where b.blocked_id = search_people_page.me
  ),
  prefixed as materialized (
    select x.id, x.display_name, x.avatar_path, x.is_private, x.created_at, x.score
    from (
      select p.id, p.display_name, p.avatar_path, p.is_private, p.created_at,
        round((2 + extensions.word_similarity(q, p.display_name))::numeric, 6) as score
      from public.profiles p
      where p.discoverable and p.deleted_at is null
        and (lower(p.display_name) collate "C") >= lo and (lower(p.display_name) collate "C") <= hi
        and p.id not in (select s.id from separated s)
      offset 0 -- the similarity once per row, not again in the filter and the sort
    ) x
    where (x.score, x.created_at, x.id) < (c.score, c.at, c.id)
      and c.score > 2 -- a cursor in a later tier skips this one
    order by x.score desc, x.created_at desc, x.id desc
    limit n
  ),
  worded as materialized (
    select p.id, p.display_name, p.avatar_path, p.is_private, p.created_at, 1.5 as score
    from public.profiles p
    where words is not null
      and (select count(*) < n from prefixed)
      and c.score >= 1.5
      and to_tsvector('simple'::regconfig, p.display_name) @@ words
      and p.discoverable and p.deleted_at is null
      and not ((lower(p.display_name) collate "C") >= lo and (lower(p.display_name) collate "C") <= hi)
      and p.id not in (select s.id from separated s)
      and (1.5, p.created_at, p.id) < (c.score, c.at, c.id)
    order by p.created_at desc, p.id desc
    limit n
  ),
  fuzzy as (
    select x.id, x.display_name, x.avatar_path, x.is_private, x.created_at, x.score
    from (
      select p.id, p.display_name, p.avatar_path, p.is_private, p.created_at,
        round(extensions.word_similarity(q, p.display_name)::numeric, 6) as score
      from public.profiles p
      where p.discoverable and p.deleted_at is null
        and q operator(extensions.<%) p.display_name
        and not ((lower(p.display_name) collate "C") >= lo and (lower(p.display_name) collate "C") <= hi)
        and (words is null or not to_tsvector('simple'::regconfig, p.display_name) @@ words)
        and p.id not in (select s.id from separated s)
      offset 0 -- the similarity once per row, not again in the filter and the sort
    ) x
    where (x.score, x.created_at, x.id) < (c.score, c.at, c.id)
      and (select count(*) < n from (select pr.id from prefixed pr union all select w.id from worded w) h)
    order by x.score desc, x.created_at desc, x.id desc
    limit n
  )
  select h.id, h.display_name, h.avatar_path, h.is_private, private.encode_search_cursor(h.score, h.created_at, h.id)
  from (select * from prefixed union all select * from worded union all select * from fuzzy) h
  order by h.score desc, h.created_at desc, h.id desc
  limit n;
end
$$;
comment on function private.search_people_page(uuid, text, text, integer) is 'The rows of public.search_people for a reader.';

create function public.search_people(query text, cursor text default null, page_size integer default 20)
returns setof public.person_result
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query select * from private.search_people_page((select auth.uid()), search_people.query, search_people.cursor, search_people.page_size);
end
$$;
comment on function public.search_people(text, text, integer) is 'People by display name (never by username), best first: names starting with the query, then names with words starting with each query word (newest accounts first), then typo-tolerant matches (trigram word similarity). Leaves out profiles that opted out (discoverable false), deleted accounts and anyone a block separates from the caller. Private profiles appear by name only. Best first; pass the last row''s cursor for the next page; page_size 1–100; query 1–200 characters (22023 otherwise).';

create type public.group_result as (
  group_id uuid,
  name text,
  slug text,
  kind public.group_kind,
  verified boolean,
  visibility public.group_visibility,
  avatar_path text,
  member_count integer,
  group_card jsonb,
  cursor text
);
comment on type public.group_result is 'A group-search row: what the groups table already shows anyone of an active group (a private one too: name, slug, avatar), the feeds'' group card {id, name, slug, kind, verified}, and the cursor of the next page.';

create function private.search_groups_page(me uuid, query text, cursor text, page_size integer)
returns setof public.group_result
language plpgsql
stable
security definer
set search_path = ''
set pg_trgm.word_similarity_threshold = '0.4'
as $$
declare
  q text := private.search_text(search_groups_page.query);
  tq tsquery := websearch_to_tsquery('simple'::regconfig, q);
  c record := private.decode_search_cursor(search_groups_page.cursor);
  n integer := private.check_page_size(search_groups_page.page_size);
begin
  perform private.require_feed_reader(search_groups_page.me);
  return query
  with hits as (
    select g.id, g.name, g.slug, g.kind, g.verified, g.visibility, g.avatar_path, g.member_count, g.created_at, g.card,
      -- relevance to 4 decimals, then verified institutions first at equal relevance
      round((extensions.word_similarity(q, g.name)
        + ts_rank(to_tsvector('simple'::regconfig, g.name || ' ' || g.description), tq))::numeric, 4)
        + case when g.verified then 0.00005 else 0 end as score
    from public.groups g
    where g.status = 'active'
      and (q operator(extensions.<%) g.name or to_tsvector('simple'::regconfig, g.name || ' ' || g.description) @@ tq)
  )
  select h.id, h.name, h.slug, h.kind, h.verified, h.visibility, h.avatar_path, h.member_count,
    h.card,
    private.encode_search_cursor(h.score, h.created_at, h.id)
  from hits h
  where (h.score, h.created_at, h.id) < (c.score, c.at, c.id)
  order by h.score desc, h.created_at desc, h.id desc
  limit n;
end
$$;
comment on function private.search_groups_page(uuid, text, text, integer) is 'The rows of public.search_groups for a reader.';

create function public.search_groups(query text, cursor text default null, page_size integer default 20)
returns setof public.group_result
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query select * from private.search_groups_page((select auth.uid()), search_groups.query, search_groups.cursor, search_groups.page_size);
end
$$;
comment on function public.search_groups(text, text, integer) is 'Active groups and institutions by name (typo-tolerant) and description (words): private groups appear as the card everyone already sees; pending, rejected, suspended and archived ones never. Best first, verified institutions first at equal relevance. Cursor, page_size and query as search_people.';

-- Ranking every match of a common term costs its whole posting list (at 1M posts a 5 % term has 50,000
-- matches: ~750 ms). So a search ranks a window: the matches at least as new as its 1,000th newest
-- (phase 0, relevance then newest: exact whenever a query has at most 1,000 matches), then pages the
-- older matches newest first (phase 1, score -1 in the cursor). The RUM index on post_search returns
-- matches newest first and stops at the window (docs/search.md, "Costs and measurements").
create function private.search_posts_page(me uuid, query text, cursor text, page_size integer)
returns setof public.feed_item
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  tq tsquery := private.search_query(private.search_text(search_posts_page.query));
  c record := private.decode_search_cursor(search_posts_page.cursor);
  n integer := private.check_page_size(search_posts_page.page_size);
  -- RUM orders by the distance of created_at below a bound (operator <=|): from a bound above every
  -- post, that is newest first.
  above_all constant timestamptz := now() + interval '1 day';
  window_floor timestamptz;
  upto timestamptz := c.at;
  older_floor timestamptz;
  ids uuid[] := '{}'::uuid[];
  scores numeric[] := '{}'::numeric[];
  older uuid[];
  w_ids uuid[];
  w_ats timestamptz[];
  w_scores numeric[];
begin
  perform private.require_feed_reader(search_posts_page.me);
  -- The window: every match at least as new as the 1,000th newest match (ties at the floor included,
  -- so the window does not depend on the order of equal timestamps). Not needed past it.
  if c.score >= 0 then
    -- One ordered index scan gives the window's posts, times and scores: the newest 1,001 matches,
    -- ranked as the scan fetches their rows (the 1,001st only tells whether the 1,000th shares its
    -- time with an older match).
    select coalesce(array_agg(w.post_id order by w.created_at desc), '{}'),
           coalesce(array_agg(w.created_at order by w.created_at desc), '{}'),
           coalesce(array_agg(w.score order by w.created_at desc), '{}')
    into w_ids, w_ats, w_scores
    from (
      select s.post_id, s.created_at, round(ts_rank(s.document, tq)::numeric, 6) as score
      from private.post_search s
      where s.document @@ tq
      order by s.created_at operator(extensions.<=|) above_all
      limit 1001
    ) w;
    if cardinality(w_ids) = 0 then
      return;
    end if;
    if cardinality(w_ids) <= 1000 then
      window_floor := w_ats[cardinality(w_ats)];
    else
      window_floor := w_ats[1000];
      if w_ats[1001] = window_floor then
        -- Rare: more matches at the floor than the scan took. Read the whole window again.
        select coalesce(array_agg(m.post_id), '{}'), coalesce(array_agg(m.created_at), '{}'),
               coalesce(array_agg(m.score), '{}')
        into w_ids, w_ats, w_scores
        from (
          select s.post_id, s.created_at, round(ts_rank(s.document, tq)::numeric, 6) as score
          from private.post_search s
          where s.document @@ tq and s.created_at >= window_floor
        ) m;
      else
        w_ids := w_ids[1:1000];
        w_ats := w_ats[1:1000];
        w_scores := w_scores[1:1000];
      end if;
    end if;
    upto := window_floor - interval '1 microsecond';
    -- Phase 0: rank the window, then check visibility in rank order only until the page is full (the
    -- sorted subquery is kept apart by offset 0; each post is checked by a primary-key probe).
    select coalesce(array_agg(pg.post_id order by pg.score desc, pg.created_at desc, pg.post_id desc), '{}'),
           coalesce(array_agg(pg.score order by pg.score desc, pg.created_at desc, pg.post_id desc), '{}')
    into ids, scores
    from (
      select ranked.post_id, ranked.created_at, ranked.score
      from (
        select m.post_id, m.created_at, m.score
        from unnest(w_ids, w_ats, w_scores) as m (post_id, created_at, score)
        where (m.score, m.created_at, m.post_id) < (c.score, c.at, c.id)
        order by m.score desc, m.created_at desc, m.post_id desc
        offset 0
      ) ranked
      cross join lateral (
        select from public.posts p
        where p.id = ranked.post_id and p.removed_at is null
          and private.can_find_post(search_posts_page.me, p.author_id, p.group_id)
      ) visible
      order by ranked.score desc, ranked.created_at desc, ranked.post_id desc
      limit n
    ) pg;
  end if;
  if cardinality(ids) < n then
    -- Phase 1: the matches older than the window (after the cursor when it is in this phase), newest
    -- first, visible ones only. The index gives them newest first but equal timestamps in any order,
    -- so the newest visible ones fix a floor, and the rows from there up are sorted exactly.
    select min(o.created_at) into older_floor
    from (
      select s.created_at
      from private.post_search s
      where s.document @@ tq
        and s.created_at <= upto and (c.score >= 0 or (s.created_at, s.post_id) < (c.at, c.id))
        and exists (
          select from public.posts p
          where p.id = s.post_id and p.removed_at is null
            and private.can_find_post(search_posts_page.me, p.author_id, p.group_id)
        )
      order by s.created_at operator(extensions.<=|) upto
      limit n - cardinality(ids)
    ) o;
    if older_floor is not null then
      select array_agg(o.post_id order by o.created_at desc, o.post_id desc) into older
      from (
        select s.post_id, s.created_at
        from private.post_search s
        where s.document @@ tq and s.created_at >= older_floor
          and s.created_at <= upto and (c.score >= 0 or (s.created_at, s.post_id) < (c.at, c.id))
          and exists (
            select from public.posts p
            where p.id = s.post_id and p.removed_at is null
              and private.can_find_post(search_posts_page.me, p.author_id, p.group_id)
          )
        order by s.created_at desc, s.post_id desc
        limit n - cardinality(ids)
      ) o;
      scores := scores || array_fill(-1::numeric, array[cardinality(older)]);
      ids := ids || older;
    end if;
  end if;
  if cardinality(ids) = 0 then
    return;
  end if;
  return query
  select f.post_id, f.created_at, private.encode_search_cursor(o.score, f.created_at, f.post_id),
    f.author_id, f.group_id, f.title, f.content, f.edited_at, f.comment_count, f.reaction_count, f.reaction_counts,
    f.author_card, f.group_card, f.my_reaction, f.bookmarked
  from private.feed_rows(search_posts_page.me, ids) f
  join unnest(ids, scores) with ordinality as o (post_id, score, ord) on o.post_id = f.post_id
  order by o.ord;
end
$$;
comment on function private.search_posts_page(uuid, text, text, integer) is 'The rows of public.search_posts for a reader: matching posts the reader may find (private.can_find_post). The window (matches at least as new as the 1,000th newest) most relevant first, then newest; older matches after it, newest first (cursor score -1). Hydrated by private.feed_rows.';

create function public.search_posts(query text, cursor text default null, page_size integer default 20)
returns setof public.feed_item
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query select * from private.search_posts_page((select auth.uid()), search_posts.query, search_posts.cursor, search_posts.page_size);
end
$$;
comment on function public.search_posts(text, text, integer) is 'Posts whose title, text or alt texts match the query (web-search syntax; english stems or the words as written): the newest 1,000 matches most relevant first (title above text above alt text), then newest; older matches after them, newest first. Only posts the caller may read, less authors they mute: the feeds'' rules, applied at call time. Rows as the feeds (feed_item); cursor, page_size and query as search_people.';

-- Hashtags ------------------------------------------------------------------------------------------

create function private.tag_feed_page(me uuid, tag text, cursor text, page_size integer)
returns setof public.feed_item
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  t text := private.normalize_tag(coalesce(tag_feed_page.tag, ''));
  c record := private.decode_cursor(tag_feed_page.cursor);
  n integer := private.check_page_size(tag_feed_page.page_size);
begin
  perform private.require_feed_reader(tag_feed_page.me);
  if char_length(t) < 1 or char_length(t) > 100 then
    raise exception 'tag must be 1–100 characters' using errcode = '22023';
  end if;
  return query select * from private.feed_rows(tag_feed_page.me, array(
    select pt.post_id
    from private.post_tags pt
    join public.posts p on p.id = pt.post_id
    where pt.tag = t and (pt.created_at, pt.post_id) < (c.at, c.id)
      and p.removed_at is null
      and private.can_find_post(tag_feed_page.me, p.author_id, p.group_id)
    order by pt.created_at desc, pt.post_id desc
    limit n));
end
$$;
comment on function private.tag_feed_page(uuid, text, text, integer) is 'The rows of public.tag_feed for a reader.';

create function public.tag_feed(tag text, cursor text default null, page_size integer default 20)
returns setof public.feed_item
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query select * from private.tag_feed_page((select auth.uid()), tag_feed.tag, tag_feed.cursor, tag_feed.page_size);
end
$$;
comment on function public.tag_feed(text, text, integer) is 'The posts carrying a hashtag (with or without its #, any case), newest first, that the caller may read, less authors they mute. Rows, cursor and page_size as home_feed; tag 1–100 characters (22023 otherwise).';

create function private.refresh_trending_tags()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  w interval;
  total integer := 0;
  got integer;
begin
  delete from private.trending_tags_rollup;
  foreach w in array array[interval '1 hour', interval '24 hours', interval '7 days'] loop
    insert into private.trending_tags_rollup (since, tag, authors)
    select w, pt.tag, count(distinct pt.author_id)::integer
    from private.post_tags pt
    join public.posts p on p.id = pt.post_id
    left join public.groups g on g.id = p.group_id
    left join public.profiles pr on pr.id = p.author_id
    where pt.created_at >= now() - w and p.removed_at is null
      -- publicly visible posts only: a trend never reveals what a private profile or group says
      and (case when p.group_id is null then not pr.is_private and pr.deleted_at is null
                else g.status = 'active' and g.visibility = 'public' end)
    group by pt.tag
    order by 3 desc, 2
    limit 100;
    get diagnostics got = row_count;
    total := total + got;
  end loop;
  return total;
end
$$;
comment on function private.refresh_trending_tags() is 'Job (every 5 minutes): rewrites private.trending_tags_rollup: per window (1 hour, 24 hours, 7 days) the 100 hashtags with the most distinct authors among publicly visible, not removed posts. Returns the rows written.';

create function private.trending_tags_page(since interval, size integer)
returns table (tag text, authors integer, refreshed_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if trending_tags_page.since is null or trending_tags_page.since not in (interval '1 hour', interval '24 hours', interval '7 days') then
    raise exception 'since must be 1 hour, 24 hours or 7 days' using errcode = '22023';
  end if;
  return query
  select r.tag, r.authors, r.refreshed_at from private.trending_tags_rollup r
  where r.since = trending_tags_page.since
  order by r.authors desc, r.tag
  limit private.check_page_size(trending_tags_page.size);
end
$$;
comment on function private.trending_tags_page(interval, integer) is 'The rows of public.trending_tags.';

create function public.trending_tags(since interval default '24 hours', size integer default 20)
returns table (tag text, authors integer, refreshed_at timestamptz)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query select * from private.trending_tags_page(trending_tags.since, trending_tags.size);
end
$$;
comment on function public.trending_tags(interval, integer) is 'The hashtags used by the most distinct authors in publicly visible posts over the window (since: 1 hour, 24 hours or 7 days; 22023 otherwise), most first; size 1–100. From a rollup refreshed every few minutes (refreshed_at says when), not computed per call.';

grant execute on function private.encode_search_cursor(numeric, timestamptz, uuid) to anon, authenticated, service_role;
grant execute on function private.decode_search_cursor(text) to anon, authenticated, service_role;
grant execute on function private.search_text(text) to anon, authenticated, service_role;
grant execute on function private.search_query(text) to anon, authenticated, service_role;
grant execute on function private.post_search_document(text, jsonb) to service_role;
grant execute on function private.normalize_tag(text) to anon, authenticated, service_role;
grant execute on function private.content_tags(jsonb) to service_role;
grant execute on function private.content_mentions(jsonb) to service_role;
grant execute on function private.can_find_post(uuid, uuid, uuid) to anon, authenticated, service_role;
grant execute on function private.search_people_page(uuid, text, text, integer) to anon, authenticated, service_role;
grant execute on function private.search_groups_page(uuid, text, text, integer) to anon, authenticated, service_role;
grant execute on function private.search_posts_page(uuid, text, text, integer) to anon, authenticated, service_role;
grant execute on function private.tag_feed_page(uuid, text, text, integer) to anon, authenticated, service_role;
grant execute on function private.trending_tags_page(interval, integer) to anon, authenticated, service_role;
grant execute on function private.refresh_trending_tags() to service_role;
grant execute on function public.search_people(text, text, integer) to anon, authenticated, service_role;
grant execute on function public.search_groups(text, text, integer) to anon, authenticated, service_role;
grant execute on function public.search_posts(text, text, integer) to anon, authenticated, service_role;
grant execute on function public.tag_feed(text, text, integer) to anon, authenticated, service_role;
grant execute on function public.trending_tags(interval, integer) to anon, authenticated, service_role;
