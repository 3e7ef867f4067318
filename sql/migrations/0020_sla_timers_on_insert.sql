-- requests__sla_timers (0008) cleared a request's pending timers before writing them anew,
-- on insert too, where a new request has none. That delete was planned once per session
-- by PL/pgSQL; on a fresh sla_timers with no statistics the plan was a sequential scan, so
-- one INSERT … SELECT of many requests with an SLA (an import) grew with the square of its
-- rows: 2 000 requests took 11.7 s, while 500 took 1.0 s (embedded PostgreSQL 17 here;
-- docs/benchmarks.md, "seventh session"). On insert it now only writes.
create or replace function requests__sla_timers() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    delete from sla_timers where request_id = new.id and fired_at is null;
  end if;
  insert into sla_timers (request_id, metric, kind, fire_at, due_at)
  select new.id, c.metric, k.kind, k.fire_at, c.due_at
  from (values
      ('first_response', new.sla_first_response_warning_at, new.sla_first_response_due_at,
       coalesce(new.first_response_at, case when new.status in ('DONE', 'CANCELED') then new.resolved_at end)),
      ('resolution', new.sla_resolution_warning_at, new.sla_resolution_due_at,
       case when new.status in ('DONE', 'CANCELED') then new.resolved_at end)
    ) as c (metric, warning_at, due_at, ended_at)
  cross join lateral (values ('warning', c.warning_at), ('breached', c.due_at)) as k (kind, fire_at)
  where c.due_at is not null and (c.ended_at is null or c.ended_at >= k.fire_at)
  on conflict (request_id, metric, kind) do nothing;
  return null;
end;
$$;
