-- Groups and institutions: group pages, the membership state machine, group follows, institution
-- profiles and the platform review of institutions.
-- Objects: types group_kind, group_visibility, group_status, group_role, membership_status; tables
-- public.groups, public.group_members, public.group_follows, public.institution_profiles,
-- private.institution_reviews; predicates private.can_see_group, is_group_member, can_manage_group,
-- managed_group_ids, owned_group_ids, can_see_membership; triggers that decide status/verified, make
-- the creator the owner, keep member/follower counts and the group_owner platform role; RPCs
-- join_group, leave_group, invite_to_group, respond_to_invite, review_join_request,
-- set_member_role, transfer_group_ownership, remove_group_member; private.review_institution for
-- the institution-review edge function.
-- Caveats:
--   * Clients write groups through column grants; status, verified, counts, created_by and the owner
--     membership are the database's. Memberships change only through the RPCs (no client DML).
--   * Every membership RPC locks the group row first (the same lock the count update takes), so the
--     transitions of one group are serialized and lock order is always group, then memberships.
--   * A private institution is refused (22023), not silently made public: the client asked for
--     something the product does not offer and should say so.
--   * Blocks (people domain) are not consulted yet; they will narrow joins, invites and follows.

create type public.group_kind as enum ('generic', 'institution');
comment on type public.group_kind is 'generic: a user-created group, active at once; institution: a verified organisation page, pending until a platform admin approves it.';

create type public.group_visibility as enum ('public', 'private');
comment on type public.group_visibility is 'public: anyone joins at once and sees members and posts; private: joining needs approval or an invitation, members and posts are for active members.';

create type public.group_status as enum ('active', 'pending', 'rejected', 'suspended');
comment on type public.group_status is 'Lifecycle of a group, decided by the database and platform admins: institutions start pending; active groups are visible to everyone.';

create type public.group_role as enum ('owner', 'admin', 'member');
comment on type public.group_role is 'Role inside a group: exactly one owner, admins appointed by the owner, members.';

create type public.membership_status as enum ('active', 'pending', 'invited');
comment on type public.membership_status is 'active: a member; pending: asked to join a private group; invited: invited by an owner or admin, until the invitee answers or the invitation expires.';

-- Groups ----------------------------------------------------------------------------------------------

create table public.groups (
  id uuid not null default gen_random_uuid(),
  kind public.group_kind not null default 'generic',
  slug text not null,
  name text not null,
  description text not null default '',
  avatar_path text,
  visibility public.group_visibility not null default 'public',
  join_question text,
  status public.group_status not null default 'active',
  verified boolean not null default false,
  rejection_reason text,
  member_count integer not null default 0,
  follower_count integer not null default 0,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint groups_pkey primary key (id),
  constraint groups_slug_key unique (slug),
  constraint groups_created_by_fkey foreign key (created_by) references auth.users (id) on delete set null,
  constraint groups_slug_format check (slug ~ '^[a-z0-9-]{3,50}$'),
  constraint groups_name_length check (name = btrim(name) and char_length(name) between 1 and 100),
  constraint groups_name_plain check (private.is_plain_text(name)),
  constraint groups_description_length check (char_length(description) <= 2000),
  constraint groups_description_plain check (private.is_plain_text(description, true)),
  constraint groups_join_question_plain check (private.is_plain_text(join_question, true)),
  constraint groups_avatar_path_length check (avatar_path is null or char_length(avatar_path) between 1 and 300),
  constraint groups_join_question_length check (
    join_question is null or (join_question = btrim(join_question) and char_length(join_question) between 1 and 300)
  ),
  constraint groups_institution_is_public check (kind = 'generic' or visibility = 'public'),
  constraint groups_generic_status check (kind = 'institution' or status in ('active', 'suspended')),
  constraint groups_verified_institution check (not verified or (kind = 'institution' and status in ('active', 'suspended'))),
  constraint groups_rejection_reason check (
    rejection_reason is null or (status = 'rejected' and char_length(rejection_reason) between 1 and 1000)
  ),
  constraint groups_member_count_not_negative check (member_count >= 0),
  constraint groups_follower_count_not_negative check (follower_count >= 0)
);
alter table public.groups enable row level security;

create index groups_created_by_idx on public.groups (created_by, kind, status);
create index groups_status_created_at_idx on public.groups (status, created_at desc);
-- The platform admins' review queue, oldest first.
create index groups_pending_institutions_idx on public.groups (created_at) where kind = 'institution' and status = 'pending';

comment on table public.groups is 'Group pages: generic groups and institutions. Any confirmed user creates one and becomes its owner; the database decides status and verified. Active groups are visible to everyone (private ones by name, description and avatar only); pending, rejected and suspended ones only to their creator, their owner and admins, and platform admins.';
comment on column public.groups.id is 'Group id.';
comment on column public.groups.kind is 'generic | institution; fixed at creation.';
comment on column public.groups.slug is 'Unique address of the group: 3–50 characters of a-z, 0-9 and -; fixed at creation.';
comment on column public.groups.name is 'Display name, 1–100 characters without surrounding spaces, control, bidi or invisible characters (private.is_plain_text). Renaming a verified institution removes the badge and sends it back to review.';
comment on column public.groups.description is 'About the group, at most 2000 characters.';
comment on column public.groups.avatar_path is 'Object path of the group picture in the avatars bucket (uploaded into the uploader''s own folder).';
comment on column public.groups.visibility is 'public | private. Institutions are always public (asking for a private one is refused with 22023).';
comment on column public.groups.join_question is 'Optional question a user must answer when asking to join this private group (1–300 characters).';
comment on column public.groups.status is 'active | pending | rejected | suspended; decided by the database (generic → active, institution → pending) and platform admins.';
comment on column public.groups.verified is 'The verified badge of an approved institution; decided by platform admins through the institution-review function, lost on rename.';
comment on column public.groups.rejection_reason is 'Why a platform admin rejected this institution; set only while status = rejected.';
comment on column public.groups.member_count is 'Number of active members, kept exact by the database.';
comment on column public.groups.follower_count is 'Number of users following the group, kept exact by the database.';
comment on column public.groups.created_by is 'The user who created the group (set by the database); null when that account is gone.';
comment on column public.groups.created_at is 'When the group was created.';
comment on column public.groups.updated_at is 'When the group''s own fields last changed (not its counts).';

