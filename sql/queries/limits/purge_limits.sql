-- Forgets buckets untouched for $2 ms before $1 (full again by then, so they hold nothing)
-- and addresses whose newest failure left the window of $3 ms.
with buckets as (
  delete from rate_limit_buckets where at < $1::bigint - $2
)
delete from auth_failures where hits[cardinality(hits)] is null or hits[cardinality(hits)] < $1::bigint - $3
