-- The queue: NEW and unassigned, newest first (partial index requests_queue_number).
-- $1 after this number, $2 limit (why "(select …)": list_recent.sql).
select number::text as seq, status, created_by, assignee_id, doc
from request_details
where status = 'NEW' and assignee_id is null and number < (select coalesce($1::bigint, 9223372036854775807))
order by number desc
limit (select $2::int)
