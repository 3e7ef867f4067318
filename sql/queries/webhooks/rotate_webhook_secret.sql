-- A new secret; the one it replaces keeps signing for 24 hours (API.md), and one rotated
-- earlier stops. Audited with the last four characters only. $1 id, $2 new secret,
-- $3 actor, $4 request id, $5 ip, $6 user agent.
with old as (
  select id, secret from webhooks where id = $1 for no key update
), w as (
  update webhooks w set
    previous_secret = old.secret,
    previous_secret_expires_at = now() + interval '24 hours',
    secret = $2,
    updated_at = now()
  from old
  where w.id = old.id
  returning w.id, w.secret, w.previous_secret_expires_at, old.secret as old_secret
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $3, 'webhook.secret_rotated', 'webhook', w.id,
         jsonb_build_object('secret_last4', jsonb_build_array(right(w.old_secret, 4), right(w.secret, 4))),
         $4, $5, $6
  from w
)
select id, right(secret, 4) as secret_last4, previous_secret_expires_at from w
