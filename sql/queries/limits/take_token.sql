-- Takes up to $5 tokens from the bucket of key $1 ($2 tokens a second, up to $3) at $4
-- (ms), as many as it holds: one statement for one request, or for the next few of a busy
-- key on this instance (src/http/limits.ts). A new key starts full.
insert into rate_limit_buckets as b (key, tokens, at, taken)
values ($1, $3::double precision - least($5::int, floor($3::double precision)), $4, least($5::int, floor($3::double precision)))
on conflict (key) do update
set tokens = rate_limit_buckets__refill(b.tokens, b.at, $4, $2, $3)
             - least($5::int, floor(rate_limit_buckets__refill(b.tokens, b.at, $4, $2, $3))),
    taken = least($5::int, floor(rate_limit_buckets__refill(b.tokens, b.at, $4, $2, $3))),
    at = greatest(b.at, $4)
returning tokens, taken
