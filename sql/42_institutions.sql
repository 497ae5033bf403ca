-- Institutions: the extra profile of an institution group and the platform review of institutions.
-- Objects: table public.institution_profiles with its check functions (links and schedule, which use
-- the content rules of sql/31_content.sql for URLs and schedule rows); private.institution_reviews
-- (the audit trail); private.review_institution for the institution-review edge function and
-- private.institution_review_notice for its email.

-- Institution profiles --------------------------------------------------------------------------------

-- The check functions are plpgsql (docs/conventions.md, "Helpers on hot paths"). URLs and schedule
-- rows follow the content rules (sql/31_content.sql): one grammar for an https URL and one for a
-- day, a time and an activity, whether they sit in a post or on an institution page.
create function private.check_institution_links(links jsonb)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
  rules constant jsonb := private.content_rules();
  item jsonb;
  idx integer := 0;
begin
  if links is null or jsonb_typeof(links) <> 'array' then
    raise exception 'links must be an array of {label, url}' using errcode = '22023';
  end if;
  if jsonb_array_length(links) > 20 then
    raise exception 'links may hold at most 20 entries' using errcode = '22023';
  end if;
  for item in select value from jsonb_array_elements(links) loop
    if jsonb_typeof(item) <> 'object'
       or (select array_agg(k order by k) from jsonb_object_keys(item) k) is distinct from array['label', 'url'] then
      raise exception 'links[%] must be an object with exactly label and url', idx using errcode = '22023';
    end if;
    if jsonb_typeof(item -> 'label') <> 'string'
       or btrim(item ->> 'label') <> item ->> 'label'
       or char_length(item ->> 'label') not between 1 and 100 then
      raise exception 'links[%].label must be 1–100 characters without surrounding spaces', idx using errcode = '22023';
    end if;
    if not private.is_plain_text(item ->> 'label') then
      raise exception 'links[%].label must not contain control, bidi or invisible characters', idx using errcode = '22023';
    end if;
    if jsonb_typeof(item -> 'url') <> 'string' or not private.content_is_https_url(item ->> 'url', rules) then
      raise exception 'links[%].url must be an https URL', idx using errcode = '22023';
    end if;
    idx := idx + 1;
  end loop;
  return true;
end
$$;
comment on function private.check_institution_links(jsonb) is 'Check constraint of institution_profiles.links: at most 20 {label 1–100 chars, url https per the content rules}; raises 22023 naming the bad entry.';

