-- Records an uploaded file (its chunks are written already, in the same transaction), its
-- audit row and its attachment.created event, in one statement.
-- $1 id, $2 request, $3 uploader, $4 filename, $5 content type, $6 size, $7 sha256,
-- $8 internal, $9 chunk size, $10 request id, $11 ip, $12 user agent.
-- The event's request is read by this statement, which does not see its own insert, so
-- its attachments_count is the count before this file plus one.
with a as (
  insert into attachments (id, request_id, uploaded_by, filename, content_type, size, sha256, internal, chunk_size)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
  returning *
), l as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $3, 'attachment.added', 'attachment', a.id,
         jsonb_build_object('request_id', jsonb_build_array(null, a.request_id),
                            'filename', jsonb_build_array(null, a.filename),
                            'content_type', jsonb_build_array(null, a.content_type),
                            'size', jsonb_build_array(null, a.size),
                            'sha256', jsonb_build_array(null, a.sha256),
                            'internal', jsonb_build_array(null, a.internal)),
         $10, $11, $12
  from a
), e as (
  insert into events (type, actor_id, request_id, data)
  select 'attachment.created', $3, a.request_id,
         jsonb_build_object(
           'request', jsonb_set(request_event_json(a.request_id), '{attachments_count}',
                                to_jsonb(request_attachments_count(a.request_id) + 1)),
           'attachment', attachment_json(a, u.full_name))
  from a join users u on u.id = a.uploaded_by
)
select a.seq::text, a.id, a.request_id, a.uploaded_by, u.full_name as uploaded_by_name, a.filename,
       a.content_type, a.size, a.sha256, a.internal, a.chunk_size, a.created_at
from a join users u on u.id = a.uploaded_by
