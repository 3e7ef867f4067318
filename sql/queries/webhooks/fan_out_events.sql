-- The fan-out: events after the cursor, below the horizon of transactions still running (as
-- GET /events reads them, sql/queries/events/list_events.sql), become one delivery for
-- each active endpoint that receives them (webhook_receives), and the cursor moves past
-- them, all in this one statement. The cursor row is locked SKIP LOCKED: while one
-- instance fans out, another finds no row and does nothing. An endpoint receives only
-- events written since it was created. $1 how many events at most.
--
-- The new deliveries of endpoint $2[i] (locked by lock_fan_out_webhooks.sql in this
-- transaction) are leased at once to process $4 for $5 ms, at most $3[i] of them, as
-- claim_webhook_deliveries.sql would lease them: a claim after the insert was a second
-- write of every delivery, and the larger part of what a delivery cost PostgreSQL. Only
-- where a claim would take them, by the same views (migration 0021): no other live
-- process works the endpoint (this statement's snapshot is taken after the locks), and
-- none of its due deliveries waits unleased (older ones go first, to the claim). Leased rows come back
-- with their events; the first row carries the counts, and is all there is when nothing
-- was leased.
with c as (
  select xid, seq from webhook_fanout_cursor for update skip locked
), batch as (
  select e.id, e.xid, e.seq, e.type, e.data, e.created_at, e.actor_id
  from c
  cross join lateral (
    select e.id, e.xid, e.seq, e.type, e.data, e.created_at, e.actor_id
    from events e
    where (e.xid, e.seq) > (c.xid, c.seq)
      and e.xid < (select event_horizon())
    order by e.xid, e.seq
    limit $1
  ) e
), room as (
  select t.id, t.n
  from unnest($2::uuid[], $3::int[]) as t (id, n)
  where not exists (select 1 from webhook_live_leases x where x.webhook_id = t.id and x.lease_owner <> $4)
    and not exists (select 1 from webhook_due_deliveries x where x.webhook_id = t.id)
), receiving as (
  select w.id as webhook_id, b.id as event_id, b.type, b.xid, b.seq,
         row_number() over (partition by w.id order by b.xid, b.seq) <= coalesce(r.n, 0) as leased
  from batch b
  join webhooks w on w.is_active and w.created_at <= b.created_at and webhook_receives(w, b.type, b.data)
  left join room r on r.id = w.id
), delivered as (
  insert into webhook_deliveries (webhook_id, event_id, event_type, created_at, lease_owner, lease, leased_until)
  select v.webhook_id, v.event_id, v.type, now(),
         case when v.leased then $4::uuid end,
         case when v.leased then gen_random_uuid() end,
         case when v.leased then now() + make_interval(secs => $5::float8 / 1000) end
  from receiving v
  order by v.xid, v.seq
  on conflict (event_id, webhook_id) do nothing
  returning id, webhook_id, event_id, lease, attempts
), last as (
  select xid, seq from batch order by xid desc, seq desc limit 1
), moved as (
  update webhook_fanout_cursor set xid = last.xid, seq = last.seq, updated_at = now()
  from last
  returning 1
), counts as (
  select (select count(*) from c)::int as locked,
         (select count(*) from batch)::int as events,
         (select count(*) from delivered)::int as deliveries
)
select k.locked, k.events, k.deliveries,
       l.id, l.webhook_id, l.lease, l.attempts,
       b.id as event_id, b.type, b.created_at, b.actor_id, u.full_name as actor_name, b.data::text as data
from counts k
left join (
  delivered l
  join batch b on b.id = l.event_id
  left join users u on u.id = b.actor_id
) on l.lease is not null
order by b.xid, b.seq
