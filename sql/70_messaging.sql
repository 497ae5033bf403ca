-- Messaging: 1–1 conversations, message requests, messages, unread counts and the dm:<id> topics.
-- Objects: types conversation_state, conversation_list_item, message_list_item; tables
-- public.conversations, public.conversation_participants, public.messages; predicates
-- private.my_conversation_ids(), private.can_use_dm_topic(), private.dm_refusal(); triggers that
-- check and number messages, keep the participants' state and broadcast on dm:<conversation id>,
-- and one on blocks that takes the pair's conversation lock; RPCs start_conversation,
-- accept_message_request, decline_message_request, delete_message, mark_conversation_read,
-- my_conversations, conversation_messages.
-- Caveats:
-- * One conversation per unordered pair (user_low < user_high, unique). start_conversation locks
--   both profile rows (private.lock_profiles, as follows and blocks do) and inserts with
--   `on conflict do nothing`, so both sides calling at once get the same id.
-- * A message is checked and numbered under its conversation row lock, and a new block takes the
--   same lock (after its follow and profile locks), so a send racing a block either commits first
--   or sees the block. Sends do not lock profiles: a busy user's messages do not queue on one row.
-- * dm_policy is checked when a conversation is opened and whenever a message request is sent; an
--   open conversation continues until a block. A block hides the conversation and its messages from
--   both sides and stops sending, typing and presence; lifting it restores them.
-- * Message requests: the recipient's side starts as `request` unless the recipient follows the
--   sender. Until it is accepted the sender may send one message (a pending and a declined request
--   refuse the next one with the same message, so the sender cannot tell them apart). Replying
--   accepts. The recipient is notified (message_request) when the request's message arrives, not
--   when the conversation is opened: empty conversations are listed nowhere and notify nobody.
--   Declining hides the conversation from the recipient's lists and removes that notification.
-- * Messages are numbered per conversation (seq, under the conversation row lock): it is the keyset
--   of conversation_messages and the read mark (last_read_seq), so a message committed after
--   mark_conversation_read stays unread however the clocks of the two transactions compare.
-- * Images and videos are attached through public.message_media (sql/72_media.sql), read from the
--   private message-media bucket by the participants only; a deleted message lets go of them.

create type public.conversation_state as enum ('request', 'accepted', 'declined');
comment on type public.conversation_state is 'A participant''s side of a conversation: request (in the message-request inbox), accepted (in the inbox), declined (hidden).';

-- Conversations -----------------------------------------------------------------------------------

create table public.conversations (
  id uuid not null default gen_random_uuid(),
  user_low uuid not null,
  user_high uuid not null,
  started_by uuid not null,
  last_message_seq bigint not null default 0,
  created_at timestamptz not null default now(),
  constraint conversations_pkey primary key (id),
  constraint conversations_user_low_fkey foreign key (user_low) references public.profiles (id) on delete cascade,
  constraint conversations_user_high_fkey foreign key (user_high) references public.profiles (id) on delete cascade,
  constraint conversations_started_by_fkey foreign key (started_by) references public.profiles (id) on delete cascade,
  constraint conversations_user_low_user_high_key unique (user_low, user_high),
  constraint conversations_user_low_below_user_high check (user_low < user_high),
  constraint conversations_started_by_participant check (started_by in (user_low, user_high)),
  constraint conversations_last_message_seq_not_negative check (last_message_seq >= 0)
);
alter table public.conversations enable row level security;

-- The unique key serves user_low; these serve the other participant and the starter.
create index conversations_user_high_idx on public.conversations (user_high);
create index conversations_started_by_idx on public.conversations (started_by);

comment on table public.conversations is 'One direct conversation per unordered pair of users, opened by start_conversation. Readable by its two participants while no block separates them.';
comment on column public.conversations.id is 'Conversation id; the Realtime topic is dm:<id>.';
comment on column public.conversations.user_low is 'The participant with the smaller user id.';
comment on column public.conversations.user_high is 'The participant with the larger user id.';
comment on column public.conversations.started_by is 'The participant who opened the conversation (the sender of a message request).';
comment on column public.conversations.last_message_seq is 'seq of the latest message; 0 while there is none.';
comment on column public.conversations.created_at is 'When the conversation was opened.';

