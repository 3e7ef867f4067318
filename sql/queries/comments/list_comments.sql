-- Newest first. $2 false hides internal comments.
select c.seq::text, c.id, c.request_id, c.author_id, u.full_name as author_name, c.body, c.internal, c.created_at
from comments c
join users u on u.id = c.author_id
where c.request_id = $1
  and ($2 or not c.internal)
  and ($3::bigint is null or c.seq < $3)
order by c.seq desc
limit $4
