-- One person's requests, newest first (an employee's list). $1 creator, $2 after this number, $3 limit.
select number::text as seq, id, public_id, title, description, priority, status, created_by, created_by_name, assignee_id, assignee_name, version, created_at, updated_at, resolved_at
from request_details
where created_by = $1 and number < coalesce($2::bigint, 9223372036854775807)
order by number desc
limit $3