create table public.conversation_participants (
  conversation_id uuid not null,
  user_id uuid not null,
  other_user_id uuid not null,
  state public.conversation_state not null,
  last_read_seq bigint not null default 0,
  last_read_at timestamptz,
  last_message_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint conversation_participants_pkey primary key (conversation_id, user_id),
  constraint conversation_participants_conversation_id_fkey foreign key (conversation_id)
    references public.conversations (id) on delete cascade,
  constraint conversation_participants_user_id_fkey foreign key (user_id) references public.profiles (id) on delete cascade,
  constraint conversation_participants_other_user_id_fkey foreign key (other_user_id)
    references public.profiles (id) on delete cascade,
  constraint conversation_participants_other_user_id_not_user check (other_user_id <> user_id),
  constraint conversation_participants_last_read_seq_not_negative check (last_read_seq >= 0)
);
alter table public.conversation_participants enable row level security;

-- A user's inbox and request inbox, latest activity first (the keysets of my_conversations). Partial
-- per state, because RLS keeps a comparison of an enum (not leakproof) out of an index condition.
create index conversation_participants_inbox_idx
  on public.conversation_participants (user_id, last_message_at desc, conversation_id desc)
  where state = 'accepted';
create index conversation_participants_requests_idx
  on public.conversation_participants (user_id, last_message_at desc, conversation_id desc)
  where state = 'request';
-- A user's conversations (private.my_conversation_ids, the policies); the primary key leads with the conversation.
create index conversation_participants_user_id_idx on public.conversation_participants (user_id, conversation_id);
create index conversation_participants_other_user_id_idx on public.conversation_participants (other_user_id);

create trigger conversation_participants_set_updated_at
  before update on public.conversation_participants
  for each row execute function private.set_updated_at();

comment on table public.conversation_participants is 'Each participant''s own side of a conversation: inbox state, read mark, latest activity. A user reads only their own side; it changes through the messaging RPCs.';
comment on column public.conversation_participants.conversation_id is 'The conversation.';
comment on column public.conversation_participants.user_id is 'The participant this side belongs to.';
comment on column public.conversation_participants.other_user_id is 'The other participant.';
comment on column public.conversation_participants.state is 'request: waiting in the message-request inbox; accepted: in the inbox; declined: hidden. The opener''s side is accepted.';
comment on column public.conversation_participants.last_read_seq is 'seq of the latest message this participant has read; later messages from the other side are unread.';
comment on column public.conversation_participants.last_read_at is 'When the participant last marked the conversation read (or sent in it).';
comment on column public.conversation_participants.last_message_at is 'When the latest message was sent; null while the conversation is empty (empty conversations are not listed).';
comment on column public.conversation_participants.created_at is 'When the conversation was opened.';
comment on column public.conversation_participants.updated_at is 'When this side last changed.';

-- Messages ----------------------------------------------------------------------------------------

create table public.messages (
  id uuid not null default gen_random_uuid(),
  conversation_id uuid not null,
  sender_id uuid not null default auth.uid(),
  -- The default only tells clients (and generated types) that inserts leave it out: the insert
  -- trigger always numbers the message under the conversation lock.
  seq bigint not null default 0,
  body text,
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  deleted_at timestamptz,
  removed_at timestamptz,
  removed_reason text,
  constraint messages_pkey primary key (id),
  constraint messages_conversation_id_fkey foreign key (conversation_id) references public.conversations (id) on delete cascade,
  constraint messages_sender_id_fkey foreign key (sender_id) references public.profiles (id) on delete cascade,
  constraint messages_conversation_id_seq_key unique (conversation_id, seq),
  constraint messages_seq_positive check (seq >= 1),
  constraint messages_body_length check (
    body is null or (char_length(body) between 1 and 4000 and body !~ '^[[:space:]]' and body !~ '[[:space:]]$')
  ),
  -- A live message may lack text only while it has an attachment (images or videos, sql/72_media.sql):
  -- a deferred check there (private.check_message_has_content) holds that at commit, on every path.
  constraint messages_body_erased_when_deleted check (deleted_at is null or body is null),
  constraint messages_removed_reason_with_removed_at check (
    (removed_at is null) = (removed_reason is null) and (removed_reason is null or char_length(removed_reason) between 1 and 1000)
  )
);
alter table public.messages enable row level security;

-- The unique key (conversation_id, seq) serves paging, previews and unread counts.
create index messages_sender_id_idx on public.messages (sender_id);

