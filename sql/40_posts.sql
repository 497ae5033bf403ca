-- Posts: user posts and group posts made of content blocks (sql/35_content.sql validates them).
-- Objects: table public.posts; private.can_see_post(); the write rules (trigger); grants.
-- Caveats: who sees a post is one predicate, private.can_see_post, used by the select policy and by
-- every later domain (comments, reactions, feeds). Counters on a post are kept by the database.

create table public.posts (
  id uuid not null default gen_random_uuid(),
  author_id uuid not null default auth.uid(),
  group_id uuid,
  title text,
  content jsonb not null,
  idempotency_key text,
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  updated_at timestamptz not null default now(),
  comment_count integer not null default 0,
  reaction_count integer not null default 0,
  reaction_counts jsonb not null default '{}'::jsonb,
  constraint posts_pkey primary key (id),
  constraint posts_author_id_fkey foreign key (author_id) references public.profiles (id) on delete cascade,
  constraint posts_group_id_fkey foreign key (group_id) references public.groups (id) on delete cascade,
  constraint posts_title_length check (title is null or (title = btrim(title) and char_length(title) between 1 and 300)),
  constraint posts_group_posts_have_a_title check (group_id is null or title is not null),
  constraint posts_content_valid check (private.assert_valid_content(content)),
  constraint posts_idempotency_key_length check (idempotency_key is null or char_length(idempotency_key) between 1 and 100),
  constraint posts_author_id_idempotency_key_key unique (author_id, idempotency_key),
  constraint posts_counts_not_negative check (comment_count >= 0 and reaction_count >= 0)
);
alter table public.posts enable row level security;

-- Profile pages and group pages read newest first by (created_at, id); the home feed reads by id.
create index posts_author_created_idx on public.posts (author_id, created_at desc, id desc);
create index posts_group_created_idx on public.posts (group_id, created_at desc, id desc) where group_id is not null;
create index posts_created_idx on public.posts (created_at desc, id desc);

create trigger posts_set_updated_at
  before update on public.posts
  for each row execute function private.set_updated_at();

comment on table public.posts is 'Posts of users (group_id null) and of groups. Visible per private.can_see_post: the author; anyone for public profiles and active public groups; accepted followers of private profiles; active members of private groups; never across a block.';
comment on column public.posts.id is 'Post id.';
comment on column public.posts.author_id is 'The author; set to the caller.';
comment on column public.posts.group_id is 'The group it was posted in, or null for a profile post.';
comment on column public.posts.title is 'Optional title of a profile post, required for a group post; 1–300 characters without surrounding spaces.';
comment on column public.posts.content is 'The content: {"blocks": [...], "schema_version"?: 1}, validated on every write (docs/content-blocks.md).';
comment on column public.posts.idempotency_key is 'A client-chosen key unique per author: a retried create returns the first post instead of posting twice.';
comment on column public.posts.created_at is 'When it was posted.';
comment on column public.posts.edited_at is 'When the author last edited title or content; null if never.';
comment on column public.posts.updated_at is 'When the row last changed (edits and counters).';
comment on column public.posts.comment_count is 'Number of comments (kept by the database).';
comment on column public.posts.reaction_count is 'Number of reactions of every kind (kept by the database).';
comment on column public.posts.reaction_counts is 'Reactions by kind, e.g. {"like": 3, "love": 1} (kept by the database).';

-- Who sees a post ----------------------------------------------------------------------------------

create function private.can_see_post(author uuid, target_group uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  g record;
begin
  if can_see_post.author = me then
    return true;
  end if;
  if me is not null and private.is_blocked_between(me, can_see_post.author) then
    return false;
  end if;
  if can_see_post.target_group is null then
    return exists (select from public.profiles p where p.id = can_see_post.author and not p.is_private)
      or exists (
        select from public.follows f
        where f.follower_id = me and f.followee_id = can_see_post.author and f.status = 'accepted'
      );
  end if;
  select gr.status, gr.visibility into g from public.groups gr where gr.id = can_see_post.target_group;
  if not found or g.status <> 'active' then
    return false;
  end if;
  return g.visibility = 'public'
    or exists (
      select from public.group_members m
      where m.group_id = can_see_post.target_group and m.user_id = me and m.status = 'active'
    );
end
$$;
comment on function private.can_see_post(uuid, uuid) is 'Who sees a post of this author in this group (null: a profile post): the author; nobody across a block; anyone for public profiles and active public groups; accepted followers of private profiles; active members of active private groups.';

-- Write rules that span rows (column rules are constraints) ------------------------------------------

create function private.posts_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  g record;
  my_role public.group_role;
begin
  if me is not null then
    perform private.require_can_act();
    if new.author_id is distinct from me then
      raise exception 'you can only post as yourself' using errcode = '42501';
    end if;
  end if;
  if new.group_id is null then
    return new;
  end if;
  select gr.kind, gr.status into g from public.groups gr where gr.id = new.group_id;
  if not found then
    raise exception 'group not found' using errcode = 'PT404';
  end if;
  if g.status <> 'active' then
    raise exception 'nobody can post in a group that is not active' using errcode = 'PT409';
  end if;
  select m.role into my_role from public.group_members m
  where m.group_id = new.group_id and m.user_id = new.author_id and m.status = 'active';
  if my_role is null then
    raise exception 'only active members can post in this group' using errcode = '42501';
  end if;
  if g.kind = 'institution' and my_role = 'member' then
    raise exception 'only owners and admins post in an institution' using errcode = '42501';
  end if;
  return new;
end
$$;
comment on function private.posts_before_insert() is 'Trigger: a post is written by its confirmed author; group posts need an active group and an active membership (institutions: owners and admins).';

create trigger posts_before_insert
  before insert on public.posts
  for each row execute function private.posts_before_insert();

grant select on public.posts to anon, authenticated;
grant insert (author_id, group_id, title, content, idempotency_key) on public.posts to authenticated;
grant update (title, content) on public.posts to authenticated;
grant delete on public.posts to authenticated;
grant select, insert, update, delete on public.posts to service_role;

grant execute on function private.can_see_post(uuid, uuid) to anon, authenticated, service_role;
