-- Every change to a request: applied only if nobody changed it since it was read
-- (version $2), with its audit row, its event and an optional public comment (with its
-- own audit row and comment.created event), in one statement.
-- No row back means the request moved on, or another transaction holds its row (skip
-- locked: this statement never waits for a lock, so writers queued on one request cannot
-- take every pooled connection); the caller then tries again with the row locked
-- (src/requests/actions.ts). A transaction's own lock is not skipped.
-- $3..$7 the new title, description, priority, status, assignee; $8 actor, $9 action (and
-- event type), $10 changes, $11 comment body or null, $12 request id, $13 ip, $14 user agent,
-- $15 the new team.
with target as (
  select id from requests where id = $1 and version = $2 for no key update skip locked
), r as (
  update requests
  set title = $3, description = $4, priority = $5, status = $6, assignee_id = $7, team_id = $15,
      -- A status change by someone other than the creator is a first response, but for
      -- CANCELED, which stops the clocks unmet (API.md, "SLA"); the trigger requests__sla
      -- keeps the first one, at the database's time.
      first_response_at = case when $6 <> requests.status and $6 <> 'CANCELED' and $8 <> requests.created_by then now() end
  from target
  where requests.id = target.id
  returning requests.*
), d as (
  select r.id, request_json(r, cu.full_name, au.full_name, t.name) as doc
  from r
  join users cu on cu.id = r.created_by
  left join users au on au.id = r.assignee_id
  left join teams t on t.id = r.team_id
), c as (
  insert into comments (request_id, author_id, body)
  select r.id, $8, $11 from r where $11::text is not null
  returning *
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $8, $9, 'request', r.id, $10::jsonb, $12, $13, $14 from r where $10::jsonb <> '{}'
  union all
  select $8, 'comment.added', 'comment', c.id,
         jsonb_build_object('request_id', jsonb_build_array(null, c.request_id),
                            'body', jsonb_build_array(null, c.body),
                            'internal', jsonb_build_array(null, c.internal)),
         $12, $13, $14
  from c
), e as (
  insert into events (type, actor_id, request_id, data)
  select $9, $8, d.id, jsonb_build_object('request', d.doc::jsonb, 'changes', $10::jsonb) from d where $10::jsonb <> '{}'
  union all
  select 'comment.created', $8, d.id, jsonb_build_object('request', d.doc::jsonb, 'comment', comment_json(c, u.full_name))
  from c join d on d.id = c.request_id join users u on u.id = c.author_id
)
select r.id, r.public_id, r.title, r.description, r.priority, r.status, r.created_by, r.assignee_id, r.team_id,
       r.version, d.doc
from r join d on d.id = r.id
