-- A webhook.ping event for endpoint $1 by actor $2, and its delivery at once: the
-- fan-out would find it too (webhook_receives sends a ping only to its endpoint), but a
-- ping should not wait behind the event cursor. Returns the event's id; nothing when the
-- endpoint is gone or disabled (a disabled one is sent nothing, src/webhooks/actions.ts).
with w as (
  select id from webhooks where id = $1 and is_active
), e as (
  insert into events (type, actor_id, data)
  select 'webhook.ping', $2, jsonb_build_object('webhook_id', w.id)
  from w
  returning id, type
), d as (
  insert into webhook_deliveries (webhook_id, event_id, event_type)
  select w.id, e.id, e.type from w, e
)
select id from e
