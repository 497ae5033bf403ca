-- Identity: profiles, the private username store, platform roles and the access-token hook.
-- Objects: types app_role, dm_policy; tables public.profiles, public.user_roles,
-- private.usernames, private.reserved_usernames; triggers on auth.users; RPCs username_available,
-- my_account, set_user_role; the custom access token hook.
-- Caveats: GoTrue wraps trigger errors raised during sign-up as "Database error saving new user",
-- so clients check public.username_available() before they sign up; the database stays the judge.
-- Users created without a username (Studio's "Add user", invites, auth.admin.createUser, OAuth
-- sign-ins: none of them sends our metadata) are created with a profile and no username; they read
-- but cannot write (42501 `choose a username before you do this`) until they call
-- public.claim_username once (docs/identity.md). The role user needs a confirmed email and a username.

create type public.app_role as enum ('admin', 'moderator', 'group_owner', 'user');
comment on type public.app_role is 'Platform roles: admin and moderator are granted by admins; user on email confirmation; group_owner while the user owns a group.';

create type public.dm_policy as enum ('everyone', 'followers', 'nobody');
comment on type public.dm_policy is 'Who may open a conversation with a user: everyone, the people the user follows, or nobody.';

-- Profiles ----------------------------------------------------------------------------------------

-- The author card every feed row carries, stored with the profile (profiles.card) because building it
-- was a tenth of a feed page (issue 16: jsonb_build_object looks up each argument's type on every
-- call). Immutable: its arguments are uuid and text. API roles execute it because a stored generated
-- column is computed as the writer (a user editing their display_name); it reads nothing.
create function private.profile_card(id uuid, display_name text, avatar_path text)
returns jsonb
language sql
immutable
parallel safe
set search_path = ''
as $$
  select jsonb_build_object('id', profile_card.id, 'display_name', profile_card.display_name, 'avatar_path', profile_card.avatar_path)
$$;
comment on function private.profile_card(uuid, text, text) is 'The author card of feed rows, {id, display_name, avatar_path}; the expression of public.profiles.card.';
grant execute on function private.profile_card(uuid, text, text) to anon, authenticated, service_role;

create table public.profiles (
  id uuid not null,
  display_name text not null,
  bio text not null default '',
  avatar_path text,
  is_private boolean not null default false,
  dm_policy public.dm_policy not null default 'everyone',
  followers_count integer not null default 0,
  following_count integer not null default 0,
  posts_count integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  discoverable boolean not null default true,
  card jsonb not null generated always as (private.profile_card(id, display_name, avatar_path)) stored,
  -- No foreign key to auth.users: a deleted account leaves its profile as a tombstone
  -- (private.erase_account, sql/82_accounts.sql); profiles are created by the auth.users trigger below.
  constraint profiles_pkey primary key (id),
  constraint profiles_display_name_length check (
    display_name = btrim(display_name) and char_length(display_name) between 1 and 50
  ),
  constraint profiles_display_name_plain check (private.is_plain_text(display_name)),
  constraint profiles_bio_length check (char_length(bio) <= 500),
  constraint profiles_avatar_path_in_own_folder check (
    avatar_path is null or (avatar_path like id::text || '/%' and char_length(avatar_path) <= 300)
  ),
  constraint profiles_followers_count_not_negative check (followers_count >= 0),
  constraint profiles_following_count_not_negative check (following_count >= 0),
  constraint profiles_posts_count_not_negative check (posts_count >= 0)
)
-- Room on each page for the counter updates (follows, posts) to stay HOT: without it every update of
-- a popular account's counters adds index entries, and reading its card (every feed row) slows down.
with (fillfactor = 80);
alter table public.profiles enable row level security;

