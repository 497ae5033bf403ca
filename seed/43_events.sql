-- Seed RSVPs: the events themselves were written by the database from the event blocks of posts
-- 40…11 (photo walk) and 40…17 (winter concert); their ids are the database's, so RSVPs find them by
-- post and block. Through the RSVP triggers (going / interested / not_going counts).
insert into public.event_rsvps (event_id, user_id, status)
select e.id, v.user_id::uuid, v.status::public.rsvp_status
from (values
  ('40000000-0000-4000-8000-000000000011', 1, '90000000-0000-4000-8000-000000000009', 'going'),
  ('40000000-0000-4000-8000-000000000011', 1, 'a0000000-0000-4000-8000-000000000001', 'going'),
  ('40000000-0000-4000-8000-000000000011', 1, '10000000-0000-4000-8000-000000000010', 'interested'),
  ('40000000-0000-4000-8000-000000000017', 1, 'b0000000-0000-4000-8000-000000000002', 'going'),
  ('40000000-0000-4000-8000-000000000017', 1, 'c0000000-0000-4000-8000-000000000003', 'interested'),
  ('40000000-0000-4000-8000-000000000017', 1, 'd0000000-0000-4000-8000-000000000004', 'not_going')
) as v (post_id, block_index, user_id, status)
join public.events e on e.post_id = v.post_id::uuid and e.block_index = v.block_index
where not exists (select from public.event_rsvps r where r.event_id = e.id and r.user_id = v.user_id::uuid);
