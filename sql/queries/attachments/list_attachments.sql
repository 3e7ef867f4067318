-- A request's attachments, newest first, keyset on seq. $2 false hides internal ones.
select a.seq::text, a.id, a.request_id, a.uploaded_by, u.full_name as uploaded_by_name, a.filename,
       a.content_type, a.size, a.sha256, a.internal, a.chunk_size, a.created_at
from attachments a
join users u on u.id = a.uploaded_by
where a.request_id = $1
  and ($2 or not a.internal)
  and ($3::bigint is null or a.seq < $3)
order by a.seq desc
limit $4
