-- The fan-out: events after the cursor, below the horizon of transactions still running (as
-- GET /events reads them, sql/queries/events/list_events.sql), become one delivery for
-- each active endpoint that receives them (webhook_receives), and the cursor moves past
-- them, all in this one statement. The cursor row is locked SKIP LOCKED: while one
-- instance fans out, another finds no row and does nothing. An endpoint receives only
-- events written since it was created. $1 how many events at most.
with c as (
  select xid, seq from webhook_fanout_cursor for update skip locked
), batch as (
  select e.id, e.xid, e.seq, e.type, e.data, e.created_at
  from c
  cross join lateral (
    select e.id, e.xid, e.seq, e.type, e.data, e.created_at
    from events e
    where (e.xid, e.seq) > (c.xid, c.seq)
      and e.xid < (select event_horizon())
    order by e.xid, e.seq
    limit $1
  ) e
), delivered as (
  insert into webhook_deliveries (webhook_id, event_id, event_type, created_at)
  select w.id, b.id, b.type, now()
  from batch b
  join webhooks w on w.is_active and w.created_at <= b.created_at and webhook_receives(w, b.type, b.data)
  order by b.xid, b.seq
  on conflict (event_id, webhook_id) do nothing
  returning 1
), last as (
  select xid, seq from batch order by xid desc, seq desc limit 1
), moved as (
  update webhook_fanout_cursor set xid = last.xid, seq = last.seq, updated_at = now()
  from last
  returning 1
)
select (select count(*) from c)::int as locked,
       (select count(*) from batch)::int as events,
       (select count(*) from delivered)::int as deliveries
