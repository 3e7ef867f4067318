-- Creates a user, its audit row and its user.created event in one statement.
-- $6 actor (null: the new user is its own actor, as in bootstrap), $7 action,
-- $8 request id, $9 ip, $10 user agent,
-- $11 true: only while no active ADMIN exists (bootstrap; the caller holds the admins lock).
with u as (
  insert into users (email, full_name, role, api_key_hash, api_key_last4)
  select $1, $2, $3, $4, $5
  where not ($11::boolean and exists (select 1 from users where role = 'ADMIN' and is_active))
  returning *
), ch as (
  select u.id, jsonb_build_object(
           'email', jsonb_build_array(null, u.email),
           'full_name', jsonb_build_array(null, u.full_name),
           'role', jsonb_build_array(null, u.role),
           'is_active', jsonb_build_array(null, u.is_active)) as changes,
         user_json(u) as doc
  from u
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select coalesce($6::uuid, ch.id), $7, 'user', ch.id, ch.changes, $8, $9, $10
  from ch
), e as (
  -- A bootstrap is a user.created event too (the catalogue has no other).
  insert into events (type, actor_id, data)
  select 'user.created', coalesce($6::uuid, ch.id), jsonb_build_object('user', ch.doc, 'changes', ch.changes)
  from ch
)
select id, email, full_name, role, is_active, api_key_last4, created_at, updated_at, user_teams(id) as teams, user_telegram(id) as telegram
from u
