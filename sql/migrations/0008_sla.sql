-- SLA (API.md, "SLA"): a policy of business hours and targets, snapshotted onto each request
-- when it is filed; due times in business minutes; first response and resolution; timers
-- that the worker fires as sla.warning and sla.breached events, each exactly once.
--
-- Where things are decided:
--   * due times: here, in the statement that files or re-prioritises a request (trigger
--     requests__sla, with sla_add_business_minutes — the twin of src/sla/calendar.ts,
--     test/sla-calendar.test.ts runs every case through both), so the request's JSON that
--     statement returns and its event already carry them, whoever writes the row;
--   * the first response: the statements that know who acted (update_request.sql for a
--     status change, insert_comment.sql for a public comment) set first_response_at when
--     that someone is not the creator; the trigger takes the database's time for it and
--     never lets it change once set;
--   * resolution and stopping: the status (DONE meets it at resolved_at; DONE and CANCELED
--     stop every clock still running at resolved_at);
--   * when to warn and when a breach happened: sla_timers, fired by src/worker/sla.ts with
--     the service's clock (sql/queries/sla/fire_sla_timers.sql).

-- The policy's versions. A PUT adds one; the newest is in force; a request keeps the
-- version it was filed under (requests.sla_policy_version), so a snapshot is one key and a
-- version is never rewritten (the server may only add: revoke below).
create table sla_policies (
  version    bigint generated always as identity primary key,
  id         uuid not null default gen_random_uuid() unique,  -- the audit log's entity_id
  policy     jsonb not null,
  created_at timestamptz not null default now(),
  -- The shape src/sla/schemas.ts validates; the time zone must be one PostgreSQL knows
  -- (reading it raises otherwise).
  constraint sla_policies_valid check (
    jsonb_typeof(policy->'business_hours') = 'object' and jsonb_typeof(policy->'holidays') = 'array'
    and jsonb_typeof(policy->'targets') = 'object' and (policy->>'warning_percent')::int between 1 and 99
    and (timestamptz '2000-01-01 00:00+00' at time zone (policy->>'timezone')) is not null)
);
revoke update, delete on sla_policies from serviceflow_app;