-- Memberships -----------------------------------------------------------------------------------------

create table public.group_members (
  group_id uuid not null,
  user_id uuid not null,
  role public.group_role not null default 'member',
  status public.membership_status not null,
  invited_by uuid,
  invite_expires_at timestamptz,
  join_answer text,
  joined_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint group_members_pkey primary key (group_id, user_id),
  constraint group_members_group_id_fkey foreign key (group_id) references public.groups (id) on delete cascade,
  constraint group_members_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint group_members_invited_by_fkey foreign key (invited_by) references auth.users (id) on delete set null,
  constraint group_members_roles_are_active check (role = 'member' or status = 'active'),
  constraint group_members_invite_expiry check ((status = 'invited') = (invite_expires_at is not null)),
  constraint group_members_joined_at check ((status = 'active') = (joined_at is not null)),
  constraint group_members_join_answer_length check (join_answer is null or char_length(join_answer) between 1 and 1000)
);
alter table public.group_members enable row level security;

-- Exactly one owner per group at any time (the RPCs keep it at least one).
create unique index group_members_one_owner_key on public.group_members (group_id) where role = 'owner';
create index group_members_user_id_idx on public.group_members (user_id, status, role);
create index group_members_invited_by_idx on public.group_members (invited_by);
create index group_members_group_status_idx on public.group_members (group_id, status, created_at);

comment on table public.group_members is 'Who belongs to a group and how: role owner | admin | member and status active | pending | invited. Changed only through the membership RPCs. Active members of public groups are listed to everyone, of private groups to active members; users see their own rows; owners and admins also see requests and invitations.';
comment on column public.group_members.group_id is 'The group.';
comment on column public.group_members.user_id is 'The member, requester or invitee.';
comment on column public.group_members.role is 'owner | admin | member; only active members hold owner or admin.';
comment on column public.group_members.status is 'active | pending (asked to join) | invited (awaiting the invitee''s answer).';
comment on column public.group_members.invited_by is 'The owner or admin who sent the invitation, when there was one.';
comment on column public.group_members.invite_expires_at is 'When the invitation lapses; set only while status = invited.';
comment on column public.group_members.join_answer is 'The requester''s answer to the group''s join question; kept while the request is pending, cleared on approval.';
comment on column public.group_members.joined_at is 'When the membership became active; null while pending or invited.';
comment on column public.group_members.created_at is 'When the request, invitation or membership was created.';
comment on column public.group_members.updated_at is 'When the row last changed.';

create trigger group_members_set_updated_at
  before update on public.group_members
  for each row execute function private.set_updated_at();

-- Group follows ---------------------------------------------------------------------------------------

create table public.group_follows (
  user_id uuid not null default auth.uid(),
  group_id uuid not null,
  created_at timestamptz not null default now(),
  constraint group_follows_pkey primary key (user_id, group_id),
  constraint group_follows_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint group_follows_group_id_fkey foreign key (group_id) references public.groups (id) on delete cascade
);
alter table public.group_follows enable row level security;

create index group_follows_group_id_idx on public.group_follows (group_id, created_at desc);

comment on table public.group_follows is 'Users following an active public group or institution without joining it. A user inserts and deletes their own; a user reads their own, owners and admins read their group''s followers.';
comment on column public.group_follows.user_id is 'The follower (the caller).';
comment on column public.group_follows.group_id is 'The followed group: active and public (every institution is public).';
comment on column public.group_follows.created_at is 'When the follow started.';

-- Institution profiles --------------------------------------------------------------------------------

