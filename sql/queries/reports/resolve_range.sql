-- The instants of a report's range, $1 from and $2 to (text: each is cast as what $4 and
-- $5 say it is): a date is the first instant of that day in time zone $3 (day_start,
-- migration 0016), anything else the time stamp it names. Without $1, 30 days before
-- `to`: before a date, the date 30 days earlier (30 of the zone's days); before a time
-- stamp, 720 hours. As milliseconds since the epoch: postgres.js reads a timestamptz's
-- text with Date, which takes the years 0001-0099 for 1901-1999; one before the year 0001
-- (a BC instant here) is the caller's to refuse.
with r as (
  select (case when $5::boolean then day_start($2::text::date, $3) else $2::text::timestamptz end) as to_at,
         case when $1::text is null then
                case when $5::boolean then day_start($2::text::date - 30, $3) else $2::text::timestamptz - interval '720 hours' end
              when $4::boolean then day_start($1::text::date, $3)
              else $1::text::timestamptz end as from_at
)
-- Whole milliseconds (what a Date holds), cut rather than rounded past the last one of 9999.
select floor(extract(epoch from from_at) * 1000)::float8 as from_ms, floor(extract(epoch from to_at) * 1000)::float8 as to_ms from r
