-- Seed accounts, created the way Supabase Auth stores them (users + email identities), all with
-- confirmed emails (but eve's) and the password "Password123". Fixed ids so every seed file can refer
-- to them. The profiles and the 'user' role come from the auth.users triggers, as on sign-up.
--   ada  (admin)  ben  (public)  cleo  (private profile)  dan  (moderator)  eve  (email not confirmed)
--   fay  (public, runs the photo walks)  gus  (public, runs the choir institution)
--   hal  (private profile)  ivy  (public)  jon  (public, newest member)
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  confirmation_token, recovery_token, email_change_token_new, email_change
)
select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
  extensions.crypt('Password123', extensions.gen_salt('bf')), u.confirmed_at,
  '{"provider": "email", "providers": ["email"]}'::jsonb,
  jsonb_build_object('username', u.username, 'display_name', u.display_name, 'email_verified', u.confirmed_at is not null),
  now(), now(), '', '', '', ''
from (values
  ('a0000000-0000-4000-8000-000000000001'::uuid, 'ada@example.com', 'ada', 'Ada Admin', now()),
  ('b0000000-0000-4000-8000-000000000002'::uuid, 'ben@example.com', 'ben', 'Ben Public', now()),
  ('c0000000-0000-4000-8000-000000000003'::uuid, 'cleo@example.com', 'cleo', 'Cleo Private', now()),
  ('d0000000-0000-4000-8000-000000000004'::uuid, 'dan@example.com', 'dan', 'Dan Moderator', now()),
  ('e0000000-0000-4000-8000-000000000005'::uuid, 'eve@example.com', 'eve', 'Eve Unconfirmed', null),
  ('f0000000-0000-4000-8000-000000000006'::uuid, 'fay@example.com', 'fay', 'Fay Photographer', now()),
  ('70000000-0000-4000-8000-000000000007'::uuid, 'gus@example.com', 'gus', 'Gus Choirmaster', now()),
  ('80000000-0000-4000-8000-000000000008'::uuid, 'hal@example.com', 'hal', 'Hal Private', now()),
  ('90000000-0000-4000-8000-000000000009'::uuid, 'ivy@example.com', 'ivy', 'Ivy Reader', now()),
  ('10000000-0000-4000-8000-000000000010'::uuid, 'jon@example.com', 'jon', 'Jon Newcomer', now())
) as u (id, email, username, display_name, confirmed_at)
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id,
  jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', u.email_confirmed_at is not null, 'phone_verified', false),
  'email', now(), now(), now()
from auth.users u
where u.id in ('a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002',
  'c0000000-0000-4000-8000-000000000003', 'd0000000-0000-4000-8000-000000000004', 'e0000000-0000-4000-8000-000000000005',
  'f0000000-0000-4000-8000-000000000006', '70000000-0000-4000-8000-000000000007', '80000000-0000-4000-8000-000000000008',
  '90000000-0000-4000-8000-000000000009', '10000000-0000-4000-8000-000000000010')
on conflict (provider_id, provider) do nothing;