comment on table public.profiles is 'Public face of a user: readable by everyone except users the owner blocks, written by its owner. Created by the database at sign-up.';
comment on column public.profiles.id is 'The user id (auth.users.id).';
comment on column public.profiles.display_name is 'Public name, 1–50 characters without surrounding spaces, control, bidi or invisible characters (private.is_plain_text); editable.';
comment on column public.profiles.bio is 'Public biography, at most 500 characters.';
comment on column public.profiles.avatar_path is 'Object path in the avatars bucket, inside the owner''s own folder (<user id>/…).';
comment on column public.profiles.is_private is 'When true, posts and follow lists are visible only to approved followers.';
comment on column public.profiles.dm_policy is 'Who may start a direct conversation with this user.';
comment on column public.profiles.followers_count is 'How many accepted followers the user has; kept exact by the database.';
comment on column public.profiles.following_count is 'How many users this user follows (accepted follows); kept exact by the database.';
comment on column public.profiles.posts_count is 'How many posts the user has authored; kept by the database.';
comment on column public.profiles.created_at is 'When the profile was created (sign-up).';
comment on column public.profiles.updated_at is 'When the owner last edited the profile (changes of the counts do not count).';
comment on column public.profiles.deleted_at is 'Set when the account was deleted: the profile stays as a tombstone ("Deleted account") so conversations and reply threads keep their other side.';
comment on column public.profiles.card is 'The author card feed rows carry, {id, display_name, avatar_path}, kept by the database (a generated column: private.profile_card).';

-- Only edits by the owner move updated_at; the counts change with every follow and would churn it.
create trigger profiles_set_updated_at
  before update of display_name, bio, avatar_path, is_private, dm_policy on public.profiles
  for each row execute function private.set_updated_at();

-- Usernames: login-only, immutable, never readable by another user ----------------------------------

create table private.usernames (
  user_id uuid not null,
  username text not null,
  created_at timestamptz not null default now(),
  constraint usernames_pkey primary key (user_id),
  constraint usernames_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint usernames_username_key unique (username),
  constraint usernames_username_format check (username ~ '^[a-z0-9_]{3,30}$')
);
comment on table private.usernames is 'The login username of each user, lower-case; never exposed to other users.';

create table private.reserved_usernames (
  username text not null,
  constraint reserved_usernames_pkey primary key (username)
);
comment on table private.reserved_usernames is 'Usernames nobody may register (impersonation and routing words).';
insert into private.reserved_usernames (username) values
  ('admin'), ('administrator'), ('root'), ('support'), ('help'), ('system'), ('moderator'),
  ('mod'), ('staff'), ('official'), ('security'), ('api'), ('www'), ('mail'), ('postmaster'),
  ('abuse'), ('null'), ('undefined'), ('anonymous'), ('everyone'), ('me'), ('settings'),
  ('login'), ('signup'), ('supabase'), ('service_role'), ('authenticated'), ('anon');

-- Helpers on hot paths (policies, triggers, validators) are plpgsql, not sql: with `set search_path`
-- a SQL function is never inlined and is parsed and planned again at every call, while plpgsql plans
-- its statements once per connection and caches them.
create function private.username_problem(candidate text)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return case
    when username_problem.candidate is null or lower(username_problem.candidate) !~ '^[a-z0-9_]{3,30}$'
      then 'username must be 3–30 characters of a-z, 0-9 and _'
    when exists (select from private.reserved_usernames r where r.username = lower(username_problem.candidate))
      then 'username is reserved'
    when exists (select from private.usernames u where u.username = lower(username_problem.candidate))
      then 'username is taken'
  end;
end
$$;
comment on function private.username_problem(text) is 'Why a username cannot be registered (format, reserved, taken), or null when it can. The one username rule.';

-- Platform roles ----------------------------------------------------------------------------------

create table public.user_roles (
  user_id uuid not null,
  role public.app_role not null,
  granted_at timestamptz not null default now(),
  granted_by uuid,
  constraint user_roles_pkey primary key (user_id, role),
  constraint user_roles_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade,
  constraint user_roles_granted_by_fkey foreign key (granted_by) references auth.users (id) on delete set null
);
create index user_roles_granted_by_idx on public.user_roles (granted_by);
create index user_roles_role_idx on public.user_roles (role, user_id);
alter table public.user_roles enable row level security;

