-- Reactions: one per user per post or comment, of a kind like|love|haha|wow|sad|angry.
-- Objects: type reaction_kind; table public.reactions; RPC react() (upsert: a new kind replaces the
-- old); counts by kind on posts and comments; notification 'reaction'; grants.
-- Caveats: clients react with react() (or insert / PATCH kind of their own row) and un-react with
-- DELETE. Counts move once per statement and target under row locks taken in id order (posts, then
-- comments), each from the row's latest version, so they are exact under concurrency. Counts are
-- totals: they include reactions of users a block hides from the reader (the rows stay hidden).

create type public.reaction_kind as enum ('like', 'love', 'haha', 'wow', 'sad', 'angry');
comment on type public.reaction_kind is 'Kinds of reaction.';

create table public.reactions (
  id uuid not null default gen_random_uuid(),
  user_id uuid not null default auth.uid(),
  post_id uuid,
  comment_id uuid,
  kind public.reaction_kind not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint reactions_pkey primary key (id),
  constraint reactions_user_id_fkey foreign key (user_id) references public.profiles (id) on delete cascade,
  constraint reactions_post_id_fkey foreign key (post_id) references public.posts (id) on delete cascade,
  constraint reactions_comment_id_fkey foreign key (comment_id) references public.comments (id) on delete cascade,
  constraint reactions_one_target check (num_nonnulls(post_id, comment_id) = 1),
  constraint reactions_user_id_post_id_key unique (user_id, post_id),
  constraint reactions_user_id_comment_id_key unique (user_id, comment_id)
);
alter table public.reactions enable row level security;

-- A target's reactions (counts, cascades). The user rides second so that "my reaction to this post"
-- (feed hydration, a generic plan) finds one entry whichever of this index and the unique one the
-- planner picks: with post_id alone, a probe of a post with 100k reactions read them all.
create index reactions_post_id_idx on public.reactions (post_id, user_id) where post_id is not null;
create index reactions_comment_id_idx on public.reactions (comment_id, user_id) where comment_id is not null;

create trigger reactions_set_updated_at
  before update on public.reactions
  for each row execute function private.set_updated_at();

comment on table public.reactions is 'One reaction per user per post or comment. Visible with its target, never across a block with the reacting user; written by the user (react() replaces the kind).';
comment on column public.reactions.id is 'Reaction id.';
comment on column public.reactions.user_id is 'Who reacted; set to the caller.';
comment on column public.reactions.post_id is 'The post reacted to (exactly one of post_id, comment_id).';
comment on column public.reactions.comment_id is 'The comment reacted to (exactly one of post_id, comment_id).';
comment on column public.reactions.kind is 'like | love | haha | wow | sad | angry; the user may change it.';
comment on column public.reactions.created_at is 'When the user first reacted.';
comment on column public.reactions.updated_at is 'When the kind last changed.';

-- Write rules ---------------------------------------------------------------------------------------

create function private.reactions_before_write()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
begin
  if tg_op = 'UPDATE' then
    if new.user_id is distinct from old.user_id or new.post_id is distinct from old.post_id
       or new.comment_id is distinct from old.comment_id then
      raise exception 'the user and target of a reaction cannot change' using errcode = '22023';
    end if;
    -- A change of kind is judged like a new reaction: never across a block, never on what the user
    -- can no longer see (issue 14, finding 4). Removing (DELETE) stays possible.
    if me is not null and new.kind is distinct from old.kind and not (
      case when new.post_id is not null then private.can_see_post_id(new.post_id)
           else private.can_see_comment(new.comment_id) end
    ) then
      if new.post_id is not null then
        raise exception 'post not found' using errcode = 'PT404';
      end if;
      raise exception 'comment not found' using errcode = 'PT404';
    end if;
    return new;
  end if;
  if me is not null then
    perform private.require_can_act();
    if new.user_id is distinct from me then
      raise exception 'you can only react as yourself' using errcode = '42501';
    end if;
  end if;
  if new.post_id is not null then
    if (me is not null and not private.can_see_post_id(new.post_id))
       or (me is null and not exists (select from public.posts p where p.id = new.post_id)) then
      raise exception 'post not found' using errcode = 'PT404';
    end if;
  elsif new.comment_id is not null then
    if (me is not null and not private.can_see_comment(new.comment_id))
       or not exists (select from public.comments c where c.id = new.comment_id and c.deleted_at is null) then
      raise exception 'comment not found' using errcode = 'PT404';
    end if;
  end if;
  if exists (
    select from public.posts p
    where p.locked_at is not null
      and p.id = coalesce(new.post_id, (select c.post_id from public.comments c where c.id = new.comment_id))
  ) then
    raise exception 'this post is locked' using errcode = 'PT409',
      hint = 'A moderator locked it: no new comments or reactions.';
  end if;
  return new;
