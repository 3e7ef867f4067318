-- One person's requests, newest first (an employee's list). $1 creator, $2 after this
-- number, $3 limit, $4..$6 visibility as in list_recent.sql. Planned per call
-- (src/db/requests.ts): for someone with few requests among many,
-- requests_created_by_number; a cached plan cannot tell the few from the many.
select number::text as seq, status, created_by, assignee_id, team_id, doc
from request_details
where created_by = $1 and number < coalesce($2::bigint, 9223372036854775807)
  and ($4::boolean or team_id is null or team_id = any($5::uuid[]) or assignee_id = $6::uuid)
order by number desc
limit $3
