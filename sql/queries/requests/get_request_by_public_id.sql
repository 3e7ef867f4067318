-- One request by public_id (REQ-n): the columns the rules need, and its JSON.
select id, public_id, title, description, priority, status, created_by, assignee_id, team_id, version, doc
from request_details
where public_id = $1