-- The helpers below (predicates for policies and RPCs, checks) are plpgsql, not sql: with
-- `set search_path` a SQL function is never inlined and is planned again at every call, while plpgsql
-- plans its statements once per connection.
create function private.is_https_url(candidate text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
  return is_https_url.candidate is not null
    and char_length(is_https_url.candidate) <= 2000
    and is_https_url.candidate ~ '^https://[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+(:[0-9]{1,5})?([/?#][^[:space:]]*)?$';
end
$$;
comment on function private.is_https_url(text) is 'True for an absolute https URL with a dotted host name, at most 2000 characters.';

create function private.check_institution_links(links jsonb)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
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
    if jsonb_typeof(item -> 'url') <> 'string' or not private.is_https_url(item ->> 'url') then
      raise exception 'links[%].url must be an https URL', idx using errcode = '22023';
    end if;
    idx := idx + 1;
  end loop;
  return true;
end
$$;
comment on function private.check_institution_links(jsonb) is 'Check constraint of institution_profiles.links: at most 20 {label 1–100 chars, url https}; raises 22023 naming the bad entry.';

create function private.check_institution_schedule(schedule jsonb)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
  item jsonb;
  idx integer := 0;
begin
  if schedule is null or jsonb_typeof(schedule) <> 'array' then
    raise exception 'schedule must be an array of {day, time, activity}' using errcode = '22023';
  end if;
  if jsonb_array_length(schedule) > 100 then
    raise exception 'schedule may hold at most 100 entries' using errcode = '22023';
  end if;
  for item in select value from jsonb_array_elements(schedule) loop
    if jsonb_typeof(item) <> 'object'
       or (select array_agg(k order by k) from jsonb_object_keys(item) k) is distinct from array['activity', 'day', 'time'] then
      raise exception 'schedule[%] must be an object with exactly day, time and activity', idx using errcode = '22023';
    end if;
    if jsonb_typeof(item -> 'day') <> 'string'
       or item ->> 'day' not in ('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun') then
      raise exception 'schedule[%].day must be one of Mon, Tue, Wed, Thu, Fri, Sat, Sun', idx using errcode = '22023';
    end if;
    if jsonb_typeof(item -> 'time') <> 'string' or item ->> 'time' !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' then
      raise exception 'schedule[%].time must be HH:MM (00:00–23:59)', idx using errcode = '22023';
    end if;
    if jsonb_typeof(item -> 'activity') <> 'string'
       or btrim(item ->> 'activity') <> item ->> 'activity'
       or char_length(item ->> 'activity') not between 1 and 200 then
      raise exception 'schedule[%].activity must be 1–200 characters without surrounding spaces', idx using errcode = '22023';
    end if;
    if not private.is_plain_text(item ->> 'activity') then
      raise exception 'schedule[%].activity must not contain control, bidi or invisible characters', idx using errcode = '22023';
    end if;
    idx := idx + 1;
  end loop;
  return true;
end
$$;
comment on function private.check_institution_schedule(jsonb) is 'Check constraint of institution_profiles.schedule: at most 100 {day Mon..Sun, time HH:MM, activity 1–200 chars}; raises 22023 naming the bad entry.';

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
  constraint institution_profiles_website_https check (website is null or private.is_https_url(website)),
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
  constraint institution_reviews_pkey primary key (id),
  constraint institution_reviews_group_id_fkey foreign key (group_id) references public.groups (id) on delete set null,
  constraint institution_reviews_reviewer_id_fkey foreign key (reviewer_id) references auth.users (id) on delete set null,
  constraint institution_reviews_decision_check check (decision in ('approve', 'reject'))
);
create index institution_reviews_group_id_idx on private.institution_reviews (group_id, created_at desc);
create index institution_reviews_reviewer_id_idx on private.institution_reviews (reviewer_id);
comment on table private.institution_reviews is 'Audit trail: who approved or rejected which institution, when, why, and under which name (verification is tied to it).';

-- Security predicates (read past RLS; policies and RPCs call them) --------------------------------------

create function private.is_group_member(target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.group_members m
    where m.group_id = is_group_member.target_group and m.user_id = (select auth.uid()) and m.status = 'active'
  );
end
$$;
comment on function private.is_group_member(uuid) is 'True when the caller is an active member (any role) of the group.';

create function private.can_manage_group(target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.group_members m
    where m.group_id = can_manage_group.target_group and m.user_id = (select auth.uid()) and m.role in ('owner', 'admin')
  );
end
$$;
comment on function private.can_manage_group(uuid) is 'True when the caller is the owner or an admin of the group.';

create function private.managed_group_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select m.group_id from public.group_members m
  where m.user_id = (select auth.uid()) and m.role in ('owner', 'admin');
end
$$;
comment on function private.managed_group_ids() is 'The groups the caller owns or administers (for policies: group_id in (select …)).';

create function private.owned_group_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select m.group_id from public.group_members m
  where m.user_id = (select auth.uid()) and m.role = 'owner';
end
$$;
comment on function private.owned_group_ids() is 'The groups the caller owns.';

-- Mirrors the select policy on public.groups (policies/30_groups.sql), for rows the caller names.
create function private.can_see_group(target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.groups g
    where g.id = can_see_group.target_group
      and (
        g.status = 'active'
        or g.created_by = (select auth.uid())
        or g.id in (select private.managed_group_ids())
        or private.has_role('admin')
      )
  );
end
$$;
comment on function private.can_see_group(uuid) is 'True when the caller may see the group: it is active, or the caller created, owns or administers it, or is a platform admin.';

create function private.can_see_membership(target_group uuid, membership public.membership_status)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.groups g
    where g.id = can_see_membership.target_group
      and (
        (
          can_see_membership.membership = 'active'
          and g.status = 'active'
          and (g.visibility = 'public' or private.is_group_member(g.id))
        )
        or private.can_manage_group(g.id)
      )
  );
end
$$;
comment on function private.can_see_membership(uuid, public.membership_status) is 'True when the caller may see a membership row of this status: active members of active public groups (anyone), of active private groups (active members); every row of groups the caller owns or administers.';

-- Group lifecycle triggers ----------------------------------------------------------------------------

