-- Creates a team with its audit row and team.created event in one statement.
-- $3 actor, $4 request id, $5 ip, $6 user agent.
with t as (
  insert into teams (name, description) values ($1, $2)
  returning *
), ch as (
  select t.id, jsonb_build_object(
           'name', jsonb_build_array(null, t.name),
           'description', jsonb_build_array(null, t.description),
           'is_active', jsonb_build_array(null, t.is_active)) as changes,
         team_json(t, 0) as doc
  from t
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $3, 'team.created', 'team', ch.id, ch.changes, $4, $5, $6 from ch
), e as (
  insert into events (type, actor_id, data)
  select 'team.created', $3, jsonb_build_object('team', ch.doc, 'changes', ch.changes) from ch
)
select ch.doc from ch
