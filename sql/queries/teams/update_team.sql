-- Applies the given fields (null = unchanged); audits what changed and records team.updated.
-- $5 actor, $6 request id, $7 ip, $8 user agent.
with old as (
  select * from teams where id = $1 for update
), t as (
  update teams
  set name = coalesce($2, teams.name), description = coalesce($3, teams.description), is_active = coalesce($4, teams.is_active)
  from old where teams.id = old.id
  returning teams.*
), diff as (
  select t.id, jsonb_strip_nulls(jsonb_build_object(
    'name', case when old.name is distinct from t.name then jsonb_build_array(old.name, t.name) end,
    'description', case when old.description is distinct from t.description then jsonb_build_array(old.description, t.description) end,
    'is_active', case when old.is_active is distinct from t.is_active then jsonb_build_array(old.is_active, t.is_active) end
  )) as changes,
  team_json(t, (select count(*) from team_members m where m.team_id = t.id)) as doc
  from t join old on old.id = t.id
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $5, 'team.updated', 'team', diff.id, diff.changes, $6, $7, $8 from diff where diff.changes <> '{}'
), e as (
  insert into events (type, actor_id, data)
  select 'team.updated', $5, jsonb_build_object('team', diff.doc, 'changes', diff.changes) from diff where diff.changes <> '{}'
)
select doc from diff