create function private.prepare_new_group()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  pending_requests integer;
begin
  if me is not null then
    perform private.require_can_act();
    new.created_by := me;
  end if;
  if new.created_by is null then
    raise exception 'created_by is required when no user is signed in' using errcode = '22023';
  end if;
  if new.kind = 'institution' and new.visibility = 'private' then
    raise exception 'institutions are always public'
      using errcode = '22023', hint = 'Create the institution with visibility public (the default).';
  end if;
  new.status := case when new.kind = 'institution' then 'pending' else 'active' end::public.group_status;
  new.verified := false;
  new.rejection_reason := null;
  -- The owner's membership (added after insert) is counted here, so the inserted row says 1.
  new.member_count := 1;
  new.follower_count := 0;
  if new.kind = 'institution' then
    -- One creator's requests are counted one at a time, so racing inserts cannot pass the limit.
    perform pg_advisory_xact_lock(hashtextextended('institution_requests:' || new.created_by::text, 0));
    select count(*) into pending_requests
    from public.groups g
    where g.created_by = new.created_by and g.kind = 'institution' and g.status = 'pending';
    if pending_requests >= 3 then
      raise exception 'you already have 3 institution requests awaiting review'
        using errcode = 'PT409', hint = 'Wait until a platform admin has reviewed one of them.';
    end if;
  end if;
  return new;
end
$$;
comment on function private.prepare_new_group() is 'Trigger before insert on groups: the creator is the caller (confirmed), institutions are public and pending (at most 3 pending per user), generic groups active; nothing else is the client''s to choose.';

create trigger groups_prepare_new
  before insert on public.groups
  for each row execute function private.prepare_new_group();

create function private.add_group_owner()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Tells count_group_members that this owner is already in the new group's member_count.
  perform set_config('groups.owner_counted_for', new.id::text, true);
  insert into public.group_members (group_id, user_id, role, status, joined_at)
  values (new.id, new.created_by, 'owner', 'active', now());
  perform set_config('groups.owner_counted_for', '', true);
  if new.kind = 'institution' then
    insert into public.institution_profiles (group_id) values (new.id);
  end if;
  return null;
end
$$;
comment on function private.add_group_owner() is 'Trigger after insert on groups: the creator becomes the active owner; an institution gets its (empty) profile.';

create trigger groups_add_owner
  after insert on public.groups
  for each row execute function private.add_group_owner();

create function private.guard_group_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.kind <> old.kind then
    raise exception 'a group''s kind cannot change' using errcode = '22023';
  end if;
  if new.kind = 'institution' and new.visibility = 'private' then
    raise exception 'institutions are always public' using errcode = '22023';
  end if;
  -- Verification is tied to the name that was approved: a new name goes back to review.
  if new.kind = 'institution' and old.verified and new.name is distinct from old.name then
    new.verified := false;
    new.status := 'pending';
  end if;
  return new;
end
$$;
comment on function private.guard_group_update() is 'Trigger before update of kind, name, visibility on groups: kind is fixed, institutions stay public, and a verified institution that renames itself loses the badge and returns to pending review.';

create trigger groups_guard_update
  before update of kind, name, visibility on public.groups
  for each row execute function private.guard_group_update();

-- Counts change often; updated_at follows only the group's own fields.
create trigger groups_set_updated_at
  before update of slug, name, description, avatar_path, visibility, join_question, status, verified, rejection_reason
  on public.groups
  for each row execute function private.set_updated_at();

-- Counts and the group_owner role ---------------------------------------------------------------------

create function private.count_group_members()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  delta integer;
  target_group uuid;
begin
  if tg_op = 'INSERT' then
    if new.group_id::text = current_setting('groups.owner_counted_for', true) then
      return null;
    end if;
    delta := (new.status = 'active')::integer;
    target_group := new.group_id;
  elsif tg_op = 'DELETE' then
    delta := -(old.status = 'active')::integer;
    target_group := old.group_id;
  else
    delta := (new.status = 'active')::integer - (old.status = 'active')::integer;
    target_group := new.group_id;
  end if;
  if delta <> 0 then
    -- A row update: concurrent changes queue on the group row, so the count stays exact.
    update public.groups g set member_count = g.member_count + delta where g.id = target_group;
  end if;
  return null;
end
$$;
comment on function private.count_group_members() is 'Trigger after insert, update or delete on group_members: keeps groups.member_count equal to the number of active members (the owner added with a new group is counted by prepare_new_group).';

create trigger group_members_count
  after insert or update of status or delete on public.group_members
  for each row execute function private.count_group_members();

