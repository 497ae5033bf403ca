-- The limits are public: clients may show them (and the Retry-After of a refusal points at them).

create policy "Anyone can read the rate limits"
  on public.rate_limits for select to anon, authenticated
  using (true);