comment on table public.user_roles is 'Platform roles held by each user. Users read their own; admins read all and grant admin/moderator.';
comment on column public.user_roles.user_id is 'The user holding the role.';
comment on column public.user_roles.role is 'admin | moderator | group_owner | user.';
comment on column public.user_roles.granted_at is 'When the role was granted.';
comment on column public.user_roles.granted_by is 'The admin who granted it; null when the database granted it.';

-- Helpers read by policies and RPCs (security definer: they read tables the caller cannot).
create function private.has_role(target_role public.app_role)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.user_roles ur
    where ur.user_id = (select auth.uid()) and ur.role = has_role.target_role
  );
end
$$;
comment on function private.has_role(public.app_role) is 'True when the caller holds the platform role.';

create function private.refuse_if_no_username()
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if (select auth.uid()) is not null
     and not exists (select from private.usernames u where u.user_id = (select auth.uid())) then
    raise exception 'choose a username before you do this'
      using errcode = '42501', hint = 'Call claim_username(username) once: 3–30 of a-z 0-9 _, not reserved, not taken.';
  end if;
end
$$;
comment on function private.refuse_if_no_username() is 'Raises 42501 `choose a username before you do this` when the signed-in caller has not claimed a username yet (users created by Studio, invites, the admin API or OAuth).';

create function private.current_user_can_act()
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  -- One positive answer per caller and client statement: an insert into posts asks through its
  -- policy, its before-insert trigger and its throttle (issue 16); the statement's later asks are a
  -- setting lookup. Transaction-local and tied to statement_timestamp(), so the next statement (after
  -- a suspension, say) asks again.
  memo text := (select auth.uid())::text || '@' || statement_timestamp()::text;
begin
  if memo is not null and current_setting('private.can_act', true) = memo then
    return true;
  end if;
  if not private.has_role('user') then
    -- Off the hot path: a user without the role user is unconfirmed, or has no username yet.
    perform private.refuse_if_no_username();
    return false;
  end if;
  -- A suspended user (sql/75_moderation.sql) reads but never writes: every write path calls this.
  perform private.refuse_if_suspended();
  if memo is not null then
    perform set_config('private.can_act', memo, true);
  end if;
  return true;
end
$$;
comment on function private.current_user_can_act() is 'True when the caller may write: signed in with a confirmed email and a username (role user). Raises 42501 `choose a username before you do this` for a signed-in user without a username, and PT403 (`your account is suspended …`) for a suspended user, so every write path refuses a suspension the same way.';

-- Who the caller is when nobody signed in: an operator (Studio's table or SQL editor, psql, a job)
-- connects as a database role without a JWT; API requests always carry claims (anon included).
-- A session that switched to an API role (set role anon/authenticated/service_role) is a client even
-- without claims: the `role` setting keeps the switched-to role inside security-definer functions,
-- where current_user is the function's owner.
create function private.is_operator()
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return (select auth.uid()) is null
    and coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb ->> 'role' is null
    and session_user not in ('authenticator', 'anon', 'authenticated', 'service_role')
    and coalesce(current_setting('role', true), 'none') not in ('anon', 'authenticated', 'service_role');
end
$$;
comment on function private.is_operator() is 'True when the caller is a platform operator: a database session with no JWT (Supabase Studio''s table and SQL editors, psql), not an API request; never when the session has switched to anon, authenticated or service_role, claims or not.';

create function private.actor_label()
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  claims_role text := coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb ->> 'role';
begin
  if (select auth.uid()) is not null then
    return 'user';
  end if;
  if claims_role is not null then
    return claims_role;
  end if;
  -- An API role without claims is a client, never an operator (private.is_operator()).
  if coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated', 'service_role') then
    return current_setting('role', true);
  end if;
  return 'operator:' || session_user;
end
$$;
comment on function private.actor_label() is 'Who acts, for audit rows: user (see auth.uid()), the JWT role of a request without a user (service_role, anon), or operator:<database role> for a session without a JWT (Studio, psql).';

create function private.is_platform_moderator()
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select from public.user_roles ur
    where ur.user_id = (select auth.uid()) and ur.role in ('moderator', 'admin')
  );
end
$$;
comment on function private.is_platform_moderator() is 'True when the caller is a platform moderator or admin (admins can do all a moderator can).';

