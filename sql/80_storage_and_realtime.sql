-- Storage and Realtime: the platform's tables that every domain shares, configured in one place.
-- Objects: the storage buckets avatars (profiles, sql/10_identity.sql), post-media and
-- message-media (private; media, sql/72_media.sql); private.can_use_realtime_topic, the one predicate of the realtime.messages
-- policies (topics user:<id> for notifications, dm:<id> for direct messages). The storage.objects and
-- realtime.messages policies are policies/80_storage_and_realtime.sql.
-- Caveats: this comes after every domain, so each topic family can call its domain's predicate and
-- each bucket rule its domain's helpers. Buckets are rows, not schema: `on conflict do nothing`
-- keeps a bucket's settings once created (change them with an update in a migration).

-- Storage buckets ----------------------------------------------------------------------------------

-- Storage: the avatars bucket. Uploads go to <user id>/<file>; reads are public.
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('avatars', 'avatars', true, 2097152, array['image/png', 'image/jpeg', 'image/webp', 'image/gif'])
on conflict (id) do nothing;

-- Storage: the post-media bucket, private: an object is read by its owner and by whoever can see a
-- post that references it (sql/72_media.sql). Uploads go to <user id>/<file>; posts reference them as
-- storage://post-media/<user id>/<file>. Readers fetch through createSignedUrl or download.
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('post-media', 'post-media', false, 52428800,
  array['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'video/mp4', 'video/webm'])
on conflict (id) do nothing;

-- Storage: the message-media bucket, private: images and videos attached to direct messages
-- (public.message_media), read by the two participants only, never across a block.
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('message-media', 'message-media', false, 26214400,
  array['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'video/mp4', 'video/webm'])
on conflict (id) do nothing;

-- Realtime topics ----------------------------------------------------------------------------------

-- Who may join a private Realtime topic (receive), and send on it. One predicate for every topic
-- family so that realtime.messages has one policy per operation. A family whose rule belongs to a
-- domain calls that domain's predicate (dm: → private.can_use_dm_topic, sql/70_messaging.sql).
create function private.can_use_realtime_topic(topic text, extension text, sending boolean)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
begin
  if me is null or topic is null then
    return false;
  end if;
  if topic = 'user:' || me::text then
    -- Only the database writes notifications: the user may listen to broadcasts, not send.
    return extension = 'broadcast' and not sending;
  end if;
  if topic ~ '^dm:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    -- Direct messages (sql/70_messaging.sql): participants receive messages, typing and presence,
    -- and send typing (broadcast) and presence themselves; never across a block.
    return extension in ('broadcast', 'presence')
      and private.can_use_dm_topic(substr(topic, 4)::uuid, sending);
  end if;
  return false;
end
$$;
comment on function private.can_use_realtime_topic(text, text, boolean) is 'Realtime Authorization: may the caller receive (sending = false) or send on this private topic and extension.';

-- Grants ------------------------------------------------------------------------------------------

grant execute on function private.can_use_realtime_topic(text, text, boolean) to authenticated;
