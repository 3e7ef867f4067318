-- One request by id: the columns the rules need, and its JSON (request_json, migration 0002).
select id, public_id, title, description, priority, status, created_by, assignee_id, team_id, version, doc
from request_details
where id = $1
