-- Events after the cursor (xid, seq), in that order, and only those of transactions older
-- than every transaction of this database still running (event_horizon, 0013): a later
-- commit can then never land behind the cursor (sql/migrations/0004_events.sql). $1 $2 the cursor (null: from the start),
-- $3 types (null: all), $4 created at or after, $5 limit.
select e.seq::text, e.xid::text, e.id, e.type, e.created_at, e.actor_id, u.full_name as actor_name, e.data
from events e
left join users u on u.id = e.actor_id
where (e.xid, e.seq) > (coalesce($1::text, '0')::xid8, coalesce($2::bigint, 0))
  and e.xid < (select event_horizon())
  and ($3::text[] is null or e.type = any($3))
  and ($4::timestamptz is null or e.created_at >= $4)
order by e.xid, e.seq
limit $5
