-- One request by id, its row locked until the transaction ends: the contended path of a
-- change (src/http/requests.ts applyChange), so a writer that lost the version race is
-- judged against the request as it now is and cannot lose again.
with locked as (
  select id from requests where id = $1 for no key update
)
select d.id, d.public_id, d.title, d.description, d.priority, d.status, d.created_by, d.assignee_id, d.version, d.doc
from request_details d
join locked on locked.id = d.id
