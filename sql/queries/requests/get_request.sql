select number::text as seq, id, public_id, title, description, priority, status, created_by, created_by_name, assignee_id, assignee_name, version, created_at, updated_at, resolved_at
from request_details
where id = $1
