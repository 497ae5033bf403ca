-- Events: one row per event block of a post, kept in sync by the database, with RSVPs and counts.
-- Objects: table public.events (written by the database only), type rsvp_status, table
-- public.event_rsvps, private.can_see_event(); sync and count triggers; RPC upcoming_events; grants.
-- Caveats: an event is visible exactly when its post is (its author and group are copied onto the row
-- so the policy needs no join). An edit keeps the event (and its RSVPs) of a block index that still
-- holds an event block and updates it; events of removed blocks go with their RSVPs.

create table public.events (
  id uuid not null default gen_random_uuid(),
  post_id uuid not null,
  author_id uuid not null,
  group_id uuid,
  block_index integer not null,
  title text not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  location text,
  going_count integer not null default 0,
  interested_count integer not null default 0,
  not_going_count integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint events_pkey primary key (id),
  constraint events_post_id_fkey foreign key (post_id) references public.posts (id) on delete cascade,
  constraint events_author_id_fkey foreign key (author_id) references public.profiles (id) on delete cascade,
  constraint events_group_id_fkey foreign key (group_id) references public.groups (id) on delete cascade,
  constraint events_post_id_block_index_key unique (post_id, block_index),
  constraint events_ends_after_start check (ends_at >= starts_at),
  constraint events_counts_not_negative check (going_count >= 0 and interested_count >= 0 and not_going_count >= 0)
);
alter table public.events enable row level security;

-- upcoming_events: soonest first, everywhere or in one group (keyset on starts_at, id).
create index events_starts_idx on public.events (starts_at, id);
create index events_group_starts_idx on public.events (group_id, starts_at, id) where group_id is not null;
create index events_author_id_idx on public.events (author_id);

create trigger events_set_updated_at
  before update on public.events
  for each row execute function private.set_updated_at();

comment on table public.events is 'Events announced by event blocks of posts: one row per event block, written by the database when the post is created, edited or deleted. Visible exactly when the post is.';
comment on column public.events.id is 'Event id (stable while its block stays an event block at the same index).';
comment on column public.events.post_id is 'The post whose block announces it.';
comment on column public.events.author_id is 'The post''s author.';
comment on column public.events.group_id is 'The post''s group, or null for a profile post.';
comment on column public.events.block_index is 'Index of the event block in the post''s content.blocks (from 0).';
comment on column public.events.title is 'The block''s title.';
comment on column public.events.starts_at is 'The block''s start.';
comment on column public.events.ends_at is 'The block''s end.';
comment on column public.events.location is 'The block''s location, when given.';
comment on column public.events.going_count is 'RSVPs going (kept by the database).';
comment on column public.events.interested_count is 'RSVPs interested (kept by the database).';
comment on column public.events.not_going_count is 'RSVPs not going (kept by the database).';
comment on column public.events.created_at is 'When the event block first appeared.';
comment on column public.events.updated_at is 'When the row last changed (edits and counters).';

create type public.rsvp_status as enum ('going', 'interested', 'not_going');
comment on type public.rsvp_status is 'An answer to an event.';

create table public.event_rsvps (
  event_id uuid not null,
  user_id uuid not null default auth.uid(),
  status public.rsvp_status not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint event_rsvps_pkey primary key (event_id, user_id),
  constraint event_rsvps_event_id_fkey foreign key (event_id) references public.events (id) on delete cascade,
  constraint event_rsvps_user_id_fkey foreign key (user_id) references public.profiles (id) on delete cascade
);
alter table public.event_rsvps enable row level security;

create index event_rsvps_user_id_idx on public.event_rsvps (user_id);

create trigger event_rsvps_set_updated_at
  before update on public.event_rsvps
  for each row execute function private.set_updated_at();

comment on table public.event_rsvps is 'Answers to events, one per user and event; visible with the event, never across a block; written by the user.';
comment on column public.event_rsvps.event_id is 'The event.';
comment on column public.event_rsvps.user_id is 'Who answers; set to the caller.';
comment on column public.event_rsvps.status is 'going | interested | not_going; the user may change it.';
comment on column public.event_rsvps.created_at is 'When the user first answered.';
comment on column public.event_rsvps.updated_at is 'When the answer last changed.';