comment on table public.messages is 'Direct messages. Participants read them and send as themselves (insert conversation_id and body); senders edit the body and delete through delete_message (a tombstone). Nothing is readable or writable across a block.';
comment on column public.messages.id is 'Message id.';
comment on column public.messages.conversation_id is 'The conversation it belongs to.';
comment on column public.messages.sender_id is 'Who sent it; always the caller.';
comment on column public.messages.seq is 'Position in the conversation (1, 2, …), set by the database. Newest first is seq descending: conversation_messages pages by it, and a plain read can too (order by seq desc, seq < the last one seen), served by the (conversation_id, seq) key.';
comment on column public.messages.body is '1–4,000 characters, surrounding whitespace trimmed by the database; null once deleted, or when the message is attachments only (it then has at least one message_media row: send_message).';
comment on column public.messages.created_at is 'When it was sent.';
comment on column public.messages.edited_at is 'When its body last changed; null if never edited.';
comment on column public.messages.deleted_at is 'When its sender deleted it (the body is erased); null otherwise.';
comment on column public.messages.removed_at is 'When a moderator removed it or auto-hide hid it pending review (sql/75_moderation.sql): the other participant no longer reads it; its sender does, with the reason.';
comment on column public.messages.removed_reason is 'Why it was removed, shown to its sender (`under review` while auto-hidden); set exactly when removed_at is.';

-- Predicates --------------------------------------------------------------------------------------
-- plpgsql, not sql: policies, Realtime authorization and triggers call them, and a SQL function with
-- `set search_path` is never inlined and is planned again at every call, where plpgsql plans once per
-- connection.

create function private.my_conversation_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
  select p.conversation_id from public.conversation_participants p
  where p.user_id = (select auth.uid())
    and p.other_user_id not in (select private.blocked_by_or_blocking_me());
end
$$;
comment on function private.my_conversation_ids() is 'The conversations the caller takes part in, less those a block separates (for `conversation_id in (select …)` in policies). Empty for anon.';

create function private.can_use_dm_topic(conversation_id uuid, sending boolean)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
      select from public.conversation_participants p
      where p.conversation_id = can_use_dm_topic.conversation_id
        and p.user_id = (select auth.uid())
        and not private.is_blocked_between(p.user_id, p.other_user_id)
    )
    and (not can_use_dm_topic.sending or private.current_user_can_act());
end
$$;
comment on function private.can_use_dm_topic(uuid, boolean) is 'Realtime Authorization for dm:<conversation id>: participants receive while no block separates them, and send (typing, presence) when their email is confirmed too.';

create function private.dm_refusal(sender uuid, recipient uuid)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  -- At most one row (a primary-key lookup); null when the recipient has no profile.
  return (
    select case p.dm_policy
      when 'nobody' then 'this user does not accept messages'
      when 'followers' then case
        when exists (
          select from public.follows f
          where f.follower_id = dm_refusal.recipient and f.followee_id = dm_refusal.sender and f.status = 'accepted'
        ) then null
        else 'this user accepts messages only from people they follow'
      end
    end
    from public.profiles p
    where p.id = dm_refusal.recipient
  );
end
$$;
comment on function private.dm_refusal(uuid, uuid) is 'Why the recipient''s dm_policy refuses a conversation (or a message request) from sender, or null when it allows it. The one dm_policy rule.';

-- Opening a conversation --------------------------------------------------------------------------

create function private.start_conversation(other_user uuid)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  found_id uuid;
  refusal text;
  followed_by_other boolean;
begin
  if start_conversation.other_user is null then
    raise exception 'other_user is required' using errcode = '22023';
  end if;
  if start_conversation.other_user = me then
    raise exception 'you cannot message yourself' using errcode = '22023';
  end if;

  perform private.lock_profiles(me, start_conversation.other_user);
  if not exists (select from public.profiles p where p.id = start_conversation.other_user) then
    raise exception 'user not found' using errcode = 'PT404';
  end if;
  -- The same words whichever side blocked.
  if private.is_blocked_between(me, start_conversation.other_user) then
    raise exception 'you cannot message this user' using errcode = '42501';
  end if;

  select c.id into found_id
  from public.conversations c
  where c.user_low = least(me, start_conversation.other_user) and c.user_high = greatest(me, start_conversation.other_user);
  if found_id is not null then
    return found_id;
  end if;

  refusal := private.dm_refusal(me, start_conversation.other_user);
  if refusal is not null then
    raise exception '%', refusal using errcode = '42501',
      hint = 'The recipient''s dm_policy decides who may message them.';
  end if;

  insert into public.conversations (user_low, user_high, started_by)
  values (least(me, start_conversation.other_user), greatest(me, start_conversation.other_user), me)
  on conflict (user_low, user_high) do nothing
  returning id into found_id;
  if found_id is null then
    -- A concurrent call opened it first (the profile locks make this rare; kept for safety).
    select c.id into found_id
    from public.conversations c
    where c.user_low = least(me, start_conversation.other_user) and c.user_high = greatest(me, start_conversation.other_user);
    return found_id;
  end if;

  followed_by_other := exists (
    select from public.follows f
    where f.follower_id = start_conversation.other_user and f.followee_id = me and f.status = 'accepted'
  );
  insert into public.conversation_participants (conversation_id, user_id, other_user_id, state)
  values
    (found_id, me, start_conversation.other_user, 'accepted'),
    (found_id, start_conversation.other_user, me, case when followed_by_other then 'accepted' else 'request' end::public.conversation_state);
  return found_id;
