-- Deletes an endpoint (its deliveries and attempts go with it) and audits it.
-- $1 id, $2 actor, $3 request id, $4 ip, $5 user agent.
with w as (
  delete from webhooks where id = $1
  returning *
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $2, 'webhook.deleted', 'webhook', w.id,
         jsonb_build_object('url', jsonb_build_array(w.url, null), 'events', jsonb_build_array(to_jsonb(w.events), null),
                            'is_active', jsonb_build_array(w.is_active, null)),
         $3, $4, $5
  from w
)
select id from w
