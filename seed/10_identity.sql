-- Seed identity data: platform roles and profile details of the seed accounts.
insert into public.user_roles (user_id, role) values
  ('a0000000-0000-4000-8000-000000000001', 'admin'),
  ('d0000000-0000-4000-8000-000000000004', 'moderator')
on conflict do nothing;

update public.profiles set bio = 'Runs the platform.' where id = 'a0000000-0000-4000-8000-000000000001';
update public.profiles set bio = 'Posts about everything, publicly.' where id = 'b0000000-0000-4000-8000-000000000002';
update public.profiles set bio = 'Followers only.', is_private = true where id = 'c0000000-0000-4000-8000-000000000003';
update public.profiles set bio = 'Keeps an eye on things.' where id = 'd0000000-0000-4000-8000-000000000004';
update public.profiles set bio = 'Street and harbour photography. Photo walks every month.' where id = 'f0000000-0000-4000-8000-000000000006';
update public.profiles set bio = 'Conducts the Riverside Choir.' where id = '70000000-0000-4000-8000-000000000007';
update public.profiles set bio = 'Quiet reader, followers only.', is_private = true where id = '80000000-0000-4000-8000-000000000008';
update public.profiles set bio = 'Books, choirs and long walks.' where id = '90000000-0000-4000-8000-000000000009';
update public.profiles set bio = 'New in town.', dm_policy = 'followers' where id = '10000000-0000-4000-8000-000000000010';
