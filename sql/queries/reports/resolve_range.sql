-- The instants of a report's range: a date is the first instant of that day in time zone
-- $3 (day_start, migration 0016), anything else the time stamp it names. $1 from, $2 to.
select (case when $1::text ~ '^\d{4}-\d{2}-\d{2}$' then day_start($1::date, $3) else $1::timestamptz end) as from_at,
       (case when $2::text ~ '^\d{4}-\d{2}-\d{2}$' then day_start($2::date, $3) else $2::timestamptz end) as to_at