create function private.check_institution_schedule(schedule jsonb)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
  rules constant jsonb := private.content_rules();
  max_rows constant integer := (rules #>> '{schedule,max_rows}')::integer;
  activity_max constant integer := (rules #>> '{schedule,activity_max_length}')::integer;
  item jsonb;
  idx integer := 0;
begin
  if schedule is null or jsonb_typeof(schedule) <> 'array' then
    raise exception 'schedule must be an array of {day, time, activity}' using errcode = '22023';
  end if;
  if jsonb_array_length(schedule) > max_rows then
    raise exception 'schedule may hold at most % entries', max_rows using errcode = '22023';
  end if;
  for item in select value from jsonb_array_elements(schedule) loop
    if jsonb_typeof(item) <> 'object'
       or (select array_agg(k order by k) from jsonb_object_keys(item) k) is distinct from array['activity', 'day', 'time'] then
      raise exception 'schedule[%] must be an object with exactly day, time and activity', idx using errcode = '22023';
    end if;
    if jsonb_typeof(item -> 'day') <> 'string'
       or not (rules #> '{schedule,days}') ? (item ->> 'day') then
      raise exception 'schedule[%].day must be one of %', idx, private.content_list(rules #> '{schedule,days}') using errcode = '22023';
    end if;
    if jsonb_typeof(item -> 'time') <> 'string' or item ->> 'time' !~ (rules #>> '{schedule,time_pattern}') then
      raise exception 'schedule[%].time must be HH:MM (00:00–23:59)', idx using errcode = '22023';
    end if;
    if jsonb_typeof(item -> 'activity') <> 'string'
       or btrim(item ->> 'activity') <> item ->> 'activity'
       or char_length(item ->> 'activity') not between 1 and activity_max then
      raise exception 'schedule[%].activity must be 1–% characters without surrounding spaces', idx, activity_max using errcode = '22023';
    end if;
    if not private.is_plain_text(item ->> 'activity') then
      raise exception 'schedule[%].activity must not contain control, bidi or invisible characters', idx using errcode = '22023';
    end if;
    idx := idx + 1;
  end loop;
  return true;
end
$$;
comment on function private.check_institution_schedule(jsonb) is 'Check constraint of institution_profiles.schedule: at most schedule.max_rows (100) {day Mon..Sun, time HH:MM, activity 1–200 chars without surrounding spaces}, per the content rules; raises 22023 naming the bad entry.';

create table public.institution_profiles (
  group_id uuid not null,
  contact_email text,
  contact_phone text,
  website text,
  address text,
  links jsonb not null default '[]'::jsonb,
  schedule jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint institution_profiles_pkey primary key (group_id),
  constraint institution_profiles_group_id_fkey foreign key (group_id) references public.groups (id) on delete cascade,
  constraint institution_profiles_contact_email_format check (
    contact_email is null
    or (char_length(contact_email) <= 254 and contact_email ~ '^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$')
  ),
  constraint institution_profiles_contact_phone_format check (
    contact_phone is null or contact_phone ~ '^\+?[0-9][0-9 ()-]{3,28}[0-9]$'
  ),
  constraint institution_profiles_website_https check (website is null or private.content_is_https_url(website, private.content_rules())),
  constraint institution_profiles_address_length check (
    address is null or (address = btrim(address) and char_length(address) between 1 and 500)
  ),
  constraint institution_profiles_address_plain check (private.is_plain_text(address, true)),
  constraint institution_profiles_links_valid check (private.check_institution_links(links)),
  constraint institution_profiles_schedule_valid check (private.check_institution_schedule(schedule))
);
alter table public.institution_profiles enable row level security;

comment on table public.institution_profiles is 'The extra sections of an institution page (contact, website, address, links, weekly schedule). Created with the institution; visible with the group; edited by its owner and admins.';
comment on column public.institution_profiles.group_id is 'The institution (a group of kind institution).';
comment on column public.institution_profiles.contact_email is 'Public contact email address (name@domain.tld).';
comment on column public.institution_profiles.contact_phone is 'Public contact phone: digits, spaces, ( ) and -, optionally starting with +.';
comment on column public.institution_profiles.website is 'Website: an https URL.';
comment on column public.institution_profiles.address is 'Postal address, 1–500 characters.';
comment on column public.institution_profiles.links is 'External links: [{"label": 1–100 chars, "url": https URL}], at most 20.';
comment on column public.institution_profiles.schedule is 'Weekly schedule: [{"day": "Mon".."Sun", "time": "HH:MM", "activity": 1–200 chars}], at most 100.';
comment on column public.institution_profiles.created_at is 'When the profile was created (with the institution).';
comment on column public.institution_profiles.updated_at is 'When the profile last changed.';

create trigger institution_profiles_set_updated_at
  before update on public.institution_profiles
  for each row execute function private.set_updated_at();

-- Institution reviews: the audit trail of platform admins' decisions -------------------------------------

create table private.institution_reviews (
  id uuid not null default gen_random_uuid(),
  group_id uuid,
  group_name text not null,
  reviewer_id uuid,
  decision text not null,
  reason text,
  created_at timestamptz not null default now(),
  reviewer_role text not null default 'user',
  constraint institution_reviews_pkey primary key (id),
  constraint institution_reviews_group_id_fkey foreign key (group_id) references public.groups (id) on delete set null,
  constraint institution_reviews_reviewer_id_fkey foreign key (reviewer_id) references auth.users (id) on delete set null,
  constraint institution_reviews_decision_check check (decision in ('approve', 'reject'))
);
create index institution_reviews_group_id_idx on private.institution_reviews (group_id, created_at desc);
create index institution_reviews_reviewer_id_idx on private.institution_reviews (reviewer_id);
comment on table private.institution_reviews is 'Audit trail: who approved or rejected which institution, when, why, and under which name (verification is tied to it). Written by a trigger on groups, so the RPC and an operator''s raw update in Studio leave the same row (reviewer_role operator:<role>, reviewer_id null).';

-- The decision on a pending institution, however it is made: review_institution below, the edge
-- function, or an operator's `update groups set verified = true` (or status) in Studio.
create function private.groups_review_decision()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.verified and not old.verified and new.status = 'pending' then
    new.status := 'active';
  end if;
  if new.status = 'active' then
    new.verified := true;
    new.rejection_reason := null;
  elsif new.status = 'rejected' then
    new.verified := false;
    new.rejection_reason := nullif(btrim(new.rejection_reason), '');
    if new.rejection_reason is null then
      raise exception 'a reason is required to reject an institution'
        using errcode = '22023', hint = 'Set rejection_reason: the creator is told why.';
    end if;
  end if;
  return new;
end
$$;
comment on function private.groups_review_decision() is 'Trigger before update of a pending institution''s status or verified: approving (status active or verified true) makes it active and verified; rejecting needs a rejection_reason.';

create trigger groups_review_decision
  before update of status, verified on public.groups
  for each row
  when (old.kind = 'institution' and old.status = 'pending')
  execute function private.groups_review_decision();

create function private.groups_record_review()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  approved boolean := new.status = 'active';
  review_id uuid;
begin
  insert into private.institution_reviews (group_id, group_name, reviewer_id, reviewer_role, decision, reason)
  values (new.id, new.name, (select auth.uid()), private.actor_label(),
    case when approved then 'approve' else 'reject' end, new.rejection_reason)
  returning id into review_id;
  perform set_config('institutions.review_id', review_id::text, true);
  perform private.notify(
    new.created_by, (select auth.uid()),
    case when approved then 'institution_approved' else 'institution_rejected' end::public.notification_kind,
    new.id,
    private.group_notice(new) || case when approved then '{}'::jsonb else jsonb_build_object('reason', new.rejection_reason) end
  );
  return null;
end
$$;
comment on function private.groups_record_review() is 'Trigger after a pending institution is approved or rejected, by any path: the audit row (reviewer = the signed-in admin, or the operator''s database role) and the creator''s notification.';

-- Not `update of status`: a raw `set verified = true` changes status only through the trigger above.
create trigger groups_record_review
  after update on public.groups
  for each row
  when (old.kind = 'institution' and old.status = 'pending' and new.status in ('active', 'rejected'))
  execute function private.groups_record_review();

-- Institution review (the institution-review edge function calls it as the admin) ------------------------

create function private.review_institution(target_group uuid, decision text, reason text default null)
returns json
language plpgsql
security definer
set search_path = ''
as $$
declare
  clean_reason text := nullif(btrim(review_institution.reason), '');
  g public.groups;
  approved boolean;
begin
  -- An operator (Studio's SQL editor, no JWT) may review too; API callers must be platform admins.
  if not private.is_operator() then
    perform private.require_can_act();
    if not private.has_role('admin') then
      raise exception 'only platform admins can review institutions' using errcode = '42501';
    end if;
  end if;
  if review_institution.decision is null or review_institution.decision not in ('approve', 'reject') then
    raise exception 'decision must be approve or reject' using errcode = '22023';
  end if;
  approved := review_institution.decision = 'approve';
  if not approved and clean_reason is null then
    raise exception 'a reason is required to reject an institution'
      using errcode = '22023', hint = 'The creator is told why.';
  end if;
  if char_length(clean_reason) > 1000 then
    raise exception 'the reason must be at most 1000 characters' using errcode = '22023';
  end if;

  select * into g from public.groups gr where gr.id = review_institution.target_group for no key update;
  if not found or g.kind <> 'institution' then
    raise exception 'institution not found' using errcode = 'PT404';
  end if;
  if g.status <> 'pending' then
    raise exception 'this institution has already been reviewed (it is %)', g.status
      using errcode = 'PT409', hint = 'Only pending institutions can be approved or rejected.';
  end if;

  -- The audit row and the notification come from the groups triggers above, as for any other path.
  update public.groups gr
  set status = case when approved then 'active' else 'rejected' end::public.group_status,
      verified = approved,
      rejection_reason = case when approved then null else clean_reason end
  where gr.id = g.id
  returning * into g;

  return json_build_object(
    'review_id', nullif(current_setting('institutions.review_id', true), '')::uuid,
    'group_id', g.id,
    'status', g.status,
    'verified', g.verified,
    'rejection_reason', g.rejection_reason
  );
end
$$;
comment on function private.review_institution(uuid, text, text) is 'A platform admin''s (or an operator''s, from Studio''s SQL editor) decision on a pending institution, in one transaction: approve → active + verified; reject (reason required) → rejected; an audit row and the creator''s notification (by the groups triggers, like a raw update). Called by the institution-review edge function as the caller.';

create function private.institution_review_notice(review uuid)
returns json
language sql
stable
security definer
set search_path = ''
as $$
  select json_build_object(
    'email', u.email,
    'display_name', p.display_name,
    'group_name', r.group_name,
    'group_slug', g.slug,
    'decision', r.decision,
    'reason', r.reason
  )
  from private.institution_reviews r
  join public.groups g on g.id = r.group_id
  join auth.users u on u.id = g.created_by
  left join public.profiles p on p.id = u.id
  where r.id = institution_review_notice.review
$$;
comment on function private.institution_review_notice(uuid) is 'What the email about a review says and to whom (the creator''s address); service_role only.';


-- Grants ----------------------------------------------------------------------------------------------

grant select on public.institution_profiles to anon, authenticated;
grant update (contact_email, contact_phone, website, address, links, schedule) on public.institution_profiles to authenticated;
grant select, insert, update, delete on public.institution_profiles to service_role;

-- Check constraints run with the writer's privileges.
grant execute on function private.check_institution_links(jsonb) to authenticated, service_role;
grant execute on function private.check_institution_schedule(jsonb) to authenticated, service_role;
grant execute on function private.review_institution(uuid, text, text) to authenticated;
grant execute on function private.institution_review_notice(uuid) to service_role;
