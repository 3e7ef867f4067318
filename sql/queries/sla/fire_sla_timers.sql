-- Fires the SLA timers whose time has come on the service's clock ($1, src/clock.ts), at
-- most $2, oldest first: each is marked fired and its sla.warning or sla.breached event is
-- written in this one statement, so a timer fires exactly once with any number of
-- instances — one another instance is firing is skipped (skip locked), one it has fired no
-- longer matches (for update reads the row as it is now, fired_at set). A warning or
-- breach whose time came while every instance was down fires on the next run, with its
-- true due_at (sql/migrations/0008_sla.sql, sla_timers).
with due as (
  select request_id, metric, kind from sla_timers
  where fired_at is null and fire_at <= $1
  order by fire_at
  limit $2
  for update skip locked
), fired as (
  update sla_timers t set fired_at = $1
  from due
  where (t.request_id, t.metric, t.kind) = (due.request_id, due.metric, due.kind)
  returning t.request_id, t.metric, t.kind, t.fire_at, t.due_at
), e as (
  insert into events (type, request_id, data)
  select 'sla.' || f.kind, f.request_id, jsonb_build_object(
           -- The request as it is now, but for this clock's breached flag, which the
           -- service's clock has just decided (the database's may be a moment behind).
           'request', case when f.kind = 'breached'
                        then jsonb_set(request_event_json(f.request_id), array['sla', f.metric, 'breached'], 'true')
                        else request_event_json(f.request_id) end,
           'metric', f.metric, 'due_at', api_time(f.due_at))
  from fired f
  order by f.fire_at, f.kind desc  -- a late warning before its breach
)
select f.kind, f.metric, r.priority from fired f join requests r on r.id = f.request_id
