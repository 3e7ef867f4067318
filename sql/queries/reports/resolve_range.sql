-- The instants of a report's range: a date is the first instant of that day in time zone
-- $3 (day_start, migration 0016), anything else the time stamp it names. $1 from, $2 to.
-- As milliseconds since the epoch: postgres.js reads a timestamptz's text with Date, which
-- takes the years 0001-0099 for 1901-1999.
with r as (
  select (case when $1::text ~ '^\d{4}-\d{2}-\d{2}$' then day_start($1::date, $3) else $1::timestamptz end) as from_at,
         (case when $2::text ~ '^\d{4}-\d{2}-\d{2}$' then day_start($2::date, $3) else $2::timestamptz end) as to_at
)
select (extract(epoch from from_at) * 1000)::float8 as from_ms, (extract(epoch from to_at) * 1000)::float8 as to_ms from r
