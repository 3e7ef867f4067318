-- Every attempt of delivery $1, oldest first.
select at, response_status, duration_ms, error, response_excerpt
from webhook_attempts
where delivery_id = $1
order by id
