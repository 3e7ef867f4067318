-- The instants of a report's range: a date is its midnight in time zone $3, anything else
-- the time stamp it names. $1 from, $2 to.
select (case when $1::text ~ '^\d{4}-\d{2}-\d{2}$' then ($1::date::timestamp at time zone $3) else $1::timestamptz end) as from_at,
       (case when $2::text ~ '^\d{4}-\d{2}-\d{2}$' then ($2::date::timestamp at time zone $3) else $2::timestamptz end) as to_at
