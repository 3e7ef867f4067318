-- Files a request, audits it and records its event, in one statement.
-- $4 creator, $5 request id, $6 ip, $7 user agent, $8 team (null: the general pool).
with r as (
  insert into requests (title, description, priority, created_by, team_id)
  values ($1, $2, $3, $4, $8)
  returning *
), ch as (
  select r.id, jsonb_build_object(
           'title', jsonb_build_array(null, r.title),
           'description', jsonb_build_array(null, r.description),
           'priority', jsonb_build_array(null, r.priority),
           'status', jsonb_build_array(null, r.status))
         || case when r.team_id is null then '{}'::jsonb else jsonb_build_object('team_id', jsonb_build_array(null, r.team_id)) end as changes,
         request_json(r, u.full_name, null, t.name) as doc
  from r join users u on u.id = r.created_by left join teams t on t.id = r.team_id
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $4, 'request.created', 'request', ch.id, ch.changes, $5, $6, $7
  from ch
), e as (
  insert into events (type, actor_id, request_id, data)
  select 'request.created', $4, ch.id, jsonb_build_object('request', ch.doc::jsonb, 'changes', ch.changes)
  from ch
)
select r.id, r.public_id, r.title, r.description, r.priority, r.status, r.created_by, r.assignee_id, r.team_id,
       r.version, ch.doc
from r join ch on ch.id = r.id
