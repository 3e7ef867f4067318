-- Changes an endpoint and audits the fields that changed ([old, new]), in one statement;
-- a change that changes nothing writes no audit row. Enabling clears disabled_reason and
-- the failure count. $1 id; null keeps a field: $2 url, $3 description, $4 events,
-- $5 true: set team_id to $6 (null too), $7 is_active; $8 actor, $9 request id, $10 ip, $11 user agent.
with old as (
  select * from webhooks where id = $1 for no key update
), new as (
  update webhooks w set
    url = coalesce($2, old.url),
    description = coalesce($3, old.description),
    events = coalesce($4::text[], old.events),
    team_id = case when $5::boolean then $6::uuid else old.team_id end,
    is_active = coalesce($7::boolean, old.is_active),
    disabled_reason = case when coalesce($7::boolean, old.is_active) then null else old.disabled_reason end,
    consecutive_failures = case when $7::boolean and not old.is_active then 0 else old.consecutive_failures end,
    updated_at = now()
  from old
  where w.id = old.id
  returning w.*
), ch as (
  select coalesce(jsonb_object_agg(o.key, jsonb_build_array(o.value, n.value)), '{}') as changes
  from old, new,
       jsonb_each(jsonb_build_object('url', old.url, 'description', old.description, 'events', old.events, 'team_id', old.team_id,
                                     'is_active', old.is_active, 'disabled_reason', old.disabled_reason)) o
  join jsonb_each(jsonb_build_object('url', new.url, 'description', new.description, 'events', new.events, 'team_id', new.team_id,
                                     'is_active', new.is_active, 'disabled_reason', new.disabled_reason)) n using (key)
  where o.value is distinct from n.value
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $8, 'webhook.updated', 'webhook', new.id, ch.changes, $9, $10, $11
  from new, ch
  where ch.changes <> '{}'
)
select new.seq::text, new.id, new.url, new.description, new.events, new.team_id, new.is_active, new.disabled_reason,
       right(new.secret, 4) as secret_last4, new.created_at, new.updated_at
from new
