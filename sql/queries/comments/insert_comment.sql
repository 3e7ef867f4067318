-- Adds a comment, its audit row and its comment.created event in one statement.
-- $5 request id, $6 ip, $7 user agent.
with c as (
  insert into comments (request_id, author_id, body, internal)
  values ($1, $2, $3, $4)
  returning *
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $2, 'comment.added', 'comment', c.id,
         jsonb_build_object('request_id', jsonb_build_array(null, c.request_id),
                            'body', jsonb_build_array(null, c.body),
                            'internal', jsonb_build_array(null, c.internal)),
         $5, $6, $7
  from c
), fr as (
  -- A public comment by someone other than the creator on an open request is a first
  -- response (API.md, "SLA"); the first one counts (the trigger requests__sla keeps it).
  update requests set first_response_at = now()
  from c
  where requests.id = c.request_id and not c.internal and requests.created_by <> c.author_id
    and requests.first_response_at is null and requests.status in ('NEW', 'IN_PROGRESS')
  returning requests.first_response_at
), e as (
  insert into events (type, actor_id, request_id, data)
  select 'comment.created', $2, c.request_id,
         jsonb_build_object(
           -- (This statement's snapshot does not see fr's write: its first response is patched in.)
           'request', coalesce(jsonb_set(request_event_json(c.request_id), '{sla,first_response,met_at}',
                                         (select to_jsonb(api_time(fr.first_response_at)) from fr)),
                               request_event_json(c.request_id)),
           'comment', comment_json(c, u.full_name))
  from c join users u on u.id = c.author_id
)
select c.seq::text, c.id, c.request_id, c.author_id, u.full_name as author_name, c.body, c.internal, c.created_at
from c join users u on u.id = c.author_id
