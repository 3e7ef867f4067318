-- The audit entries of one request, of its comments and of its attachments, oldest first.
-- $2 false hides internal comments and attachments (and their audit entries); $3 false
-- hides ip and user agent.
select a.seq::text, a.id, a.actor_id, u.full_name as actor_name, a.action, a.entity_type,
       a.entity_id, a.changes, a.request_id,
       case when $3 then a.ip end as ip, case when $3 then a.user_agent end as user_agent,
       a.created_at
from audit_logs a
left join users u on u.id = a.actor_id
where ((a.entity_type = 'request' and a.entity_id = $1)
    or (a.entity_type = 'comment'
        and a.entity_id in (select id from comments where request_id = $1 and ($2 or not internal)))
    or (a.entity_type = 'attachment'
        and a.entity_id in (select id from attachments where request_id = $1 and ($2 or not internal))))
  and ($4::bigint is null or a.seq > $4)
order by a.seq
limit $5
