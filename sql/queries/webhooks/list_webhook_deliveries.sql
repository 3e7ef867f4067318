-- An endpoint's deliveries, newest first. $1 endpoint, $2 status (null: any),
-- $3 keyset cursor (a seq; null: from the top), $4 limit.
select seq::text, id, event_id, event_type, status, attempts, next_attempt_at,
       last_attempt_at, last_response_status, last_duration_ms, last_error, created_at
from webhook_deliveries
where webhook_id = $1
  and ($2::text is null or status = $2)
  and ($3::bigint is null or seq < $3)
order by seq desc
limit $4
