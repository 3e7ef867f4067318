-- Non-terminal requests of team $1 assigned to $2 (the API's 409 member_has_open_requests
-- before the trigger's refusal).
select count(*)::int as n
from requests
where team_id = $1 and assignee_id = $2 and status in ('NEW', 'IN_PROGRESS')
