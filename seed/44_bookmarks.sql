-- Seed bookmarks (private to their owner).
insert into public.bookmarks (user_id, post_id)
select v.user_id::uuid, v.post_id::uuid
from (values
  ('b0000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000011'),
  ('90000000-0000-4000-8000-000000000009', '40000000-0000-4000-8000-000000000017'),
  ('a0000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000002'),
  ('10000000-0000-4000-8000-000000000010', '40000000-0000-4000-8000-000000000016')
) as v (user_id, post_id)
where not exists (select from public.bookmarks b where b.user_id = v.user_id::uuid and b.post_id = v.post_id::uuid);
