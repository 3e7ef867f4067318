-- Newest first, keyset on seq. A null parameter means "no such filter".
select a.seq::text, a.id, a.actor_id, u.full_name as actor_name, a.action, a.entity_type,
       a.entity_id, a.changes, a.request_id, a.ip, a.user_agent, a.created_at
from audit_logs a
left join users u on u.id = a.actor_id
where ($1::uuid is null or a.actor_id = $1)
  and ($2::text is null or a.entity_type = $2)
  and ($3::uuid is null or a.entity_id = $3)
  and ($4::text is null or a.action = $4)
  and ($5::timestamptz is null or a.created_at >= $5)
  and ($6::timestamptz is null or a.created_at < $6)
  and ($7::bigint is null or a.seq < $7)
order by a.seq desc
limit $8