create function private.refresh_group_owner_role(target_user uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Serialize per user so that a transfer and a creation racing for one user agree.
  perform pg_advisory_xact_lock(hashtextextended('group_owner_role:' || refresh_group_owner_role.target_user::text, 0));
  if exists (
    select from public.group_members m
    where m.user_id = refresh_group_owner_role.target_user and m.role = 'owner'
  ) then
    insert into public.user_roles (user_id, role) values (refresh_group_owner_role.target_user, 'group_owner')
    on conflict do nothing;
  else
    delete from public.user_roles ur
    where ur.user_id = refresh_group_owner_role.target_user and ur.role = 'group_owner';
  end if;
end
$$;
comment on function private.refresh_group_owner_role(uuid) is 'Grants the platform role group_owner while the user owns at least one group, and revokes it otherwise.';

create function private.sync_group_owner_role()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') and old.role = 'owner' then
    perform private.refresh_group_owner_role(old.user_id);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.role = 'owner'
     and (tg_op = 'INSERT' or old.role <> 'owner' or old.user_id <> new.user_id) then
    perform private.refresh_group_owner_role(new.user_id);
  end if;
  return null;
end
$$;
comment on function private.sync_group_owner_role() is 'Trigger after changes of owner memberships: keeps the group_owner platform role of the users involved.';

create trigger group_members_sync_owner_role
  after insert or update of role, user_id or delete on public.group_members
  for each row execute function private.sync_group_owner_role();

-- Group follows: only active public groups, counted exactly ----------------------------------------------

create function private.check_group_follow()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  target public.groups;
begin
  if (select auth.uid()) is not null then
    perform private.require_can_act();
  end if;
  select * into target from public.groups g where g.id = new.group_id;
  if not found or ((select auth.uid()) is not null and not private.can_see_group(new.group_id)) then
    raise exception 'group not found' using errcode = 'PT404';
  end if;
  if target.status <> 'active' then
    raise exception 'only active groups can be followed' using errcode = 'PT409';
  end if;
  if target.visibility <> 'public' then
    raise exception 'private groups cannot be followed'
      using errcode = 'PT409', hint = 'Ask to join the group with join_group instead.';
  end if;
  if exists (select from public.group_follows f where f.user_id = new.user_id and f.group_id = new.group_id) then
    raise exception 'you already follow this group' using errcode = '23505';
  end if;
  return new;
end
$$;
comment on function private.check_group_follow() is 'Trigger before insert on group_follows: the follower is confirmed, the group visible, active and public, and not followed yet.';

create trigger group_follows_check
  before insert on public.group_follows
  for each row execute function private.check_group_follow();

create function private.count_group_followers()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.groups g set follower_count = g.follower_count + 1 where g.id = new.group_id;
  else
    update public.groups g set follower_count = g.follower_count - 1 where g.id = old.group_id;
  end if;
  return null;
end
$$;
comment on function private.count_group_followers() is 'Trigger after insert or delete on group_follows: keeps groups.follower_count exact.';

create trigger group_follows_count
  after insert or delete on public.group_follows
  for each row execute function private.count_group_followers();

-- Membership state machine ----------------------------------------------------------------------------
-- Every transition: the caller may act (42501), the group exists and is visible (PT404), the caller
-- holds the needed role (42501), the current state allows it (PT409). A refusal changes nothing.

create function private.lock_group(target_group uuid)
returns public.groups
language plpgsql
security definer
set search_path = ''
as $$
declare
  g public.groups;
begin
  select * into g from public.groups gr where gr.id = lock_group.target_group for no key update;
  if not found or not private.can_see_group(g.id) then
    raise exception 'group not found' using errcode = 'PT404';
  end if;
  return g;
end
$$;
comment on function private.lock_group(uuid) is 'The group the caller names, locked for a membership change; PT404 when it does not exist or is not visible to the caller.';

create function private.require_active_group(g public.groups)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if g.status <> 'active' then
    raise exception 'the group is %: memberships change only in active groups', g.status
      using errcode = 'PT409', hint = 'Pending institutions await a platform admin''s review.';
  end if;
end
$$;
comment on function private.require_active_group(public.groups) is 'Raises PT409 unless the group is active.';

create function private.group_role_of(target_group uuid, target_user uuid)
returns public.group_role
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  -- At most one row: (group_id, user_id) is the primary key.
  return (
    select m.role from public.group_members m
    where m.group_id = group_role_of.target_group and m.user_id = group_role_of.target_user and m.status = 'active'
  );
end
$$;
comment on function private.group_role_of(uuid, uuid) is 'The role of an active member of the group, or null.';

create function private.group_notice(g public.groups)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  return jsonb_build_object('group_name', group_notice.g.name, 'group_slug', group_notice.g.slug, 'group_kind', group_notice.g.kind);
end
$$;
comment on function private.group_notice(public.groups) is 'What a notification about a group carries to render it.';

create function private.join_group(target_group uuid, answer text)
returns public.membership_status
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  g public.groups := private.lock_group(join_group.target_group);
  m public.group_members;
  clean_answer text := nullif(btrim(join_group.answer), '');
  manager uuid;
begin
  perform private.require_active_group(g);
  select * into m from public.group_members gm where gm.group_id = g.id and gm.user_id = me;
  if found then
    if m.status = 'active' then
      raise exception 'you are already a member of this group' using errcode = 'PT409';
    elsif m.status = 'pending' then
      raise exception 'your request to join this group is already pending' using errcode = 'PT409';
    elsif m.invite_expires_at > now() then
      -- Joining with a valid invitation accepts it.
      update public.group_members gm
      set status = 'active', joined_at = now(), invite_expires_at = null
      where gm.group_id = g.id and gm.user_id = me;
      return 'active'::public.membership_status;
    end if;
    -- An expired invitation gives way to a request of the caller's own.
    delete from public.group_members gm where gm.group_id = g.id and gm.user_id = me;
  end if;

  if g.visibility = 'public' then
    insert into public.group_members (group_id, user_id, role, status, joined_at)
    values (g.id, me, 'member', 'active', now());
    return 'active'::public.membership_status;
  end if;

  if g.join_question is not null and clean_answer is null then
    raise exception 'this group asks a question before you join: answer it'
      using errcode = '22023', hint = 'Call join_group with answer.';
  end if;
  if char_length(clean_answer) > 1000 then
    raise exception 'the answer must be at most 1000 characters' using errcode = '22023';
  end if;
  insert into public.group_members (group_id, user_id, role, status, join_answer)
  values (g.id, me, 'member', 'pending', clean_answer);
  for manager in
    select gm.user_id from public.group_members gm where gm.group_id = g.id and gm.role in ('owner', 'admin')
  loop
    perform private.notify(manager, me, 'group_join_request', g.id, private.group_notice(g));
  end loop;
  return 'pending'::public.membership_status;
end
$$;
comment on function private.join_group(uuid, text) is 'join_group: public → active member; private → pending request (answering the join question) and owners/admins are notified; a valid invitation is accepted.';

create function private.leave_group(target_group uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  g public.groups := private.lock_group(leave_group.target_group);
  m public.group_members;
begin
  select * into m from public.group_members gm where gm.group_id = g.id and gm.user_id = me;
  if not found then
    raise exception 'you are not a member of this group' using errcode = 'PT409';
  end if;
  if m.role = 'owner' then
    raise exception 'the owner cannot leave the group: transfer ownership first'
      using errcode = 'PT409', hint = 'Call transfer_group_ownership, then leave_group.';
  end if;
  delete from public.group_members gm where gm.group_id = g.id and gm.user_id = me;
end
$$;
comment on function private.leave_group(uuid) is 'leave_group: ends the caller''s membership, withdraws a request or declines an invitation; the owner must transfer ownership first.';

create function private.invite_to_group(target_group uuid, target_user uuid)
returns timestamptz
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  g public.groups := private.lock_group(invite_to_group.target_group);
  m public.group_members;
  expires timestamptz := now() + interval '14 days';
begin
  if not private.can_manage_group(g.id) then
    raise exception 'only the group''s owner and admins can invite' using errcode = '42501';
  end if;
  perform private.require_active_group(g);
  -- Across a block the invitee reads as missing, whichever side blocked (nothing is revealed).
  if not exists (select from auth.users u where u.id = invite_to_group.target_user)
     or private.is_blocked_between(me, invite_to_group.target_user) then
    raise exception 'user not found' using errcode = 'PT404';
  end if;
  select * into m from public.group_members gm where gm.group_id = g.id and gm.user_id = invite_to_group.target_user;
  if found then
    if m.status = 'active' then
      raise exception 'this user is already a member of the group' using errcode = 'PT409';
    elsif m.status = 'pending' then
      raise exception 'this user has asked to join: review the request instead'
        using errcode = 'PT409', hint = 'Call review_join_request.';
    elsif m.invite_expires_at > now() then
      raise exception 'this user is already invited' using errcode = 'PT409';
    end if;
    update public.group_members gm
    set invited_by = me, invite_expires_at = expires
    where gm.group_id = g.id and gm.user_id = invite_to_group.target_user;
  else
    insert into public.group_members (group_id, user_id, role, status, invited_by, invite_expires_at)
    values (g.id, invite_to_group.target_user, 'member', 'invited', me, expires);
  end if;
  perform private.notify(invite_to_group.target_user, me, 'group_invite', g.id, private.group_notice(g));
  return expires;
end
$$;
comment on function private.invite_to_group(uuid, uuid) is 'invite_to_group: an owner or admin invites a user for 14 days (renewing a lapsed invitation); the invitee is notified.';

create function private.respond_to_invite(target_group uuid, accept boolean)
returns public.membership_status
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  g public.groups := private.lock_group(respond_to_invite.target_group);
  m public.group_members;
begin
  if respond_to_invite.accept is null then
    raise exception 'accept must be true or false' using errcode = '22023';
  end if;
  select * into m from public.group_members gm where gm.group_id = g.id and gm.user_id = me;
  if not found or m.status <> 'invited' then
    raise exception 'you have no invitation to this group' using errcode = 'PT409';
  end if;
  if not respond_to_invite.accept then
    delete from public.group_members gm where gm.group_id = g.id and gm.user_id = me;
    return null;
  end if;
  if m.invite_expires_at <= now() then
    raise exception 'the invitation has expired'
      using errcode = 'PT409', hint = 'Ask an owner or admin of the group to invite you again.';
  end if;
  perform private.require_active_group(g);
  update public.group_members gm
  set status = 'active', joined_at = now(), invite_expires_at = null
  where gm.group_id = g.id and gm.user_id = me;
  return 'active'::public.membership_status;
end
$$;
comment on function private.respond_to_invite(uuid, boolean) is 'respond_to_invite: the invitee accepts (→ active, unless expired) or declines (the invitation is removed).';

create function private.review_join_request(target_group uuid, target_user uuid, approve boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  g public.groups := private.lock_group(review_join_request.target_group);
begin
  if review_join_request.approve is null then
    raise exception 'approve must be true or false' using errcode = '22023';
  end if;
  if not private.can_manage_group(g.id) then
    raise exception 'only the group''s owner and admins can review join requests' using errcode = '42501';
  end if;
  if not exists (
    select from public.group_members gm
    where gm.group_id = g.id and gm.user_id = review_join_request.target_user and gm.status = 'pending'
  ) then
    raise exception 'there is no pending request from this user to join this group' using errcode = 'PT409';
  end if;
  if not review_join_request.approve then
    delete from public.group_members gm where gm.group_id = g.id and gm.user_id = review_join_request.target_user;
    return;
  end if;
  perform private.require_active_group(g);
  update public.group_members gm
  set status = 'active', joined_at = now(), join_answer = null
  where gm.group_id = g.id and gm.user_id = review_join_request.target_user;
  perform private.notify(review_join_request.target_user, me, 'group_join_approved', g.id, private.group_notice(g));
end
$$;
comment on function private.review_join_request(uuid, uuid, boolean) is 'review_join_request: an owner or admin approves (→ active, the requester is notified) or declines (the request is removed) a pending request.';

create function private.set_member_role(target_group uuid, target_user uuid, new_role public.group_role)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  g public.groups := private.lock_group(set_member_role.target_group);
  current_role_of_target public.group_role;
begin
  if set_member_role.new_role is null then
    raise exception 'role must be admin or member' using errcode = '22023';
  end if;
  if set_member_role.new_role = 'owner' then
    raise exception 'use transfer_group_ownership to make someone the owner' using errcode = '22023';
  end if;
  if private.group_role_of(g.id, me) is distinct from 'owner' then
    raise exception 'only the group''s owner can change member roles' using errcode = '42501';
  end if;
  current_role_of_target := private.group_role_of(g.id, set_member_role.target_user);
  if current_role_of_target is null then
    raise exception 'only active members can be given a role' using errcode = 'PT409';
  end if;
  if current_role_of_target = 'owner' then
    raise exception 'the owner''s role changes only by transferring ownership'
      using errcode = 'PT409', hint = 'Call transfer_group_ownership.';
  end if;
  if current_role_of_target = set_member_role.new_role then
    return;
  end if;
  update public.group_members gm
  set role = set_member_role.new_role
  where gm.group_id = g.id and gm.user_id = set_member_role.target_user;
end
$$;
comment on function private.set_member_role(uuid, uuid, public.group_role) is 'set_member_role: the owner makes an active member an admin or an admin a member again; nobody changes the owner''s role this way.';

create function private.transfer_group_ownership(target_group uuid, new_owner uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  g public.groups := private.lock_group(transfer_group_ownership.target_group);
begin
  if private.group_role_of(g.id, me) is distinct from 'owner' then
    raise exception 'only the group''s owner can transfer ownership' using errcode = '42501';
  end if;
  if transfer_group_ownership.new_owner = me then
    raise exception 'you already own this group' using errcode = 'PT409';
  end if;
  if private.group_role_of(g.id, transfer_group_ownership.new_owner) is null then
    raise exception 'ownership can only pass to an active member of the group' using errcode = 'PT409';
  end if;
  -- The old owner stays on as an admin; one owner at a time (group_members_one_owner_key).
  update public.group_members gm set role = 'admin' where gm.group_id = g.id and gm.user_id = me;
  update public.group_members gm set role = 'owner'
  where gm.group_id = g.id and gm.user_id = transfer_group_ownership.new_owner;
end
$$;
comment on function private.transfer_group_ownership(uuid, uuid) is 'transfer_group_ownership: the owner hands the group to an active member and stays on as an admin.';

create function private.remove_group_member(target_group uuid, target_user uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  g public.groups := private.lock_group(remove_group_member.target_group);
  my_role public.group_role;
  m public.group_members;
begin
  my_role := private.group_role_of(g.id, me);
  if my_role is null or my_role = 'member' then
    raise exception 'only the group''s owner and admins can remove members' using errcode = '42501';
  end if;
  select * into m from public.group_members gm where gm.group_id = g.id and gm.user_id = remove_group_member.target_user;
  if not found then
    raise exception 'this user is not a member of the group' using errcode = 'PT409';
  end if;
  if m.role = 'owner' then
    raise exception 'nobody can remove the owner of a group'
      using errcode = 'PT409', hint = 'The owner leaves only after transferring ownership.';
  end if;
  if m.role = 'admin' and my_role <> 'owner' then
    raise exception 'only the owner can remove admins' using errcode = '42501';
  end if;
  delete from public.group_members gm where gm.group_id = g.id and gm.user_id = remove_group_member.target_user;
end
$$;
comment on function private.remove_group_member(uuid, uuid) is 'remove_group_member: admins remove members, revoke invitations and drop requests; only the owner removes admins; nobody removes the owner.';

-- Institution review (the institution-review edge function calls it as the admin) ------------------------

create function private.review_institution(target_group uuid, decision text, reason text default null)
returns json
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  clean_reason text := nullif(btrim(review_institution.reason), '');
  g public.groups;
  approved boolean;
  review_id uuid;
begin
  if not private.has_role('admin') then
    raise exception 'only platform admins can review institutions' using errcode = '42501';
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

  update public.groups gr
  set status = case when approved then 'active' else 'rejected' end::public.group_status,
      verified = approved,
      rejection_reason = case when approved then null else clean_reason end
  where gr.id = g.id
  returning * into g;

  insert into private.institution_reviews (group_id, group_name, reviewer_id, decision, reason)
  values (g.id, g.name, me, review_institution.decision, clean_reason)
  returning id into review_id;

  perform private.notify(
    g.created_by, me,
    case when approved then 'institution_approved' else 'institution_rejected' end::public.notification_kind,
    g.id,
    private.group_notice(g) || case when approved then '{}'::jsonb else jsonb_build_object('reason', clean_reason) end
  );

  return json_build_object(
    'review_id', review_id,
    'group_id', g.id,
    'status', g.status,
    'verified', g.verified,
    'rejection_reason', g.rejection_reason
  );
end
$$;
comment on function private.review_institution(uuid, text, text) is 'A platform admin''s decision on a pending institution, in one transaction: approve → active + verified; reject (reason required) → rejected; an audit row; the creator notified. Called by the institution-review edge function as the caller.';

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

-- RPCs ------------------------------------------------------------------------------------------------

create function public.join_group(group_id uuid, answer text default null)
returns public.membership_status
language sql
set search_path = ''
as $$
  select private.join_group(join_group.group_id, join_group.answer)
$$;
comment on function public.join_group(uuid, text) is 'Join a group: public → active (returns active); private → a pending request (returns pending) carrying answer, the reply to the group''s join_question (required when it has one); owners and admins are notified. A valid invitation is accepted. PT409 when already a member or pending.';

create function public.leave_group(group_id uuid)
returns void
language sql
set search_path = ''
as $$
  select private.leave_group(leave_group.group_id)
$$;
comment on function public.leave_group(uuid) is 'Leave a group, withdraw a join request or decline an invitation. The owner must transfer ownership first (PT409).';

create function public.invite_to_group(group_id uuid, user_id uuid)
returns timestamptz
language sql
set search_path = ''
as $$
  select private.invite_to_group(invite_to_group.group_id, invite_to_group.user_id)
$$;
comment on function public.invite_to_group(uuid, uuid) is 'Owners and admins invite a user to an active group; returns when the invitation expires (14 days). The invitee is notified. PT409 when the user is a member, has asked to join, or holds a valid invitation.';

create function public.respond_to_invite(group_id uuid, accept boolean)
returns public.membership_status
language sql
set search_path = ''
as $$
  select private.respond_to_invite(respond_to_invite.group_id, respond_to_invite.accept)
$$;
comment on function public.respond_to_invite(uuid, boolean) is 'The invitee accepts (returns active) or declines (returns null) an invitation. PT409 when there is none or it has expired.';

create function public.review_join_request(group_id uuid, user_id uuid, approve boolean)
returns void
language sql
set search_path = ''
as $$
  select private.review_join_request(review_join_request.group_id, review_join_request.user_id, review_join_request.approve)
$$;
comment on function public.review_join_request(uuid, uuid, boolean) is 'Owners and admins approve (the requester becomes an active member and is notified) or decline a pending join request.';

create function public.set_member_role(group_id uuid, user_id uuid, role public.group_role)
returns void
language sql
set search_path = ''
as $$
  select private.set_member_role(set_member_role.group_id, set_member_role.user_id, set_member_role.role)
$$;
comment on function public.set_member_role(uuid, uuid, public.group_role) is 'The owner makes an active member an admin (role admin) or an admin a member (role member). The owner''s own role changes only through transfer_group_ownership.';

create function public.transfer_group_ownership(group_id uuid, new_owner uuid)
returns void
language sql
set search_path = ''
as $$
  select private.transfer_group_ownership(transfer_group_ownership.group_id, transfer_group_ownership.new_owner)
$$;
comment on function public.transfer_group_ownership(uuid, uuid) is 'The owner hands the group to an active member and becomes an admin. The platform role group_owner follows.';

create function public.remove_group_member(group_id uuid, user_id uuid)
returns void
language sql
set search_path = ''
as $$
  select private.remove_group_member(remove_group_member.group_id, remove_group_member.user_id)
$$;
comment on function public.remove_group_member(uuid, uuid) is 'Owners and admins remove a member, revoke an invitation or drop a request; only the owner removes admins; nobody removes the owner.';

-- Grants ----------------------------------------------------------------------------------------------

-- Functions are executable by nobody until granted (sql/00_foundation.sql revokes PUBLIC's default).
grant select on public.groups to anon, authenticated;
grant insert (kind, slug, name, description, avatar_path, visibility, join_question) on public.groups to authenticated;
grant update (name, description, avatar_path, visibility, join_question) on public.groups to authenticated;
grant delete on public.groups to authenticated;
grant select, insert, update, delete on public.groups to service_role;

grant select on public.group_members to anon, authenticated;
grant select, insert, update, delete on public.group_members to service_role;

grant select, delete on public.group_follows to authenticated;
grant insert (user_id, group_id) on public.group_follows to authenticated;
grant select, insert, delete on public.group_follows to service_role;

grant select on public.institution_profiles to anon, authenticated;
grant update (contact_email, contact_phone, website, address, links, schedule) on public.institution_profiles to authenticated;
grant select, insert, update, delete on public.institution_profiles to service_role;

-- Check constraints run with the writer's privileges.
grant execute on function private.is_https_url(text) to authenticated, service_role;
grant execute on function private.check_institution_links(jsonb) to authenticated, service_role;
grant execute on function private.check_institution_schedule(jsonb) to authenticated, service_role;

grant execute on function private.is_group_member(uuid) to anon, authenticated, service_role;
grant execute on function private.can_manage_group(uuid) to anon, authenticated, service_role;
grant execute on function private.managed_group_ids() to authenticated, service_role;
grant execute on function private.owned_group_ids() to authenticated, service_role;
grant execute on function private.can_see_group(uuid) to anon, authenticated, service_role;
grant execute on function private.can_see_membership(uuid, public.membership_status) to anon, authenticated, service_role;

grant execute on function private.join_group(uuid, text) to authenticated;
grant execute on function private.leave_group(uuid) to authenticated;
grant execute on function private.invite_to_group(uuid, uuid) to authenticated;
grant execute on function private.respond_to_invite(uuid, boolean) to authenticated;
grant execute on function private.review_join_request(uuid, uuid, boolean) to authenticated;
grant execute on function private.set_member_role(uuid, uuid, public.group_role) to authenticated;
grant execute on function private.transfer_group_ownership(uuid, uuid) to authenticated;
grant execute on function private.remove_group_member(uuid, uuid) to authenticated;
grant execute on function private.review_institution(uuid, text, text) to authenticated;
grant execute on function private.institution_review_notice(uuid) to service_role;

grant execute on function public.join_group(uuid, text) to authenticated;
grant execute on function public.leave_group(uuid) to authenticated;
grant execute on function public.invite_to_group(uuid, uuid) to authenticated;
grant execute on function public.respond_to_invite(uuid, boolean) to authenticated;
grant execute on function public.review_join_request(uuid, uuid, boolean) to authenticated;
grant execute on function public.set_member_role(uuid, uuid, public.group_role) to authenticated;
grant execute on function public.transfer_group_ownership(uuid, uuid) to authenticated;
grant execute on function public.remove_group_member(uuid, uuid) to authenticated;
