-- Seed comments: a thread three levels deep under ben's first post, and comments with replies under
-- group posts. Through the comment triggers (depth, comment_count, comment and reply notifications).
insert into public.comments (id, post_id, author_id, parent_id, body, created_at)
select v.id::uuid, v.post_id::uuid, v.author_id::uuid, v.parent_id::uuid, v.body, now() - v.age::interval
from (values
  (1, '41000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', null,
    'Welcome, Ben! Lovely light.', '2 days 23 hours'),
  (2, '41000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', '41000000-0000-4000-8000-000000000001',
    'Thanks Ada! It was six in the morning.', '2 days 22 hours'),
  (3, '41000000-0000-4000-8000-000000000003', '40000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000006', '41000000-0000-4000-8000-000000000002',
    'Worth every minute of lost sleep.', '2 days 21 hours'),
  (4, '41000000-0000-4000-8000-000000000004', '40000000-0000-4000-8000-000000000011', '90000000-0000-4000-8000-000000000009', null,
    'Count me in. Is it fine to bring a film camera?', '2 days 6 hours'),
  (5, '41000000-0000-4000-8000-000000000005', '40000000-0000-4000-8000-000000000011', 'f0000000-0000-4000-8000-000000000006', '41000000-0000-4000-8000-000000000004',
    'Absolutely, bring two rolls.', '2 days 5 hours'),
  (6, '41000000-0000-4000-8000-000000000006', '40000000-0000-4000-8000-000000000013', '80000000-0000-4000-8000-000000000008', null,
    'Already on chapter 7, no spoilers.', '1 day 2 hours'),
  (7, '41000000-0000-4000-8000-000000000007', '40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000010', null,
    'Where was this taken?', '11 hours'),
  (8, '41000000-0000-4000-8000-000000000008', '40000000-0000-4000-8000-000000000017', 'c0000000-0000-4000-8000-000000000003', null,
    'Will there be a recording?', '1 hour')
) as v (n, id, post_id, author_id, parent_id, body, age)
where not exists (select from public.comments c where c.id = v.id::uuid)
order by v.n;