-- A fresh install: 24×7 in UTC and no targets, so no request has an SLA until an admin sets one.
insert into sla_policies (policy) values ('{
  "timezone": "UTC",
  "business_hours": {"mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]], "wed": [["00:00", "24:00"]],
    "thu": [["00:00", "24:00"]], "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]], "sun": [["00:00", "24:00"]]},
  "holidays": [],
  "targets": {"URGENT": null, "HIGH": null, "NORMAL": null, "LOW": null},
  "warning_percent": 80
}');

-- The instant `minutes` business minutes after `start` under the calendar of `policy`
-- (timezone, business_hours, holidays): src/sla/calendar.ts addBusinessMinutes, step for
-- step. Local days in the policy's zone; each business range [start, end) becomes two
-- instants with `timestamp at time zone` (a time the clock skips reads with the offset
-- before the change, one it shows twice as the later instant); durations are real seconds
-- (epoch arithmetic, never '1 day', which would be 23 or 25 hours across a change).
create function sla_add_business_minutes(start timestamptz, minutes numeric, policy jsonb) returns timestamptz
  language plpgsql stable parallel safe
as $$
declare
  tz constant text := policy->>'timezone';
  remaining numeric := minutes * 60;  -- seconds
  day date := (start at time zone tz)::date;
  span jsonb;
  a timestamptz;
  b timestamptz;
begin
  if remaining <= 0 then
    return start;
  end if;
  for i in 1..11000 loop  -- src/sla/calendar.ts MAX_DAYS: what a valid policy may need at most
    if not policy->'holidays' ? to_char(day, 'YYYY-MM-DD') then
      for span in
        select value from jsonb_array_elements(policy->'business_hours'->((array['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'])[extract(dow from day)::int + 1]))
      loop
        a := greatest(start, (day + (span->>0)::time) at time zone tz);
        b := (day + (span->>1)::time) at time zone tz;
        if b > a then
          if remaining <= extract(epoch from b) - extract(epoch from a) then
            return a + make_interval(secs => remaining);
          end if;
          remaining := remaining - (extract(epoch from b) - extract(epoch from a));
        end if;
      end loop;
    end if;
    day := day + 1;
  end loop;
  raise exception 'the business hours do not hold % minutes within 11000 days', minutes
    using errcode = 'data_exception';
end;
$$;

alter table requests
  add column sla_policy_version bigint references sla_policies (version),  -- null: filed before SLA existed
  add column first_response_at timestamptz,  -- the first public comment or status change by someone other than the creator
  add column sla_first_response_due_at timestamptz,
  add column sla_first_response_warning_at timestamptz,
  add column sla_resolution_due_at timestamptz,
  add column sla_resolution_warning_at timestamptz,
  -- The earliest due (warning) time of a clock still running, 'infinity' when none runs:
  -- the key of ?sort=due and of ?sla=breached|warning, set by requests__sla on every write.
  add column sla_next_due_at timestamptz,
  add column sla_next_warning_at timestamptz;

-- Requests filed before this migration have no SLA: no clock runs. Filled in, then made
-- NOT NULL, in steps, because PostgreSQL before 17 refuses to add a column with a default
-- (or a generated one) while a function body uses the table's row type (request_json).
-- The triggers are off for this one update: requests__guard refuses any write to a closed
-- request, and this changes nothing it guards.
alter table requests disable trigger user;
update requests set sla_next_due_at = 'infinity', sla_next_warning_at = 'infinity';
alter table requests enable trigger user;
alter table requests
  alter column sla_next_due_at set default 'infinity', alter column sla_next_due_at set not null,
  alter column sla_next_warning_at set default 'infinity', alter column sla_next_warning_at set not null;

-- ?sort=due walks (sla_next_due_at, number); ?sla=breached is a range of it; ?sla=warning
-- a range of sla_next_warning_at. ?sort=-priority walks (rank desc, number desc).
create index requests_sla_next_due_number on requests (sla_next_due_at, number);
create index requests_sla_next_warning on requests (sla_next_warning_at);

create function request_priority_rank(priority text) returns integer
  language sql immutable parallel safe
  return case priority when 'URGENT' then 4 when 'HIGH' then 3 when 'NORMAL' then 2 when 'LOW' then 1 end;
create index requests_priority_rank_number on requests (request_priority_rank(priority) desc, number desc);

-- The SLA columns, kept right whoever writes the row (after requests__guard has set
-- created_at and the status). Filing: the policy in force, and due and warning times from
-- created_at. Later: the snapshot never changes; due times change only with the priority,
-- and are then computed again from created_at under the snapshot; first_response_at is set
-- once, to the database's time. Every write: the next due and warning times of the clocks
-- still running.
create function requests__sla() returns trigger language plpgsql as $$
declare
  recompute boolean := tg_op = 'INSERT';
  p jsonb;
  target jsonb;
begin
  if tg_op = 'INSERT' then
    select version, policy into new.sla_policy_version, p from sla_policies order by version desc limit 1;
    new.first_response_at := null;
  else
    new.sla_policy_version := old.sla_policy_version;
    new.first_response_at := case when old.first_response_at is not null then old.first_response_at
                                  when new.first_response_at is not null then now() end;
    new.sla_first_response_due_at := old.sla_first_response_due_at;
    new.sla_first_response_warning_at := old.sla_first_response_warning_at;
    new.sla_resolution_due_at := old.sla_resolution_due_at;
    new.sla_resolution_warning_at := old.sla_resolution_warning_at;
    if new.priority is distinct from old.priority then
      recompute := true;
      select policy into p from sla_policies where version = new.sla_policy_version;
    end if;
  end if;
  if recompute then
    target := p->'targets'->new.priority;  -- null: no snapshot (filed before SLA existed) or no target
    if jsonb_typeof(target) = 'object' then
      new.sla_first_response_due_at := sla_add_business_minutes(new.created_at, (target->>'first_response_minutes')::numeric, p);
      new.sla_first_response_warning_at := sla_add_business_minutes(new.created_at,
        (target->>'first_response_minutes')::numeric * (p->>'warning_percent')::numeric / 100, p);
      new.sla_resolution_due_at := sla_add_business_minutes(new.created_at, (target->>'resolution_minutes')::numeric, p);
      new.sla_resolution_warning_at := sla_add_business_minutes(new.created_at,
        (target->>'resolution_minutes')::numeric * (p->>'warning_percent')::numeric / 100, p);
    else
      new.sla_first_response_due_at := null;
      new.sla_first_response_warning_at := null;
      new.sla_resolution_due_at := null;
      new.sla_resolution_warning_at := null;
    end if;
  end if;
  new.sla_next_due_at := coalesce(case when new.status in ('NEW', 'IN_PROGRESS') then
    least(case when new.first_response_at is null then new.sla_first_response_due_at end, new.sla_resolution_due_at) end, 'infinity');
  new.sla_next_warning_at := coalesce(case when new.status in ('NEW', 'IN_PROGRESS') then
    least(case when new.first_response_at is null then new.sla_first_response_warning_at end, new.sla_resolution_warning_at) end, 'infinity');
  return new;
end;
$$;
create trigger _120_sla before insert on requests
  for each row execute function requests__sla();
-- On update only when something it keeps could change (the status matters only to a request
-- with clocks): a bulk change of requests without SLA pays nothing.
create trigger _121_sla before update on requests
  for each row when (old.priority is distinct from new.priority
    or old.first_response_at is distinct from new.first_response_at
    or (old.status is distinct from new.status and old.sla_resolution_due_at is not null)
    or (old.sla_policy_version, old.sla_first_response_due_at, old.sla_first_response_warning_at, old.sla_resolution_due_at,
        old.sla_resolution_warning_at, old.sla_next_due_at, old.sla_next_warning_at)
       is distinct from (new.sla_policy_version, new.sla_first_response_due_at, new.sla_first_response_warning_at, new.sla_resolution_due_at,
        new.sla_resolution_warning_at, new.sla_next_due_at, new.sla_next_warning_at))
  execute function requests__sla();

-- One timer per request, metric and kind: warning at the warning time, breached at the due
-- time. The worker fires a timer once its time has come on the service's clock, writing
-- fired_at and the event in one statement (fire_sla_timers.sql); the primary key and the
-- row lock make that exactly once, with any number of instances. Fired timers stay, so
-- nothing fires twice, across restarts too; pending ones are what a process that was down
-- catches up on.
create table sla_timers (
  request_id uuid not null references requests (id),
  metric     text not null,
  kind       text not null,
  fire_at    timestamptz not null,
  due_at     timestamptz not null,  -- the metric's due time, for the event
  fired_at   timestamptz,           -- on the service's clock
  primary key (request_id, metric, kind),
  constraint sla_timers_metric_valid check (metric in ('first_response', 'resolution')),
  constraint sla_timers_kind_valid check (kind in ('warning', 'breached'))
);
create index sla_timers_pending on sla_timers (fire_at) where fired_at is null;

-- The pending timers of a request follow its clocks: after every change that moves a
-- due time or ends a clock, they are the timers whose time the clock reaches while it
-- runs (or reached before it ended: a breach that happened while the workers were down
-- still fires). A fired timer is never touched again.
create function requests__sla_timers() returns trigger language plpgsql as $$
begin
  delete from sla_timers where request_id = new.id and fired_at is null;
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
create trigger _130_sla_timers after insert on requests
  for each row when (new.sla_resolution_due_at is not null) execute function requests__sla_timers();
create trigger _131_sla_timers after update on requests
  for each row when ((old.sla_resolution_due_at is not null or new.sla_resolution_due_at is not null)
                     and (old.sla_first_response_due_at, old.sla_resolution_due_at, old.first_response_at, old.status)
                         is distinct from (new.sla_first_response_due_at, new.sla_resolution_due_at, new.first_response_at, new.status))
  execute function requests__sla_timers();

-- A request's `sla` as the API shows it (API.md): null without a target, else both clocks,
-- each { due_at, warning_at, met_at, breached }. `breached`: the clock was still running
-- at its due time — it ended (met, or stopped by DONE/CANCELED) at or after it, or runs
-- and the time has come. Plain SQL expressions, inlined like request_json.
create function sla_clock_json(due_at timestamptz, warning_at timestamptz, met_at timestamptz, ended_at timestamptz) returns text
  language sql stable parallel safe
  return '{"due_at":"' || api_time(due_at) || '","warning_at":"' || api_time(warning_at)
    || '","met_at":' || coalesce('"' || api_time(met_at) || '"', 'null')
    || ',"breached":' || (due_at <= coalesce(ended_at, now()))::text || '}';

create function request_sla_json(r requests) returns text
  language sql stable parallel safe
  return case when r.sla_resolution_due_at is null then 'null' else
    '{"first_response":' || sla_clock_json(r.sla_first_response_due_at, r.sla_first_response_warning_at, r.first_response_at,
                              coalesce(r.first_response_at, case when r.status in ('DONE', 'CANCELED') then r.resolved_at end))
    || ',"resolution":' || sla_clock_json(r.sla_resolution_due_at, r.sla_resolution_warning_at,
                              case when r.status = 'DONE' then r.resolved_at end,
                              case when r.status in ('DONE', 'CANCELED') then r.resolved_at end)
    || '}' end;

-- request_json of 0006 (teams and attachments_count), member for member, with "sla" after
-- "assignee" (the order of API.md). Replaced in place: the four-argument wrapper of 0006,
-- which every statement calls, and the view below keep calling it.
create or replace function request_json(r requests, created_by_name text, assignee_name text, team_name text, attachments_count integer) returns text
  language sql stable parallel safe
  return '{"id":"' || r.id || '","public_id":"' || r.public_id
    || '","title":' || to_json(r.title) || ',"description":' || to_json(r.description)
    || ',"priority":"' || r.priority || '","status":"' || r.status
    || '","team":' || coalesce('{"id":"' || r.team_id || '","name":' || to_json(team_name) || '}', 'null')
    || ',"created_by":{"id":"' || r.created_by || '","full_name":' || to_json(created_by_name)
    || '},"assignee":' || coalesce('{"id":"' || r.assignee_id || '","full_name":' || to_json(assignee_name) || '}', 'null')
    || ',"sla":' || request_sla_json(r)
    || ',"attachments_count":' || attachments_count::text
    || ',"created_at":"' || api_time(r.created_at) || '","updated_at":"' || api_time(r.updated_at)
    || '","resolved_at":' || coalesce('"' || api_time(r.resolved_at) || '"', 'null') || '}';

-- The view of 0006, column for column, with the SLA columns the lists filter and sort on
-- appended (a view can only grow at its end).
create or replace view request_details as
select r.id, r.number, r.public_id, r.title, r.description, r.priority, r.status,
       r.created_by, cu.full_name as created_by_name,
       r.assignee_id, au.full_name as assignee_name,
       r.version, r.created_at, r.updated_at, r.resolved_at, r.search,
       request_json(r, cu.full_name, au.full_name, t.name,
                    (select count(*)::integer from attachments a where a.request_id = r.id)) as doc,
       r.team_id,
       r.sla_next_due_at, r.sla_next_warning_at, r.first_response_at,
       r.sla_first_response_due_at, r.sla_first_response_warning_at, r.sla_resolution_due_at, r.sla_resolution_warning_at
from requests r
join users cu on cu.id = r.created_by
left join users au on au.id = r.assignee_id
left join teams t on t.id = r.team_id;
