-- Bookmarks: a user's private list of saved posts.
-- Objects: table public.bookmarks; write rule (trigger); grants.
-- Caveats: only the owner reads them, and only while the post stays visible to the owner; a bookmark
-- is made only of a post the owner can see (PT404 otherwise, as for a post that does not exist).

create table public.bookmarks (
  user_id uuid not null default auth.uid(),
  post_id uuid not null,
  created_at timestamptz not null default now(),
  constraint bookmarks_pkey primary key (user_id, post_id),
  constraint bookmarks_user_id_fkey foreign key (user_id) references public.profiles (id) on delete cascade,
  constraint bookmarks_post_id_fkey foreign key (post_id) references public.posts (id) on delete cascade
);
alter table public.bookmarks enable row level security;

-- The owner's list, newest first; the post's bookmarks go with it.
create index bookmarks_user_created_idx on public.bookmarks (user_id, created_at desc, post_id);
-- (post_id, user_id), not post_id alone: "did I bookmark this post" (feed hydration) finds one entry
-- whichever of this index and the primary key a generic plan picks.
create index bookmarks_post_id_idx on public.bookmarks (post_id, user_id);

comment on table public.bookmarks is 'Posts a user saved: private to that user, listed only while the post stays visible to them.';
comment on column public.bookmarks.user_id is 'The owner; set to the caller.';
comment on column public.bookmarks.post_id is 'The saved post.';
comment on column public.bookmarks.created_at is 'When it was saved.';

create function private.bookmarks_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
begin
  if me is not null then
    perform private.require_can_act();
    if new.user_id is distinct from me then
      raise exception 'you can only bookmark for yourself' using errcode = '42501';
    end if;
    if not private.can_see_post_id(new.post_id) then
      raise exception 'post not found' using errcode = 'PT404';
    end if;
  end if;
  if exists (select from public.bookmarks b where b.user_id = new.user_id and b.post_id = new.post_id) then
    raise exception 'you already bookmarked this post' using errcode = '23505';
  end if;
  return new;
end
$$;
comment on function private.bookmarks_before_insert() is 'Trigger: a bookmark is made by its confirmed owner, of a post the owner can see.';

create trigger bookmarks_before_insert
  before insert on public.bookmarks
  for each row execute function private.bookmarks_before_insert();

grant select, delete on public.bookmarks to authenticated;
grant insert (user_id, post_id) on public.bookmarks to authenticated;
grant select, insert, update, delete on public.bookmarks to service_role;
