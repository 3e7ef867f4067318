-- Takes one token from the bucket of key $1 ($2 tokens a second, up to $3) at $4 (ms):
-- one statement per request, whichever instance serves it. A new key starts full.
insert into rate_limit_buckets as b (key, tokens, at, ok)
values ($1, $3::double precision - 1, $4, true)
on conflict (key) do update
set tokens = rate_limit_buckets__refill(b.tokens, b.at, $4, $2, $3)
             - case when rate_limit_buckets__refill(b.tokens, b.at, $4, $2, $3) >= 1 then 1 else 0 end,
    ok = rate_limit_buckets__refill(b.tokens, b.at, $4, $2, $3) >= 1,
    at = greatest(b.at, $4)
returning tokens, ok