create function private.require_can_act()
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if (select auth.uid()) is null then
    raise exception 'sign in required' using errcode = '42501';
  end if;
  if not private.current_user_can_act() then
    -- current_user_can_act has already refused a user without a username by name.
    raise exception 'confirm your email address before you do this'
      using errcode = '42501', hint = 'Users without a confirmed email can read but not write.';
  end if;
  return (select auth.uid());
end
$$;
comment on function private.require_can_act() is 'Returns the caller''s id, or raises 42501 when the caller is anonymous, has no username yet or has no confirmed email.';

-- Sign-up, confirmation and metadata updates from GoTrue ---------------------------------------------

create function private.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  wanted_username text := new.raw_user_meta_data ->> 'username';
  wanted_display_name text := btrim(new.raw_user_meta_data ->> 'display_name');
  problem text := private.username_problem(wanted_username);
  fallback_name text;
begin
  -- No username in the metadata: a user made by Studio, an invite, the admin API or an OAuth sign-in.
  -- Created with a profile and no username; the display name comes from what the provider sent
  -- (display_name, full_name, name), else 'New user' (never from the email: it is private);
  -- claim_username comes later.
  if wanted_username is null then
    foreach fallback_name in array array[
      wanted_display_name, btrim(new.raw_user_meta_data ->> 'full_name'), btrim(new.raw_user_meta_data ->> 'name'), 'New user'
    ] loop
      if fallback_name is not null and char_length(fallback_name) between 1 and 50 and private.is_plain_text(fallback_name) then
        exit;
      end if;
    end loop;
    insert into public.profiles (id, display_name) values (new.id, fallback_name);
    return new;
  end if;
  if problem is not null then
    raise exception '%', problem
      using errcode = case when problem = 'username is taken' then '23505' else '22023' end,
            hint = 'Sign-up needs raw_user_meta_data.username: 3–30 of a-z 0-9 _, not reserved, not taken.';
  end if;
  if wanted_display_name is null or char_length(wanted_display_name) not between 1 and 50 then
    raise exception 'display name must be 1–50 characters'
      using errcode = '22023', hint = 'Sign-up needs raw_user_meta_data.display_name.';
  end if;
  if not private.is_plain_text(wanted_display_name) then
    raise exception 'display name must not contain control, bidi or invisible characters'
      using errcode = '22023', hint = 'The name rule: private.is_plain_text (docs/errors.md).';
  end if;

  insert into private.usernames (user_id, username) values (new.id, lower(wanted_username));
  insert into public.profiles (id, display_name) values (new.id, wanted_display_name);
  if new.email_confirmed_at is not null then
    insert into public.user_roles (user_id, role) values (new.id, 'user') on conflict do nothing;
  end if;
  return new;
end
$$;
comment on function private.handle_new_user() is 'Trigger on auth.users insert: validates the username and display name, stores the username privately and creates the profile. Without a username in the metadata it creates the profile only (display name from display_name, full_name or name in the metadata, else New user), and the user claims a username later.';

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_user();

create function private.handle_user_confirmed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select from private.usernames u where u.user_id = new.id) then
    insert into public.user_roles (user_id, role) values (new.id, 'user') on conflict do nothing;
  end if;
  return new;
end
$$;
comment on function private.handle_user_confirmed() is 'Trigger on auth.users: grants the role user when the email is confirmed (and the user has a username; claim_username grants it otherwise).';

create trigger on_auth_user_confirmed
  after update of email_confirmed_at on auth.users
  for each row
  when (old.email_confirmed_at is null and new.email_confirmed_at is not null)
  execute function private.handle_user_confirmed();

create function private.keep_username_immutable()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  stored text;
begin
  select u.username into stored from private.usernames u where u.user_id = new.id;
  if stored is not null and new.raw_user_meta_data ->> 'username' is distinct from stored then
    new.raw_user_meta_data := coalesce(new.raw_user_meta_data, '{}'::jsonb)
      || jsonb_build_object('username', stored);
  end if;
  return new;
