-- A new attempt now, also for a delivery that succeeded or failed: it is pending again
-- and continues its retry schedule from the attempts it has made. $1 endpoint, $2 delivery.
-- Nothing when the endpoint is disabled (it is sent nothing, src/webhooks/actions.ts).
update webhook_deliveries set status = 'pending', next_attempt_at = now(), updated_at = now()
where webhook_id = $1 and id = $2 and exists (select 1 from webhooks w where w.id = $1 and w.is_active)
returning seq::text, id, event_id, event_type, status, attempts, next_attempt_at,
          last_attempt_at, last_response_status, last_duration_ms, last_error, created_at
