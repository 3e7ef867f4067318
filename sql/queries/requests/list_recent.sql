-- The first and later pages of all requests, newest first: the hot list, with one cached plan.
-- $1 after this number (null: from the newest), $2 limit.
select number::text as seq, id, public_id, title, description, priority, status, created_by, created_by_name, assignee_id, assignee_name, version, created_at, updated_at, resolved_at
from request_details
where number < coalesce($1::bigint, 9223372036854775807)
order by number desc
limit $2
