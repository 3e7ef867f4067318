-- Creates a user and its audit row in one statement.
-- $6 actor (null: the new user is its own actor, as in bootstrap), $7 action,
-- $8 request id, $9 ip, $10 user agent,
-- $11 true: only while no active ADMIN exists (bootstrap; the caller holds the admins lock).
with u as (
  insert into users (email, full_name, role, api_key_hash, api_key_last4)
  select $1, $2, $3, $4, $5
  where not ($11::boolean and exists (select 1 from users where role = 'ADMIN' and is_active))
  returning *
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select coalesce($6::uuid, u.id), $7, 'user', u.id,
         jsonb_build_object(
           'email', jsonb_build_array(null, u.email),
           'full_name', jsonb_build_array(null, u.full_name),
           'role', jsonb_build_array(null, u.role),
           'is_active', jsonb_build_array(null, u.is_active)),
         $8, $9, $10
  from u
)
select id, email, full_name, role, is_active, api_key_last4, created_at, updated_at
from u
