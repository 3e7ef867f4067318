-- One person's requests, newest first (an employee's list). $1 creator, $2 after this
-- number, $3 limit. Planned per call (src/db/requests.ts): for someone with few requests
-- among many, requests_created_by_number; a cached plan cannot tell the few from the many.
select number::text as seq, status, created_by, assignee_id, doc
from request_details
where created_by = $1 and number < coalesce($2::bigint, 9223372036854775807)
order by number desc
limit $3
