-- Step 1 of a fan-out (in a transaction with fan_out_events.sql): while events wait past
-- the cursor, active endpoints this process has room for, locked as a claim locks them
-- (lock_due_webhooks.sql), so that the fan-out may lease their new deliveries to this
-- process at once instead of leaving them for a claim. With nothing waiting, nothing is
-- locked (an idle poll writes nothing). $1 endpoints to leave out (this process has enough
-- of theirs), $2 how many at most. With each, what a delivery needs (webhook_senders,
-- migration 0021).
select w.id, w.url, w.secret, w.previous_secret
from webhook_senders w
where w.is_active
  and w.id <> all ($1::uuid[])
  and exists (
    select 1
    from webhook_fanout_cursor c
    cross join lateral (
      select 1 from events e
      where (e.xid, e.seq) > (c.xid, c.seq) and e.xid < (select event_horizon())
      limit 1
    ) e)
order by w.seq
limit $2
for no key update of w skip locked