end
$$;
comment on function private.start_conversation(uuid) is 'Returns the conversation of the caller and other_user, opening it when there is none (dm_policy permitting; a message request unless other_user follows the caller). Refuses oneself, unknown users and blocks either way.';

create function public.start_conversation(other_user uuid)
returns uuid
language sql
set search_path = ''
as $$
  select private.start_conversation(start_conversation.other_user)
$$;
comment on function public.start_conversation(uuid) is 'The one conversation between the caller and other_user, the same id whichever side calls; opens it when needed. Errors: 22023 yourself, PT404 user not found, 42501 blocked (either way, same message) or refused by the recipient''s dm_policy, 42501 without a confirmed email.';

-- Messages: checked and numbered, then the participants' state and the topic -----------------------

create function private.messages_before_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  conv public.conversations;
  peer uuid;
  peer_state public.conversation_state;
  my_state public.conversation_state;
  refusal text;
begin
  if me is not null then
    if not private.current_user_can_act() then
      raise exception 'confirm your email address before you do this'
        using errcode = '42501', hint = 'Users without a confirmed email can read but not write.';
    end if;
    if new.sender_id is distinct from me then
      raise exception 'you can only send messages as yourself' using errcode = '42501',
        hint = 'Leave sender_id out; it defaults to the caller.';
    end if;
  end if;
  if new.sender_id is null then
    raise exception 'sender_id is required' using errcode = '22023';
  end if;
  -- No text (null, empty or blank) is allowed only for a message that gets an attachment in the same
  -- transaction (send_message): the deferred check private.check_message_has_content refuses the
  -- rest at commit with this same error.
  new.body := nullif(regexp_replace(new.body, '^[[:space:]]+|[[:space:]]+$', '', 'g'), '');
  if char_length(new.body) > 4000 then
    raise exception 'message body must be 1–4,000 characters' using errcode = '22023',
      hint = 'Surrounding whitespace does not count.';
  end if;

  select c.* into conv from public.conversations c where c.id = new.conversation_id;
  if not found or new.sender_id not in (conv.user_low, conv.user_high) then
    raise exception 'conversation not found' using errcode = 'PT404';
  end if;
  peer := case when conv.user_low = new.sender_id then conv.user_high else conv.user_low end;

  -- One message at a time per conversation; a block of the pair takes this lock too, so what
  -- follows sees any block committed before it.
  update public.conversations c set last_message_seq = c.last_message_seq + 1
  where c.id = new.conversation_id
  returning c.last_message_seq into new.seq;
  if private.is_blocked_between(new.sender_id, peer) then
    raise exception 'you cannot message this user' using errcode = '42501';
  end if;

  select p.state into peer_state
  from public.conversation_participants p
  where p.conversation_id = new.conversation_id and p.user_id = peer;
  select p.state into my_state
  from public.conversation_participants p
  where p.conversation_id = new.conversation_id and p.user_id = new.sender_id;
  -- A request (the peer has not accepted; the sender has): one message, and only while the
  -- peer's dm_policy allows it. A declined request reads exactly like a pending one.
  if peer_state <> 'accepted' and my_state = 'accepted' then
    if peer_state = 'declined' or exists (
      select from public.messages m where m.conversation_id = new.conversation_id and m.sender_id = new.sender_id
    ) then
      raise exception 'your message request is waiting for this user to accept it' using errcode = 'PT409',
        hint = 'Until they accept, you can send one message.';
    end if;
    refusal := private.dm_refusal(new.sender_id, peer);
    if refusal is not null then
      raise exception '%', refusal using errcode = '42501',
        hint = 'The recipient''s dm_policy decides who may message them.';
    end if;
  end if;

  new.created_at := now();
  new.edited_at := null;
  new.deleted_at := null;
  return new;
end
$$;
comment on function private.messages_before_insert() is 'Trigger: checks a new message (as the caller, confirmed email, a participant, no block, at most 4,000 characters after trimming — no text only with an attachment, checked at commit —, one message while a request is pending) and numbers it under the conversation row lock.';

create trigger messages_before_insert
  before insert on public.messages
  for each row execute function private.messages_before_insert();

create function private.messages_after_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  peer uuid;
  peer_state public.conversation_state;
