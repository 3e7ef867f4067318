-- One more failed authentication from address $1 at $2 (ms): kept are the last $4 of those
-- in the window of $3 ms, all that counting them needs.
insert into auth_failures as f (ip, hits)
values ($1, array[$2::bigint])
on conflict (ip) do update
set hits = (
  select coalesce(array_agg(h order by h), '{}')
  from (select h from unnest(f.hits || $2::bigint) as h where h > $2::bigint - $3 order by h desc limit $4) as recent
)
