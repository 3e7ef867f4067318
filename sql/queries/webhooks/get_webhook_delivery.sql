-- One delivery of endpoint $1.
select seq::text, id, event_id, event_type, status, attempts, next_attempt_at,
       last_attempt_at, last_response_status, last_duration_ms, last_error, created_at
from webhook_deliveries
where webhook_id = $1 and id = $2