end
$$;
comment on function private.keep_username_immutable() is 'Trigger on auth.users: user metadata always carries the stored username, whatever an update sends.';

create trigger on_auth_user_metadata_updated
  before update of raw_user_meta_data on auth.users
  for each row execute function private.keep_username_immutable();

-- RPCs ----------------------------------------------------------------------------------------------

create function public.username_available(candidate text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.username_problem(username_available.candidate) is null
$$;
comment on function public.username_available(text) is 'True when the username could be registered now (valid format, not reserved, not taken). Callable by anyone.';

create function private.claim_username(wanted text)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  problem text := private.username_problem(claim_username.wanted);
  claimed text := lower(claim_username.wanted);
begin
  if me is null then
    raise exception 'sign in required' using errcode = '42501';
  end if;
  perform from public.profiles p where p.id = me for update;
  if exists (select from private.usernames u where u.user_id = me) then
    raise exception 'you already have a username; it cannot change' using errcode = 'PT409',
      hint = 'A username is claimed once and is immutable after.';
  end if;
  if problem is not null then
    raise exception '%', problem
      using errcode = case when problem = 'username is taken' then '23505' else '22023' end,
            hint = 'A username is 3–30 of a-z 0-9 _, not reserved, not taken.';
  end if;
  begin
    insert into private.usernames (user_id, username) values (me, claimed);
  exception when unique_violation then
    raise exception 'username is taken' using errcode = '23505';
  end;
  if exists (select from auth.users u where u.id = me and u.email_confirmed_at is not null) then
    insert into public.user_roles (user_id, role) values (me, 'user') on conflict do nothing;
  end if;
  return claimed;
end
$$;
comment on function private.claim_username(text) is 'claim_username: stores the caller''s first username and grants the role user when the email is confirmed.';

create function public.claim_username(username text)
returns text
language sql
set search_path = ''
as $$
  select private.claim_username(claim_username.username)
$$;
comment on function public.claim_username(text) is 'For users created without a username (Studio, invites, the admin API, OAuth): claims one, once. Returns it lower-cased. 22023 bad or reserved, 23505 taken, PT409 already has one (usernames are immutable). Until then the user reads but cannot write.';

create function private.my_account()
returns json
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  result json;
begin
  if me is null then
    raise exception 'sign in required' using errcode = '42501';
  end if;
  select json_build_object(
    'id', u.id,
    'username', un.username,
    'email', u.email,
    'email_confirmed', u.email_confirmed_at is not null,
    'roles', coalesce((select json_agg(r.role order by r.role) from public.user_roles r where r.user_id = u.id), '[]'::json),
    'suspended', s.user_id is not null,
    'suspended_until', s.until,
    'suspension_reason', s.reason,
    'profile', (select row_to_json(p) from public.profiles p where p.id = u.id),
    -- {requested_at, deletes_at} while a deletion is pending (sql/82_accounts.sql), else null.
    'deletion', private.pending_account_deletion(u.id)
  ) into result
  from auth.users u
  left join private.usernames un on un.user_id = u.id
  left join public.suspensions s on s.user_id = u.id and (s.until is null or s.until > now())
  where u.id = me;
  return result;
end
$$;
comment on function private.my_account() is 'The caller''s own account: id, username, email, roles, profile and a pending deletion.';

create function public.my_account()
returns json
language sql
stable
set search_path = ''
as $$
  select private.my_account()
$$;
comment on function public.my_account() is 'The caller''s own account: id, username, email, email_confirmed, roles, suspended, suspended_until (null when permanent or not suspended), suspension_reason, profile and deletion ({requested_at, deletes_at} while a deletion is pending, else null). Signed-in users only.';

create function private.set_user_role(target_user uuid, target_role public.app_role, granted boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
begin
  if not private.has_role('admin') then
    raise exception 'only platform admins can change roles' using errcode = '42501';
  end if;
  if target_role not in ('admin', 'moderator') then
    raise exception 'role % is managed by the database', target_role
      using errcode = '22023', hint = 'Admins grant admin and moderator; user and group_owner follow the account''s state.';
  end if;
  if not exists (select from auth.users u where u.id = target_user) then
    raise exception 'user not found' using errcode = 'PT404';
  end if;
  if not granted and target_role = 'admin' and target_user = me then
    raise exception 'admins cannot remove their own admin role' using errcode = '22023',
      hint = 'Another admin must do it, so the platform never loses its last admin by accident.';
  end if;
  if granted then
    insert into public.user_roles (user_id, role, granted_by) values (target_user, target_role, me)
    on conflict do nothing;
  else
    delete from public.user_roles ur where ur.user_id = target_user and ur.role = target_role;
  end if;
end
$$;
comment on function private.set_user_role(uuid, public.app_role, boolean) is 'Grants or revokes admin/moderator; platform admins only.';

create function public.set_user_role(user_id uuid, role public.app_role, granted boolean)
returns void
language sql
set search_path = ''
as $$
  select private.set_user_role(set_user_role.user_id, set_user_role.role, set_user_role.granted)
$$;
comment on function public.set_user_role(uuid, public.app_role, boolean) is 'Platform admins grant (granted = true) or revoke admin and moderator roles. Repeating a call changes nothing.';

-- Username login: the edge function auth-login resolves a username to its email as service_role.
create function private.login_email(identifier text)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select u.email
  from private.usernames un
  join auth.users u on u.id = un.user_id
  where un.username = lower(login_email.identifier)
$$;
comment on function private.login_email(text) is 'The email behind a username, for the auth-login edge function only (service_role).';

-- The Custom Access Token hook: GoTrue calls it as supabase_auth_admin inside the token transaction.
create function public.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  roles jsonb;
begin
  -- Marks the reader seen for the home-feed fan-out, and rebuilds a returning reader's inbox
  -- (private.feed_reader_seen, sql/60_feeds.sql; issue 16). Volatile for that write.
  perform private.feed_reader_seen((event ->> 'user_id')::uuid);
  select coalesce(jsonb_agg(ur.role::text order by ur.role), '[]'::jsonb) into roles
  from public.user_roles ur
  where ur.user_id = (event ->> 'user_id')::uuid;
  return jsonb_build_object('claims', claims || jsonb_build_object('user_roles', roles));
end
$$;
comment on function public.custom_access_token_hook(jsonb) is 'Supabase Auth custom access token hook: adds claim user_roles (text array), and marks the user seen for the home-feed fan-out (rebuilding the inbox of a reader back after 6 days or more: private.feed_reader_seen). Executable by supabase_auth_admin only.';

-- Grants ---------------------------------------------------------------------------------------------

grant select on public.profiles to anon, authenticated;
grant update (display_name, bio, avatar_path, is_private, dm_policy) on public.profiles to authenticated;
grant select, insert, update, delete on public.profiles to service_role;

grant select on public.user_roles to authenticated, supabase_auth_admin;
grant select, insert, update, delete on public.user_roles to service_role;

grant execute on function private.username_problem(text) to anon, authenticated, service_role;
grant execute on function private.has_role(public.app_role) to authenticated, service_role;
grant execute on function private.current_user_can_act() to authenticated, service_role;
grant execute on function private.is_operator() to authenticated, service_role;
grant execute on function private.actor_label() to authenticated, service_role;
grant execute on function private.is_platform_moderator() to authenticated, service_role;
grant execute on function private.require_can_act() to authenticated, service_role;
grant execute on function private.refuse_if_no_username() to authenticated, service_role;
grant execute on function private.claim_username(text) to authenticated;
grant execute on function private.my_account() to authenticated;
grant execute on function private.set_user_role(uuid, public.app_role, boolean) to authenticated;
grant execute on function private.login_email(text) to service_role;

grant execute on function public.username_available(text) to anon, authenticated, service_role;
grant execute on function public.my_account() to authenticated;
grant execute on function public.claim_username(text) to authenticated;
grant execute on function public.set_user_role(uuid, public.app_role, boolean) to authenticated;

grant usage on schema public to supabase_auth_admin;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;
revoke execute on function public.custom_access_token_hook(jsonb) from authenticated, anon, public;