begin
  -- The sender has read up to their own message, and replying accepts a request.
  update public.conversation_participants p
  set last_message_at = greatest(coalesce(p.last_message_at, new.created_at), new.created_at),
      last_read_seq = case when p.user_id = new.sender_id then new.seq else p.last_read_seq end,
      last_read_at = case when p.user_id = new.sender_id then now() else p.last_read_at end,
      state = case when p.user_id = new.sender_id then 'accepted' else p.state end
  where p.conversation_id = new.conversation_id;

  select p.user_id, p.state into peer, peer_state
  from public.conversation_participants p
  where p.conversation_id = new.conversation_id and p.user_id <> new.sender_id;
  if peer_state = 'request' then
    perform private.notify(peer, new.sender_id, 'message_request', new.conversation_id, '{}'::jsonb);
  end if;

  perform realtime.send(
    jsonb_build_object(
      'id', new.id, 'conversation_id', new.conversation_id, 'sender_id', new.sender_id, 'seq', new.seq,
      'body', new.body, 'created_at', new.created_at, 'edited_at', new.edited_at, 'deleted_at', new.deleted_at
    ),
    'message_created',
    'dm:' || new.conversation_id::text,
    true
  );
  return null;
end
$$;
comment on function private.messages_after_insert() is 'Trigger: records the latest activity on both sides, moves the sender''s read mark, accepts a request its recipient replies to, notifies a message request, broadcasts message_created on dm:<conversation id>.';

create trigger messages_after_insert
  after insert on public.messages
  for each row execute function private.messages_after_insert();

create function private.messages_before_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.id is distinct from old.id or new.conversation_id is distinct from old.conversation_id
     or new.sender_id is distinct from old.sender_id or new.seq is distinct from old.seq
     or new.created_at is distinct from old.created_at then
    raise exception 'only the body of a message can change' using errcode = '22023';
  end if;
  if old.deleted_at is not null then
    raise exception 'a deleted message cannot change' using errcode = 'PT409';
  end if;
  if old.removed_at is not null and (new.body is distinct from old.body or new.deleted_at is not null) then
    raise exception 'a removed message cannot change' using errcode = 'PT409',
      hint = 'A moderator removed it; appeal the removal instead.';
  end if;
  if new.deleted_at is not null then
    -- The tombstone: the body is erased for good.
    new.body := null;
    new.deleted_at := now();
    new.edited_at := old.edited_at;
    return new;
  end if;
  -- Clearing the text is allowed only for a message that keeps an attachment (checked at commit).
  new.body := nullif(regexp_replace(new.body, '^[[:space:]]+|[[:space:]]+$', '', 'g'), '');
  if char_length(new.body) > 4000 then
    raise exception 'message body must be 1–4,000 characters' using errcode = '22023',
      hint = 'Surrounding whitespace does not count. Use delete_message to delete a message.';
  end if;
  new.edited_at := case when new.body is distinct from old.body then now() else old.edited_at end;
  return new;
end
$$;
comment on function private.messages_before_update() is 'Trigger: an edit changes the body only (trimmed, at most 4,000 characters, none only while the message has an attachment; stamping edited_at); a delete erases the body and stamps deleted_at; a deleted message never changes again.';

create trigger messages_before_update
  before update on public.messages
  for each row execute function private.messages_before_update();

-- Realtime stores every broadcast in realtime.messages (Broadcast Replay reads it back; backups keep
-- it). A message's body travels in message_created and message_updated payloads, under the top-level
-- key message_id; an edit or a delete removes the body from every stored payload of that message
-- before the new one is sent, and a message that goes with its conversation or account takes its
-- bodies with it. realtime.messages is partitioned by inserted_at: bounding it from the message's
-- creation (less a day for time-zone skew: the column is a timestamp without zone) prunes the older
-- daily partitions, and the topic narrows the rest. The platform grants UPDATE (not DELETE) on
-- realtime.messages to postgres, which bypasses RLS; the payload keeps its ids, only the body goes.
create function private.scrub_message_broadcasts(conversation uuid, message uuid, created timestamptz)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update realtime.messages m
  set payload = m.payload - 'body', updated_at = now()
  where m.topic = 'dm:' || scrub_message_broadcasts.conversation::text
    and m.extension = 'broadcast'
    and m.inserted_at >= (scrub_message_broadcasts.created - interval '1 day')::timestamp
    and m.payload ->> 'id' = scrub_message_broadcasts.message::text
    and m.payload ? 'body';
end
$$;
comment on function private.scrub_message_broadcasts(uuid, uuid, timestamptz) is 'Removes the body from every stored Realtime broadcast (realtime.messages) of one direct message: called when it is edited, deleted or removed with its conversation.';

create function private.messages_after_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.scrub_message_broadcasts(old.conversation_id, old.id, old.created_at);
  return null;
end
$$;
comment on function private.messages_after_delete() is 'Trigger: a message removed for good (with its conversation or account) leaves no body in stored broadcasts.';

