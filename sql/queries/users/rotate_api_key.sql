-- Replaces the key hash, audited and with its event; the old key stops matching the moment this commits.
-- $4 actor, $5 request id, $6 ip, $7 user agent.
with old as (
  select id, api_key_last4 from users where id = $1 for update
), u as (
  update users set api_key_hash = $2, api_key_last4 = $3
  from old where users.id = old.id
  returning users.*
), ch as (
  select u.id, jsonb_build_object('api_key_last4', jsonb_build_array(old.api_key_last4, u.api_key_last4)) as changes
  from u join old on old.id = u.id
), e as (
  insert into events (type, actor_id, data)
  select 'user.api_key_rotated', $4, jsonb_build_object('user', user_json(u), 'changes', ch.changes)
  from u join ch on ch.id = u.id
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $4, 'user.api_key_rotated', 'user', ch.id, ch.changes, $5, $6, $7
  from ch
)
select id, api_key_last4 from u
