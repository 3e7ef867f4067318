-- One attachment by id, without its bytes (read_attachment_chunk.sql reads those).
select a.seq::text, a.id, a.request_id, a.uploaded_by, u.full_name as uploaded_by_name, a.filename,
       a.content_type, a.size, a.sha256, a.internal, a.chunk_size, a.created_at
from attachments a
join users u on u.id = a.uploaded_by
where a.id = $1