create function private.can_see_event(event uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  e record;
begin
  select ev.post_id into e from public.events ev where ev.id = can_see_event.event;
  if not found then
    return false;
  end if;
  return private.can_see_post_id(e.post_id);
end
$$;
comment on function private.can_see_event(uuid) is 'True when the event exists and the caller can see its post (not removed, sql/75_moderation.sql).';

-- Sync from the post's event blocks -----------------------------------------------------------------

create function private.sync_post_events()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  rules constant jsonb := private.content_rules();
begin
  if tg_op = 'UPDATE' and new.content is not distinct from old.content then
    return null;
  end if;
  delete from public.events e
  where e.post_id = new.id
    and e.block_index not in (
      select b.n - 1 from jsonb_array_elements(new.content -> 'blocks') with ordinality as b (item, n)
      where b.item ->> 'type' = 'event'
    );
  insert into public.events as e (post_id, author_id, group_id, block_index, title, starts_at, ends_at, location)
  select new.id, new.author_id, new.group_id, b.n - 1, b.item #>> '{value,title}',
    timestamptz 'epoch' + private.content_timestamp_us(b.item #>> '{value,start}', rules) * interval '1 microsecond',
    timestamptz 'epoch' + private.content_timestamp_us(b.item #>> '{value,end}', rules) * interval '1 microsecond',
    b.item #>> '{value,location}'
  from jsonb_array_elements(new.content -> 'blocks') with ordinality as b (item, n)
  where b.item ->> 'type' = 'event'
  on conflict on constraint events_post_id_block_index_key do update
  set title = excluded.title, starts_at = excluded.starts_at, ends_at = excluded.ends_at, location = excluded.location;
  return null;
end
$$;
comment on function private.sync_post_events() is 'Trigger on posts: writes one event per event block of the content, updates those whose block stays at its index, removes those whose block is gone.';

-- Only posts with an event block (before or after the edit) have events to sync: the jsonb
-- containment test in WHEN skips the trigger call for every other post (issue 16).
create trigger posts_sync_events_on_insert
  after insert on public.posts
  for each row
  when (new.content @> '{"blocks": [{"type": "event"}]}')
  execute function private.sync_post_events();

create trigger posts_sync_events
  after update of content on public.posts
  for each row
  when (old.content @> '{"blocks": [{"type": "event"}]}' or new.content @> '{"blocks": [{"type": "event"}]}')
  execute function private.sync_post_events();

-- RSVPs: write rules and counts ----------------------------------------------------------------------

create function private.event_rsvps_before_write()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
begin
  if tg_op = 'UPDATE' then
    if new.event_id is distinct from old.event_id or new.user_id is distinct from old.user_id then
      raise exception 'the event and user of an RSVP cannot change' using errcode = '22023';
    end if;
    -- A change is judged like a new answer: across a block, or once the event is out of sight,
    -- the event reads as missing (issue 14, finding 4). Withdrawing (DELETE) stays possible.
    if me is not null and new.status is distinct from old.status and not private.can_see_event(new.event_id) then
      raise exception 'event not found' using errcode = 'PT404';
    end if;
    return new;
  end if;
  if me is not null then
    perform private.require_can_act();
    if new.user_id is distinct from me then
      raise exception 'you can only answer as yourself' using errcode = '42501';
    end if;
    if not private.can_see_event(new.event_id) then
      raise exception 'event not found' using errcode = 'PT404';
    end if;
  end if;
  return new;
end
$$;
comment on function private.event_rsvps_before_write() is 'Trigger: an RSVP is written and changed by its confirmed user on an event the user can see (never across a block); its event and user never change.';

create trigger event_rsvps_before_write
  before insert or update on public.event_rsvps
  for each row execute function private.event_rsvps_before_write();

-- deltas: rows (event_id, status, n), one per event and status.
create function private.apply_rsvp_deltas(deltas jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if apply_rsvp_deltas.deltas is null or jsonb_array_length(apply_rsvp_deltas.deltas) = 0 then
    return;
  end if;
  perform from public.events e
  where e.id in (select (d ->> 'event_id')::uuid from jsonb_array_elements(apply_rsvp_deltas.deltas) d)
  order by e.id for no key update;
  update public.events e
  set going_count = e.going_count + x.going,
      interested_count = e.interested_count + x.interested,
      not_going_count = e.not_going_count + x.not_going
  from (
    select (d ->> 'event_id')::uuid as id,
      coalesce(sum((d ->> 'n')::integer) filter (where d ->> 'status' = 'going'), 0)::integer as going,
      coalesce(sum((d ->> 'n')::integer) filter (where d ->> 'status' = 'interested'), 0)::integer as interested,
      coalesce(sum((d ->> 'n')::integer) filter (where d ->> 'status' = 'not_going'), 0)::integer as not_going
    from jsonb_array_elements(apply_rsvp_deltas.deltas) d
    group by 1
  ) x
  where e.id = x.id;
end
$$;
comment on function private.apply_rsvp_deltas(jsonb) is 'Applies RSVP count changes [{"event_id", "status", "n"}] to events, locking them in id order.';

create function private.event_rsvps_count()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  deltas jsonb;
begin
  if tg_op = 'INSERT' then
    select jsonb_agg(jsonb_build_object('event_id', n.event_id, 'status', n.status, 'n', 1)) into deltas from new_rows n;
  elsif tg_op = 'DELETE' then
    select jsonb_agg(jsonb_build_object('event_id', o.event_id, 'status', o.status, 'n', -1)) into deltas from old_rows o;
  else
    select jsonb_agg(d) into deltas from (
      select jsonb_build_object('event_id', n.event_id, 'status', n.status, 'n', 1) as d from new_rows n
      union all
      select jsonb_build_object('event_id', o.event_id, 'status', o.status, 'n', -1) from old_rows o
    ) s;
  end if;
  perform private.apply_rsvp_deltas(deltas);
  return null;
end
$$;
comment on function private.event_rsvps_count() is 'Statement trigger: keeps going_count, interested_count and not_going_count of events exact.';

create trigger event_rsvps_count_inserted
  after insert on public.event_rsvps
  referencing new table as new_rows
  for each statement execute function private.event_rsvps_count();

create trigger event_rsvps_count_updated
  after update on public.event_rsvps
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.event_rsvps_count();

create trigger event_rsvps_count_deleted
  after delete on public.event_rsvps
  referencing old table as old_rows
  for each statement execute function private.event_rsvps_count();

-- RPC -----------------------------------------------------------------------------------------------

create function public.upcoming_events(
  group_id uuid default null,
  page_size integer default 20,
  after_starts_at timestamptz default null,
  after_id uuid default null
)
returns setof public.events
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform private.check_page_size(upcoming_events.page_size);
  if (upcoming_events.after_starts_at is null) <> (upcoming_events.after_id is null) then
    raise exception 'after_starts_at and after_id go together (the last row''s starts_at and id)' using errcode = '22023';
  end if;
  return query
    select e.* from public.events e
    where e.ends_at >= now()
      and (upcoming_events.group_id is null or e.group_id = upcoming_events.group_id)
      and (upcoming_events.after_starts_at is null
           or (e.starts_at, e.id) > (upcoming_events.after_starts_at, upcoming_events.after_id))
    order by e.starts_at, e.id
    limit upcoming_events.page_size;
end
$$;
comment on function public.upcoming_events(uuid, integer, timestamptz, uuid) is 'Events the caller can see that have not ended, soonest first (starts_at, id), everywhere or in one group; page_size 1–100. Next page: pass the last row''s starts_at and id as after_starts_at and after_id.';

grant select on public.events to anon, authenticated;
grant select, insert, update, delete on public.events to service_role;
grant select on public.event_rsvps to authenticated;
grant insert (event_id, user_id, status) on public.event_rsvps to authenticated;
grant update (status) on public.event_rsvps to authenticated;
grant delete on public.event_rsvps to authenticated;
grant select, insert, update, delete on public.event_rsvps to service_role;

grant execute on function private.can_see_event(uuid) to authenticated, service_role;
grant execute on function private.apply_rsvp_deltas(jsonb) to service_role;
grant execute on function public.upcoming_events(uuid, integer, timestamptz, uuid) to anon, authenticated, service_role;
