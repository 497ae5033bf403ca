-- Group memberships: the membership state machine, member counts and the group_owner platform role.
-- Objects: table public.group_members; triggers that keep member counts and the group_owner role;
-- RPCs join_group, leave_group, invite_to_group, respond_to_invite, review_join_request,
-- set_member_role, transfer_group_ownership, remove_group_member.
-- Caveats:
--   * Memberships change only through the RPCs (no client DML).
--   * Every membership RPC locks the group row first (the same lock the count update takes), so the
--     transitions of one group are serialized and lock order is always group, then memberships.

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

grant select on public.group_members to anon, authenticated;
grant select, insert, update, delete on public.group_members to service_role;

grant execute on function private.join_group(uuid, text) to authenticated;
grant execute on function private.leave_group(uuid) to authenticated;
grant execute on function private.invite_to_group(uuid, uuid) to authenticated;
grant execute on function private.respond_to_invite(uuid, boolean) to authenticated;
grant execute on function private.review_join_request(uuid, uuid, boolean) to authenticated;
grant execute on function private.set_member_role(uuid, uuid, public.group_role) to authenticated;
grant execute on function private.transfer_group_ownership(uuid, uuid) to authenticated;
grant execute on function private.remove_group_member(uuid, uuid) to authenticated;

grant execute on function public.join_group(uuid, text) to authenticated;
grant execute on function public.leave_group(uuid) to authenticated;
grant execute on function public.invite_to_group(uuid, uuid) to authenticated;
grant execute on function public.respond_to_invite(uuid, boolean) to authenticated;
grant execute on function public.review_join_request(uuid, uuid, boolean) to authenticated;
grant execute on function public.set_member_role(uuid, uuid, public.group_role) to authenticated;
grant execute on function public.transfer_group_ownership(uuid, uuid) to authenticated;
grant execute on function public.remove_group_member(uuid, uuid) to authenticated;
