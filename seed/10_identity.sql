-- Seed identity data: platform roles and profile details of the seed accounts.
insert into public.user_roles (user_id, role) values
  ('a0000000-0000-4000-8000-000000000001', 'admin'),
  ('d0000000-0000-4000-8000-000000000004', 'moderator')
on conflict do nothing;

update public.profiles set bio = 'Runs the platform.' where id = 'a0000000-0000-4000-8000-000000000001';
update public.profiles set bio = 'Posts about everything, publicly.' where id = 'b0000000-0000-4000-8000-000000000002';
update public.profiles set bio = 'Followers only.', is_private = true where id = 'c0000000-0000-4000-8000-000000000003';
