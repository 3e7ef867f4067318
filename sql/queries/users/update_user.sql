-- Applies the given fields (null = unchanged); audits what actually changed and records its event.
-- $5 actor, $6 request id, $7 ip, $8 user agent.
with old as (
  select * from users where id = $1 for update
), u as (
  update users
  set full_name = coalesce($2, users.full_name),
      role = coalesce($3, users.role),
      is_active = coalesce($4, users.is_active)
  from old
  where users.id = old.id
  returning users.*
), diff as (
  select u.id, jsonb_strip_nulls(jsonb_build_object(
    'full_name', case when old.full_name is distinct from u.full_name then jsonb_build_array(old.full_name, u.full_name) end,
    'role', case when old.role is distinct from u.role then jsonb_build_array(old.role, u.role) end,
    'is_active', case when old.is_active is distinct from u.is_active then jsonb_build_array(old.is_active, u.is_active) end
  )) as changes
  from u join old on old.id = u.id
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $5, 'user.updated', 'user', diff.id, diff.changes, $6, $7, $8
  from diff
  where diff.changes <> '{}'
), e as (
  insert into events (type, actor_id, data)
  select 'user.updated', $5, jsonb_build_object('user', user_json(u), 'changes', diff.changes)
  from diff join u on u.id = diff.id
  where diff.changes <> '{}'
)
select id, email, full_name, role, is_active, api_key_last4, created_at, updated_at, user_teams(id) as teams, user_telegram(id) as telegram
from u
