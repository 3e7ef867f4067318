-- Creates an endpoint and its audit row (no event: API.md) in one statement.
-- $1 url, $2 description, $3 events, $4 team id, $5 secret, $6 actor, $7 request id, $8 ip, $9 user agent.
with w as (
  insert into webhooks (url, description, events, team_id, secret)
  values ($1, $2, $3, $4, $5)
  returning *
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $6, 'webhook.created', 'webhook', w.id,
         jsonb_build_object('url', jsonb_build_array(null, w.url), 'description', jsonb_build_array(null, w.description),
                            'events', jsonb_build_array(null, to_jsonb(w.events)), 'team_id', jsonb_build_array(null, w.team_id),
                            'is_active', jsonb_build_array(null, w.is_active), 'secret_last4', jsonb_build_array(null, right(w.secret, 4))),
         $7, $8, $9
  from w
)
select w.seq::text, w.id, w.url, w.description, w.events, w.team_id, w.is_active, w.disabled_reason,
       right(w.secret, 4) as secret_last4, w.created_at, w.updated_at
from w
