-- Seed groups, one of each kind:
--   30…01 Neighborhood Photo Walks: public generic, owner fay, admin ben, members ada ivy jon; followed by dan
--   30…02 Night Owls Book Club: private generic with a join question, owner cleo, member hal, ivy's
--         request pending, ben invited
--   30…03 Riverside Choir: an institution approved by ada (active, verified) with its profile sections,
--         owner gus, admin fay, member ivy; followed by ben, cleo and jon
--   30…04 Harbor Museum: an institution request by jon, pending review
-- Groups are inserted as the service connection (created_by names the creator; the triggers add the
-- owner and decide the status). Membership changes and the review go through the RPCs as the acting
-- user (request.jwt.claims, as PostgREST sets it), so their notifications arise as in the app.
insert into public.groups (id, kind, slug, name, description, visibility, join_question, created_by)
select v.id::uuid, v.kind::public.group_kind, v.slug, v.name, v.description, v.visibility::public.group_visibility, v.join_question, v.created_by::uuid
from (values
  (1, '30000000-0000-4000-8000-000000000001', 'generic', 'photo-walks', 'Neighborhood Photo Walks',
    'Monthly walks with a camera. All levels welcome.', 'public', null, 'f0000000-0000-4000-8000-000000000006'),
  (2, '30000000-0000-4000-8000-000000000002', 'generic', 'night-owls', 'Night Owls Book Club',
    'One book a month, discussed late.', 'private', 'Which book kept you up last?', 'c0000000-0000-4000-8000-000000000003'),
  (3, '30000000-0000-4000-8000-000000000003', 'institution', 'riverside-choir', 'Riverside Choir',
    'A community choir since 1987. Rehearsals are open to visitors.', 'public', null, '70000000-0000-4000-8000-000000000007'),
  (4, '30000000-0000-4000-8000-000000000004', 'institution', 'harbor-museum', 'Harbor Museum',
    'Maritime history of the bay.', 'public', null, '10000000-0000-4000-8000-000000000010')
) as v (n, id, kind, slug, name, description, visibility, join_question, created_by)
where not exists (select from public.groups g where g.id = v.id::uuid)
order by v.n;

-- ada approves the choir (as the institution-review function does): active, verified, audited, gus notified.
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated"}', false);
select private.review_institution('30000000-0000-4000-8000-000000000003', 'approve')
where exists (select from public.groups g where g.id = '30000000-0000-4000-8000-000000000003' and g.status = 'pending');

update public.institution_profiles
set contact_email = 'hello@riverside-choir.example.org',
    contact_phone = '+1 555 0100',
    website = 'https://riverside-choir.example.org',
    address = '12 River Road, Springfield',
    links = '[{"label": "Concert calendar", "url": "https://riverside-choir.example.org/concerts"}]',
    schedule = '[{"day": "Tue", "time": "19:00", "activity": "Full rehearsal"}, {"day": "Sat", "time": "10:00", "activity": "Youth choir"}]'
where group_id = '30000000-0000-4000-8000-000000000003' and website is null;

-- Joining a public group is immediate; a private one with a question is a request with the answer.
select set_config('request.jwt.claims', '{"sub": "b0000000-0000-4000-8000-000000000002", "role": "authenticated"}', false);
select public.join_group('30000000-0000-4000-8000-000000000001')
where not exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000001' and m.user_id = 'b0000000-0000-4000-8000-000000000002');
select set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated"}', false);
select public.join_group('30000000-0000-4000-8000-000000000001')
where not exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000001' and m.user_id = 'a0000000-0000-4000-8000-000000000001');
select set_config('request.jwt.claims', '{"sub": "10000000-0000-4000-8000-000000000010", "role": "authenticated"}', false);
select public.join_group('30000000-0000-4000-8000-000000000001')
where not exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000001' and m.user_id = '10000000-0000-4000-8000-000000000010');
select set_config('request.jwt.claims', '{"sub": "90000000-0000-4000-8000-000000000009", "role": "authenticated"}', false);
select public.join_group('30000000-0000-4000-8000-000000000001')
where not exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000001' and m.user_id = '90000000-0000-4000-8000-000000000009');
select public.join_group('30000000-0000-4000-8000-000000000003')
where not exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000003' and m.user_id = '90000000-0000-4000-8000-000000000009');
select public.join_group('30000000-0000-4000-8000-000000000002', 'Piranesi, twice.')
where not exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000002' and m.user_id = '90000000-0000-4000-8000-000000000009');
select set_config('request.jwt.claims', '{"sub": "80000000-0000-4000-8000-000000000008", "role": "authenticated"}', false);
select public.join_group('30000000-0000-4000-8000-000000000002', 'The Left Hand of Darkness.')
where not exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000002' and m.user_id = '80000000-0000-4000-8000-000000000008');
select set_config('request.jwt.claims', '{"sub": "f0000000-0000-4000-8000-000000000006", "role": "authenticated"}', false);
select public.join_group('30000000-0000-4000-8000-000000000003')
where not exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000003' and m.user_id = 'f0000000-0000-4000-8000-000000000006');

-- fay makes ben an admin of the photo walks; gus makes fay an admin of the choir.
select set_config('request.jwt.claims', '{"sub": "f0000000-0000-4000-8000-000000000006", "role": "authenticated"}', false);
select public.set_member_role('30000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', 'admin')
where exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000001' and m.user_id = 'b0000000-0000-4000-8000-000000000002' and m.role = 'member');
select set_config('request.jwt.claims', '{"sub": "70000000-0000-4000-8000-000000000007", "role": "authenticated"}', false);
select public.set_member_role('30000000-0000-4000-8000-000000000003', 'f0000000-0000-4000-8000-000000000006', 'admin')
where exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000003' and m.user_id = 'f0000000-0000-4000-8000-000000000006' and m.role = 'member');

-- cleo approves hal's request (ivy's stays pending) and invites ben.
select set_config('request.jwt.claims', '{"sub": "c0000000-0000-4000-8000-000000000003", "role": "authenticated"}', false);
select public.review_join_request('30000000-0000-4000-8000-000000000002', '80000000-0000-4000-8000-000000000008', true)
where exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000002' and m.user_id = '80000000-0000-4000-8000-000000000008' and m.status = 'pending');
select public.invite_to_group('30000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000002')
where not exists (select from public.group_members m where m.group_id = '30000000-0000-4000-8000-000000000002' and m.user_id = 'b0000000-0000-4000-8000-000000000002');

select set_config('request.jwt.claims', '', false);

-- Followers who do not join (POST /group_follows).
insert into public.group_follows (user_id, group_id)
select v.user_id::uuid, v.group_id::uuid
from (values
  ('d0000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000001'),
  ('b0000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000003'),
  ('c0000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000003'),
  ('10000000-0000-4000-8000-000000000010', '30000000-0000-4000-8000-000000000003')
) as v (user_id, group_id)
where not exists (select from public.group_follows f where f.user_id = v.user_id::uuid and f.group_id = v.group_id::uuid);