create trigger messages_after_delete
  after delete on public.messages
  for each row execute function private.messages_after_delete();

create function private.messages_after_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  payload jsonb := jsonb_build_object(
    'id', new.id, 'conversation_id', new.conversation_id, 'sender_id', new.sender_id, 'seq', new.seq,
    'created_at', new.created_at, 'edited_at', new.edited_at, 'deleted_at', new.deleted_at
  );
begin
  -- The old body survives nowhere: scrub it from the broadcasts already stored (issue 14, finding 3).
  perform private.scrub_message_broadcasts(new.conversation_id, new.id, old.created_at);
  if new.deleted_at is not null then
    perform realtime.send(payload, 'message_deleted', 'dm:' || new.conversation_id::text, true);
  else
    perform realtime.send(payload || jsonb_build_object('body', new.body), 'message_updated',
      'dm:' || new.conversation_id::text, true);
  end if;
  return null;
end
$$;
comment on function private.messages_after_update() is 'Trigger: scrubs the old body from the stored broadcasts of the message, then broadcasts message_updated (with the new body) or message_deleted (without a body) on dm:<conversation id>.';

create trigger messages_after_update
  after update on public.messages
  for each row
  when (old.body is distinct from new.body or old.deleted_at is distinct from new.deleted_at)
  execute function private.messages_after_update();

-- Blocks: a new block waits for a message being sent in the pair's conversation ----------------------

create function private.blocks_lock_conversation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform from public.conversations c
  where c.user_low = least(new.blocker_id, new.blocked_id) and c.user_high = greatest(new.blocker_id, new.blocked_id)
  for no key update;
  return new;
end
$$;
comment on function private.blocks_lock_conversation() is 'Trigger on blocks: locks the pair''s conversation row (after blocks_before_insert locked their follows and profiles), the lock a message send takes, so no message is sent across a block committed before it.';

create trigger blocks_lock_conversation
  before insert on public.blocks
  for each row execute function private.blocks_lock_conversation();

-- RPCs that change a participant's own state ------------------------------------------------------

