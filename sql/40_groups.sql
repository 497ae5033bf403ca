-- Groups: group pages and their lifecycle, and group follows.
-- Objects: types group_kind, group_visibility, group_status, group_role, membership_status; tables
-- public.groups, public.group_follows; the predicate private.can_see_membership (the other group
-- predicates are in sql/05_security.sql); triggers that decide status/verified, make the creator the
-- owner, guard renames of verified institutions, and keep follower counts.
-- Memberships are sql/41_group_memberships.sql, institution profiles and reviews sql/42_institutions.sql.
-- Caveats:
--   * Clients write groups through column grants; status, verified, counts, created_by and the owner
--     membership are the database's.
--   * A private institution is refused (22023), not silently made public: the client asked for
--     something the product does not offer and should say so.
--   * Blocks (people domain) hide blocked users from member lists, and an invitee across a block reads
--     as missing (sql/41_group_memberships.sql); joins and group follows do not consult blocks.

create type public.group_kind as enum ('generic', 'institution');
comment on type public.group_kind is 'generic: a user-created group, active at once; institution: a verified organisation page, pending until a platform admin approves it.';

create type public.group_visibility as enum ('public', 'private');
comment on type public.group_visibility is 'public: anyone joins at once and sees members and posts; private: joining needs approval or an invitation, members and posts are for active members.';

create type public.group_status as enum ('active', 'pending', 'rejected', 'suspended', 'archived');
comment on type public.group_status is 'Lifecycle of a group, decided by the database and platform admins: institutions start pending; active groups are visible to everyone; archived: its last owner deleted their account and nobody else was a member (sql/82_accounts.sql).';

create type public.group_role as enum ('owner', 'admin', 'member');
comment on type public.group_role is 'Role inside a group: exactly one owner, admins appointed by the owner, members.';

create type public.membership_status as enum ('active', 'pending', 'invited');
comment on type public.membership_status is 'active: a member; pending: asked to join a private group; invited: invited by an owner or admin, until the invitee answers or the invitation expires.';

-- Groups ----------------------------------------------------------------------------------------------

-- The group card feed and search rows carry, stored with the group (groups.card) as profiles.card is
-- (sql/10_identity.sql). Immutable as declared: an enum's label changes only by ALTER TYPE … RENAME
-- VALUE, which would need the cards rewritten (update public.groups set name = name).
create function private.group_card(id uuid, name text, slug text, kind public.group_kind, verified boolean)
returns jsonb
language sql
immutable
parallel safe
set search_path = ''
as $$
  select jsonb_build_object('id', group_card.id, 'name', group_card.name, 'slug', group_card.slug, 'kind', group_card.kind,
    'verified', group_card.verified)
$$;
comment on function private.group_card(uuid, text, text, public.group_kind, boolean) is 'The group card of feed and search rows, {id, name, slug, kind, verified}; the expression of public.groups.card.';
grant execute on function private.group_card(uuid, text, text, public.group_kind, boolean) to anon, authenticated, service_role;

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
  card jsonb not null generated always as (private.group_card(id, name, slug, kind, verified)) stored,
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
  constraint groups_generic_status check (kind = 'institution' or status in ('active', 'suspended', 'archived')),
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
comment on column public.groups.status is 'active | pending | rejected | suspended | archived; decided by the database (generic → active, institution → pending) and platform admins.';
comment on column public.groups.verified is 'The verified badge of an approved institution; decided by platform admins through the institution-review function, lost on rename.';
comment on column public.groups.rejection_reason is 'Why a platform admin rejected this institution; set only while status = rejected.';
comment on column public.groups.member_count is 'Number of active members, kept exact by the database.';
comment on column public.groups.follower_count is 'Number of users following the group, kept exact by the database.';
comment on column public.groups.created_by is 'The user who created the group (set by the database); null when that account is gone.';
comment on column public.groups.created_at is 'When the group was created.';
comment on column public.groups.updated_at is 'When the group''s own fields last changed (not its counts).';
comment on column public.groups.card is 'The group card feed and search rows carry, {id, name, slug, kind, verified}, kept by the database (a generated column: private.group_card).';

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

-- Group predicates ------------------------------------------------------------------------------------
-- is_group_member, can_manage_group, managed_group_ids, owned_group_ids and can_see_group are in
-- sql/05_security.sql; can_see_membership takes this domain's enum, so it lives here.

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


-- Grants ----------------------------------------------------------------------------------------------

-- Functions are executable by nobody until granted (sql/00_foundation.sql revokes PUBLIC's default).
grant select on public.groups to anon, authenticated;
grant insert (kind, slug, name, description, avatar_path, visibility, join_question) on public.groups to authenticated;
grant update (name, description, avatar_path, visibility, join_question) on public.groups to authenticated;
grant delete on public.groups to authenticated;
grant select, insert, update, delete on public.groups to service_role;

grant select, delete on public.group_follows to authenticated;
grant insert (user_id, group_id) on public.group_follows to authenticated;
grant select, insert, delete on public.group_follows to service_role;

grant execute on function private.can_see_membership(uuid, public.membership_status) to anon, authenticated, service_role;
