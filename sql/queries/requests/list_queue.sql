-- The queue: NEW and unassigned, newest first (partial index requests_queue_number).
-- $1 after this number, $2 limit.
select number::text as seq, id, public_id, title, description, priority, status, created_by, created_by_name, assignee_id, assignee_name, version, created_at, updated_at, resolved_at
from request_details
where status = 'NEW' and assignee_id is null and number < coalesce($1::bigint, 9223372036854775807)
order by number desc
limit $2