create function private.delete_message(message_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  msg public.messages;
begin
  select m.* into msg
  from public.messages m
  where m.id = delete_message.message_id
    and m.conversation_id in (select private.my_conversation_ids())
  for update;
  if not found then
    raise exception 'message not found' using errcode = 'PT404';
  end if;
  if msg.sender_id <> me then
    raise exception 'you can only delete your own messages' using errcode = '42501';
  end if;
  if msg.deleted_at is not null then
    raise exception 'this message is already deleted' using errcode = 'PT409';
  end if;
  update public.messages m set deleted_at = now() where m.id = msg.id;
end
$$;
comment on function private.delete_message(uuid) is 'Deletes the caller''s own message: erases its body and stamps deleted_at (a tombstone stays in place).';

create function public.delete_message(message_id uuid)
returns void
language sql
set search_path = ''
as $$
  select private.delete_message(delete_message.message_id)
$$;
comment on function public.delete_message(uuid) is 'Deletes one of the caller''s messages: the body is erased, deleted_at set, and message_deleted broadcast. Errors: PT404 message not found (or not visible), 42501 not the sender, PT409 already deleted.';

create function private.accept_message_request(conversation_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  current_state public.conversation_state;
begin
  select p.state into current_state
  from public.conversation_participants p
  where p.conversation_id = accept_message_request.conversation_id and p.user_id = me
    and not private.is_blocked_between(me, p.other_user_id)
  for update;
  if not found then
    raise exception 'conversation not found' using errcode = 'PT404';
  end if;
  if current_state = 'accepted' then
    raise exception 'there is no message request to accept' using errcode = 'PT409',
      hint = 'This conversation is already in your inbox.';
  end if;
  update public.conversation_participants p set state = 'accepted'
  where p.conversation_id = accept_message_request.conversation_id and p.user_id = me;
end
$$;
comment on function private.accept_message_request(uuid) is 'Moves a message request (pending or declined) into the caller''s inbox.';

create function public.accept_message_request(conversation_id uuid)
returns void
language sql
set search_path = ''
as $$
  select private.accept_message_request(accept_message_request.conversation_id)
$$;
comment on function public.accept_message_request(uuid) is 'Accepts a message request (also one declined before): the conversation moves to the inbox and both sides message freely. Errors: PT404 conversation not found, PT409 nothing to accept.';

create function private.decline_message_request(conversation_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  current_state public.conversation_state;
begin
  select p.state into current_state
  from public.conversation_participants p
  where p.conversation_id = decline_message_request.conversation_id and p.user_id = me
    and not private.is_blocked_between(me, p.other_user_id)
  for update;
  if not found then
    raise exception 'conversation not found' using errcode = 'PT404';
  end if;
  if current_state <> 'request' then
    raise exception 'there is no message request to decline' using errcode = 'PT409',
      hint = 'Only a pending message request can be declined; block the user to stop a conversation.';
  end if;
  update public.conversation_participants p set state = 'declined'
  where p.conversation_id = decline_message_request.conversation_id and p.user_id = me;
  delete from public.notifications n
  where n.recipient_id = me and n.kind = 'message_request'
    and n.subject_id = decline_message_request.conversation_id;
end
$$;
comment on function private.decline_message_request(uuid) is 'Declines a pending message request: hidden from the caller''s lists, its notification removed; the sender can send nothing more.';

create function public.decline_message_request(conversation_id uuid)
returns void
language sql
set search_path = ''
as $$
  select private.decline_message_request(decline_message_request.conversation_id)
$$;
comment on function public.decline_message_request(uuid) is 'Declines a pending message request: it leaves the request inbox and the sender can send nothing more (they are not told). Replying or accepting later reopens it. Errors: PT404 conversation not found, PT409 not a pending request.';

create function private.mark_conversation_read(conversation_id uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  me uuid := private.require_can_act();
  read_up_to bigint;
  newly_read integer;
begin
  select p.last_read_seq into read_up_to
  from public.conversation_participants p
  where p.conversation_id = mark_conversation_read.conversation_id and p.user_id = me
    and not private.is_blocked_between(me, p.other_user_id)
  for update;
  if not found then
    raise exception 'conversation not found' using errcode = 'PT404';
  end if;
  -- Only committed messages: one still being sent gets a higher seq and stays unread.
  select count(*)::integer into newly_read
  from public.messages m
  where m.conversation_id = mark_conversation_read.conversation_id and m.seq > read_up_to
    and m.sender_id <> me and m.deleted_at is null and m.removed_at is null;
  update public.conversation_participants p
  set last_read_seq = c.last_message_seq, last_read_at = now()
  from public.conversations c
  where c.id = p.conversation_id
    and p.conversation_id = mark_conversation_read.conversation_id and p.user_id = me;
  return newly_read;
end
$$;
comment on function private.mark_conversation_read(uuid) is 'Moves the caller''s read mark to the latest committed message; returns how many unread messages that read.';

create function public.mark_conversation_read(conversation_id uuid)
returns integer
language sql
set search_path = ''
as $$
  select private.mark_conversation_read(mark_conversation_read.conversation_id)
$$;
comment on function public.mark_conversation_read(uuid) is 'Marks every message of the conversation read for the caller; returns how many were unread. Errors: PT404 conversation not found.';

-- Reading: the conversation list and a conversation's messages, keyset-paged ------------------------

create type public.conversation_list_item as (
  conversation_id uuid,
  other_user_id uuid,
  other_display_name text,
  other_avatar_path text,
  state public.conversation_state,
  started_by uuid,
  last_message_id uuid,
  last_message_sender_id uuid,
  last_message_body text,
  last_message_deleted_at timestamptz,
  last_message_at timestamptz,
  unread_count integer,
  cursor text
);
comment on type public.conversation_list_item is 'A row of my_conversations: the conversation, the other participant''s card, the caller''s state, the last message (body null once deleted), the unread count and the cursor of the next page.';

create type public.message_list_item as (
  id uuid,
  conversation_id uuid,
  sender_id uuid,
  seq bigint,
  body text,
  created_at timestamptz,
  edited_at timestamptz,
  deleted_at timestamptz,
  cursor text
);
comment on type public.message_list_item is 'A row of conversation_messages: the message (body null once deleted) and the cursor of the next page.';

create function public.my_conversations(cursor text default null, page_size integer default 30, requests boolean default false)
returns setof public.conversation_list_item
language plpgsql
stable
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  after_at timestamptz;
  after_id uuid;
begin
  if me is null then
    raise exception 'sign in required' using errcode = '42501';
  end if;
  perform private.check_page_size(my_conversations.page_size);
  select c.at, c.id into after_at, after_id from private.decode_cursor(my_conversations.cursor) c;

  -- The page first, straight off the inbox or requests index (one branch runs, with its state
  -- spelled out so the partial index applies); then, per row, its conversation, preview, card and
  -- unread count.
  return query
  with page as (
    (
      select p.conversation_id, p.other_user_id, p.state, p.last_read_seq, p.last_message_at
      from public.conversation_participants p
      where not my_conversations.requests
        and p.user_id = me and p.state = 'accepted' and p.last_message_at is not null
        and (p.last_message_at, p.conversation_id) < (after_at, after_id)
      order by p.last_message_at desc, p.conversation_id desc
      limit my_conversations.page_size
    )
    union all
    (
      select p.conversation_id, p.other_user_id, p.state, p.last_read_seq, p.last_message_at
      from public.conversation_participants p
      where my_conversations.requests
        and p.user_id = me and p.state = 'request' and p.last_message_at is not null
        and (p.last_message_at, p.conversation_id) < (after_at, after_id)
      order by p.last_message_at desc, p.conversation_id desc
      limit my_conversations.page_size
    )
  )
  select
    pg.conversation_id,
    pg.other_user_id,
    pr.display_name,
    pr.avatar_path,
    pg.state,
    c.started_by,
    m.id,
    m.sender_id,
    m.body,
    m.deleted_at,
    pg.last_message_at,
    (
      select count(*)::integer from public.messages u
      where u.conversation_id = pg.conversation_id and u.seq > pg.last_read_seq
        and u.sender_id <> me and u.deleted_at is null
    ),
    private.encode_cursor(pg.last_message_at, pg.conversation_id)
  from page pg
  join lateral (
    select c.started_by from public.conversations c where c.id = pg.conversation_id limit 1
  ) c on true
  left join lateral (
    select m.id, m.sender_id, m.body, m.deleted_at from public.messages m
    where m.conversation_id = pg.conversation_id
    order by m.seq desc
    limit 1
  ) m on true
  left join public.profiles pr on pr.id = pg.other_user_id
  order by pg.last_message_at desc, pg.conversation_id desc;
end
$$;
comment on function public.my_conversations(text, integer, boolean) is 'The caller''s conversations with at least one message, latest activity first: the inbox (requests = false) or the message-request inbox (requests = true). Declined requests and conversations a block separates are left out. Keyset-paged: pass the last row''s cursor for the next page. Errors: 22023 bad cursor or page_size (1–100).';

create function public.conversation_messages(conversation_id uuid, cursor text default null, page_size integer default 30)
returns setof public.message_list_item
language plpgsql
stable
set search_path = ''
as $$
declare
  before_seq bigint;
begin
  perform private.check_page_size(conversation_messages.page_size);
  if conversation_messages.cursor is not null then
    if conversation_messages.cursor !~ '^[1-9][0-9]{0,17}$' then
      raise exception 'cursor is not valid' using errcode = '22023',
        hint = 'Pass the cursor of the last row of the previous page, unchanged.';
    end if;
    before_seq := conversation_messages.cursor::bigint;
  end if;
  -- RLS decides: a conversation the caller cannot read does not exist for them.
  if not exists (select from public.conversations c where c.id = conversation_messages.conversation_id) then
    raise exception 'conversation not found' using errcode = 'PT404';
  end if;

  return query
  select m.id, m.conversation_id, m.sender_id, m.seq, m.body, m.created_at, m.edited_at, m.deleted_at, m.seq::text
  from public.messages m
  where m.conversation_id = conversation_messages.conversation_id
    and (before_seq is null or m.seq < before_seq)
  order by m.seq desc
  limit conversation_messages.page_size;
end
$$;
comment on function public.conversation_messages(uuid, text, integer) is 'A conversation''s messages, newest first, page_size (1–100) at a time; pass the last row''s cursor for older ones. Participants only. Errors: PT404 conversation not found, 22023 bad cursor or page_size.';

-- Grants ------------------------------------------------------------------------------------------

grant select on public.conversations to authenticated;
grant select, delete on public.conversations to service_role;

grant select on public.conversation_participants to authenticated;
grant select on public.conversation_participants to service_role;

grant select on public.messages to authenticated;
grant insert (conversation_id, body) on public.messages to authenticated;
grant update (body) on public.messages to authenticated;
grant select, insert, update, delete on public.messages to service_role;

grant execute on function private.my_conversation_ids() to authenticated;
grant execute on function private.start_conversation(uuid) to authenticated;
grant execute on function private.delete_message(uuid) to authenticated;
grant execute on function private.accept_message_request(uuid) to authenticated;
grant execute on function private.decline_message_request(uuid) to authenticated;
grant execute on function private.mark_conversation_read(uuid) to authenticated;

grant execute on function public.start_conversation(uuid) to authenticated;
grant execute on function public.delete_message(uuid) to authenticated;
grant execute on function public.accept_message_request(uuid) to authenticated;
grant execute on function public.decline_message_request(uuid) to authenticated;
grant execute on function public.mark_conversation_read(uuid) to authenticated;
grant execute on function public.my_conversations(text, integer, boolean) to authenticated;
grant execute on function public.conversation_messages(uuid, text, integer) to authenticated;