end
$$;
comment on function private.reactions_before_write() is 'Trigger: a reaction is written, and its kind changed, by its confirmed user on a post or live comment the user can see (blocks included); its user and target never change.';

create trigger reactions_before_write
  before insert or update on public.reactions
  for each row execute function private.reactions_before_write();

-- Counts --------------------------------------------------------------------------------------------

-- plpgsql, not sql: it runs per updated row, and a SQL function with `set search_path` is never
-- inlined and is planned again at every call, where plpgsql plans once per connection.
create function private.add_reaction_counts(counts jsonb, delta jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  -- An aggregate without group by at the top: always exactly one row.
  return (
    select coalesce(jsonb_object_agg(t.kind, t.n) filter (where t.n <> 0), '{}'::jsonb)
    from (
      select s.kind, sum(s.n)::integer as n
      from (
        select e.key as kind, e.value::integer as n from jsonb_each_text(add_reaction_counts.counts) e
        union all
        select e.key, e.value::integer from jsonb_each_text(add_reaction_counts.delta) e
      ) s
      group by s.kind
    ) t
  );
end
$$;
comment on function private.add_reaction_counts(jsonb, jsonb) is 'Adds counts by kind ({"like": 1} + {"like": -1, "love": 1}); kinds that reach zero are dropped.';

-- deltas: [{"post_id" | "comment_id", "kind", "n"}] with one entry per target and kind.
create function private.apply_reaction_deltas(deltas jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if deltas is null or jsonb_array_length(apply_reaction_deltas.deltas) = 0 then
    return;
  end if;
  perform from public.posts p
  where p.id in (select (d ->> 'post_id')::uuid from jsonb_array_elements(apply_reaction_deltas.deltas) d)
  order by p.id for no key update;
  update public.posts p
  set reaction_counts = private.add_reaction_counts(p.reaction_counts, x.delta),
      reaction_count = p.reaction_count + x.total
  from (
    select (d ->> 'post_id')::uuid as id, jsonb_object_agg(d ->> 'kind', (d ->> 'n')::integer) as delta,
      sum((d ->> 'n')::integer)::integer as total
    from jsonb_array_elements(apply_reaction_deltas.deltas) d
    where d ->> 'post_id' is not null
    group by 1
  ) x
  where p.id = x.id;
  perform from public.comments c
  where c.id in (select (d ->> 'comment_id')::uuid from jsonb_array_elements(apply_reaction_deltas.deltas) d)
  order by c.id for no key update;
  update public.comments c
  set reaction_counts = private.add_reaction_counts(c.reaction_counts, x.delta),
      reaction_count = c.reaction_count + x.total
  from (
    select (d ->> 'comment_id')::uuid as id, jsonb_object_agg(d ->> 'kind', (d ->> 'n')::integer) as delta,
      sum((d ->> 'n')::integer)::integer as total
    from jsonb_array_elements(apply_reaction_deltas.deltas) d
    where d ->> 'comment_id' is not null
    group by 1
  ) x
  where c.id = x.id;
end
$$;
comment on function private.apply_reaction_deltas(jsonb) is 'Applies reaction count changes [{"post_id"|"comment_id", "kind", "n"}] to posts and comments, locking posts then comments in id order; each update reads the row''s latest version.';

create function private.reactions_count_inserted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.apply_reaction_deltas((
    select jsonb_agg(jsonb_build_object('post_id', d.post_id, 'comment_id', d.comment_id, 'kind', d.kind, 'n', d.n))
    from (select n.post_id, n.comment_id, n.kind, count(*)::integer as n from new_rows n group by 1, 2, 3) d
  ));
  return null;
end
$$;
comment on function private.reactions_count_inserted() is 'Statement trigger: counts the reactions just written on their targets.';

create trigger reactions_count_inserted
  after insert on public.reactions
  referencing new table as new_rows
  for each statement execute function private.reactions_count_inserted();

create function private.reactions_count_updated()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.apply_reaction_deltas((
    select jsonb_agg(jsonb_build_object('post_id', d.post_id, 'comment_id', d.comment_id, 'kind', d.kind, 'n', d.n))
    from (
      select s.post_id, s.comment_id, s.kind, sum(s.n)::integer as n
      from (
        select n.post_id, n.comment_id, n.kind, 1 as n from new_rows n
        union all
        select o.post_id, o.comment_id, o.kind, -1 from old_rows o
      ) s
      group by 1, 2, 3
      having sum(s.n) <> 0
    ) d
  ));
  return null;
end
$$;
comment on function private.reactions_count_updated() is 'Statement trigger: moves the counts of reactions whose kind just changed.';

create trigger reactions_count_updated
  after update on public.reactions
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.reactions_count_updated();

create function private.reactions_count_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.apply_reaction_deltas((
    select jsonb_agg(jsonb_build_object('post_id', d.post_id, 'comment_id', d.comment_id, 'kind', d.kind, 'n', -d.n))
    from (select o.post_id, o.comment_id, o.kind, count(*)::integer as n from old_rows o group by 1, 2, 3) d
  ));
  return null;
end
$$;
comment on function private.reactions_count_deleted() is 'Statement trigger: uncounts the reactions just removed.';

create trigger reactions_count_deleted
  after delete on public.reactions
  referencing old table as old_rows
  for each statement execute function private.reactions_count_deleted();

-- Notifications: the target's author hears of reactions, grouped per target while unread.
create function private.notify_reaction()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  target_author uuid;
  target_post uuid;
begin
  if new.post_id is not null then
    select p.author_id, p.id into target_author, target_post from public.posts p where p.id = new.post_id;
  else
    select c.author_id, c.post_id into target_author, target_post from public.comments c where c.id = new.comment_id;
  end if;
  perform private.notify(target_author, new.user_id, 'reaction', coalesce(new.post_id, new.comment_id),
    jsonb_build_object('post_id', target_post, 'comment_id', new.comment_id, 'kind', new.kind));
  return null;
end
$$;
comment on function private.notify_reaction() is 'Trigger: notifies the author of the post or comment reacted to (grouped per target by private.notify).';

create trigger reactions_notify
  after insert on public.reactions
  for each row execute function private.notify_reaction();

-- A removed reaction takes the unread notification it alone caused.
create function private.forget_reaction_notification()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.notifications n
  where n.actor_id = old.user_id and n.kind = 'reaction' and n.subject_id = coalesce(old.post_id, old.comment_id)
    and n.actor_count = 1 and n.read_at is null;
  return null;
end
$$;
comment on function private.forget_reaction_notification() is 'Trigger: a removed reaction deletes the unread reaction notification it alone caused (grouped ones stay).';

create trigger reactions_forget_notification
  after delete on public.reactions
  for each row execute function private.forget_reaction_notification();

-- RPC -----------------------------------------------------------------------------------------------

create function public.react(kind public.reaction_kind, post_id uuid default null, comment_id uuid default null)
returns public.reactions
language plpgsql
security invoker
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  result public.reactions;
begin
  if num_nonnulls(react.post_id, react.comment_id) <> 1 then
    raise exception 'react to exactly one of post_id and comment_id' using errcode = '22023';
  end if;
  if react.post_id is not null then
    insert into public.reactions as r (user_id, post_id, kind)
    values (me, react.post_id, react.kind)
    on conflict on constraint reactions_user_id_post_id_key do update set kind = excluded.kind
    returning * into result;
  else
    insert into public.reactions as r (user_id, comment_id, kind)
    values (me, react.comment_id, react.kind)
    on conflict on constraint reactions_user_id_comment_id_key do update set kind = excluded.kind
    returning * into result;
  end if;
  return result;
end
$$;
comment on function public.react(public.reaction_kind, uuid, uuid) is 'Reacts to a post or a comment (exactly one) as the caller: the first reaction inserts, a later one replaces its kind. Returns the reaction. Un-react with DELETE /reactions.';

grant select on public.reactions to anon, authenticated;
grant insert (user_id, post_id, comment_id, kind) on public.reactions to authenticated;
grant update (kind) on public.reactions to authenticated;
grant delete on public.reactions to authenticated;
grant select, insert, update, delete on public.reactions to service_role;

grant execute on function private.add_reaction_counts(jsonb, jsonb) to service_role;
grant execute on function private.apply_reaction_deltas(jsonb) to service_role;
grant execute on function public.react(public.reaction_kind, uuid, uuid) to authenticated;
