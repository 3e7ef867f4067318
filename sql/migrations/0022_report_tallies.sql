-- GET /reports/summary counted every visible request on every call: what is open now, per
-- team and agent, is a figure of every request, and a busy desk has its whole range's
-- requests to count as well (200 000 in the bench's 30 days: 45-90 ms of CPU a call here,
-- four calls at once over two cores; docs/benchmarks.md, "ninth session"). These tallies
-- keep those counts as the requests change, so a report reads a few hundred tally rows:
--   state    requests per (team, assignee, status), whatever their age: `open`, and the
--            teams and agents the caller may see;
--   created  requests per 15-minute bucket of created_at (UTC), team, assignee, priority
--            and how each SLA clock has ended so far (request_sla_outcome): `created`,
--            `by_priority`, `by_day`'s created and `sla_met_percent`. A report's bounds
--            and days need not fall on a bucket's edge (a range to now, a midnight off the
--            quarter hour, as Monrovia's until 1972): summary.sql reads those buckets' requests.
-- Whoever writes requests, a trigger appends what changed as signed deltas
-- (request_tally_deltas: a row's whole key, -1 for what it was and +1 for what it is), so
-- writers never wait on each other's tally row; an update of nothing tallied (a title, a
-- clock's next due time) writes none. The worker folds the deltas into
-- request_tallies every second (sql/queries/reports/fold_tallies.sql); a report sums
-- both in one snapshot, so it is exact before and after a fold. ENABLE ALWAYS, like the
-- first responses (0018): rows written with session_replication_role = replica count too.
--
-- requests_report_facts (0017), the index the report used to scan, is dropped: nothing
-- reads it now, and every write to requests paid for it. The code before this migration
-- still gets correct figures from its summary.sql, by a sequential scan (about 300 ms a
-- call over 200 000 requests here), until its instances are replaced.
-- The migration holds writes to requests until it commits (about 2 s at 200 000 requests
-- here, with its indexes; on a table of millions build those first, concurrently). Old
-- instances alone (a release rolled back) write deltas and fold none: the first new one
-- folds them, in batches.
-- A later migration must not `disable trigger user` on requests (as 0008 did): the
-- tallies would miss its writes, and `enable trigger user` would leave these triggers on
-- for origin sessions only; test/report-tallies.test.ts checks they are ENABLE ALWAYS.

-- How a request's SLA clock stands, as far as its row alone says (API.md, "SLA"): null
-- without one, 'met', 'breached', 'stopped' (closed before its due time without the
-- response: neither met nor breached) or 'running'. Whether a running clock has breached
-- depends on the time of the report, so summary.sql asks the requests themselves.
create function request_sla_outcome(due timestamptz, ended timestamptz, met boolean) returns text
language sql immutable parallel safe
as $$
  select case when due is null then null
              when ended is null then 'running'
              when met then 'met'
              when due <= ended then 'breached'
              else 'stopped' end
$$;

-- The first response clock ends with the response, or with the request closed without one.
create function request_first_response_outcome(due timestamptz, responded timestamptz, resolved timestamptz) returns text
language sql immutable parallel safe
as $$ select request_sla_outcome(due, coalesce(responded, resolved), responded < due) $$;

-- The resolution clock is met only by DONE in time; a cancel stops it.
create function request_resolution_outcome(due timestamptz, status text, resolved timestamptz) returns text
language sql immutable parallel safe
as $$ select request_sla_outcome(due, resolved, status = 'DONE' and resolved < due) $$;

-- The 15-minute bucket (UTC) a time stamp is tallied in.
create function request_tally_bucket(at timestamptz) returns timestamptz
language sql immutable parallel safe
as $$ select date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00') $$;

-- Whether a request of this team and assignee is in a report with these filters, for a
-- caller who sees all or these teams (API.md, "Teams": the pool, their teams, their own
-- work); the parameters of sql/queries/reports/summary.sql.
create function request_in_report(team_id uuid, assignee_id uuid, only_team uuid, no_team boolean, sees_all boolean,
                                  teams uuid[], actor uuid) returns boolean
language sql immutable parallel safe
as $$
  select (sees_all or team_id is null or team_id = any(teams) or assignee_id = actor)
     and (only_team is null or team_id = only_team)
     and (not no_team or team_id is null)
$$;

create table request_tallies (
  kind        text not null check (kind in ('state', 'created')),
  bucket      timestamptz,
  team_id     uuid,
  assignee_id uuid,
  status      text,
  priority    text,
  fr          text,
  res         text,
  n           bigint not null,
  constraint request_tallies_key unique nulls not distinct (kind, bucket, team_id, assignee_id, status, priority, fr, res)
);

-- No key and no index: rows are only appended, and a fold takes all it sees.
create table request_tally_deltas (
  team_id     uuid,
  assignee_id uuid,
  status      text,
  priority    text,
  bucket      timestamptz,
  fr          text,
  res         text,
  n           integer not null
);

create function request_tallies__note() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then
    insert into request_tally_deltas values (old.team_id, old.assignee_id, old.status, old.priority, request_tally_bucket(old.created_at),
      request_first_response_outcome(old.sla_first_response_due_at, old.first_response_at, old.resolved_at),
      request_resolution_outcome(old.sla_resolution_due_at, old.status, old.resolved_at), -1);
  end if;
  if tg_op <> 'DELETE' then
    insert into request_tally_deltas values (new.team_id, new.assignee_id, new.status, new.priority, request_tally_bucket(new.created_at),
      request_first_response_outcome(new.sla_first_response_due_at, new.first_response_at, new.resolved_at),
      request_resolution_outcome(new.sla_resolution_due_at, new.status, new.resolved_at), 1);
  end if;
  return null;
end $$;

create function request_tallies__truncate() returns trigger language plpgsql as $$
begin
  delete from request_tally_deltas;
  delete from request_tallies;
  return null;
end $$;

create trigger _300_tallies after insert or delete on requests
  for each row execute function request_tallies__note();
create trigger _300_tallies_update after update on requests
  for each row when ((old.team_id, old.assignee_id, old.status, old.priority, old.created_at, old.resolved_at, old.first_response_at,
                      old.sla_first_response_due_at, old.sla_resolution_due_at)
           is distinct from (new.team_id, new.assignee_id, new.status, new.priority, new.created_at, new.resolved_at, new.first_response_at,
                             new.sla_first_response_due_at, new.sla_resolution_due_at))
  execute function request_tallies__note();
create trigger _300_tallies_truncate after truncate on requests
  for each statement execute function request_tallies__truncate();
alter table requests enable always trigger _300_tallies;
alter table requests enable always trigger _300_tallies_update;
alter table requests enable always trigger _300_tallies_truncate;

-- What a report sums: the tallies, and the deltas not yet folded into them, each read as a
-- state row and a created row. A view, so a report's filters reach both tables (and
-- request_tallies_key's order of kind and bucket).
create view request_tally_totals as
  select kind, bucket, team_id, assignee_id, status, priority, fr, res, n from request_tallies
  union all
  select 'state', null, team_id, assignee_id, status, null, null, null, n from request_tally_deltas
  union all
  select 'created', bucket, team_id, assignee_id, null, priority, fr, res, n from request_tally_deltas;

-- Counts every tally afresh from the requests: the backfill below, and `make
-- rebuild-tallies` after anything that went around the trigger (a data-only restore that
-- fired it on top of restored tallies, a migration that disabled it). Writers wait for it
-- (about 1 s at 200 000 requests); reports go on. An operator's, not the server's.
create function request_tallies_rebuild() returns bigint language plpgsql as $$
declare
  written bigint;
begin
  lock table requests in share mode;
  delete from request_tally_deltas;
  delete from request_tallies;
  with keyed as (
    select team_id, assignee_id, status, priority, request_tally_bucket(created_at) as bucket,
           request_first_response_outcome(sla_first_response_due_at, first_response_at, resolved_at) as fr,
           request_resolution_outcome(sla_resolution_due_at, status, resolved_at) as res
    from requests
  )
  insert into request_tallies (kind, bucket, team_id, assignee_id, status, priority, fr, res, n)
  select 'state', null, team_id, assignee_id, status, null, null, null, count(*) from keyed group by team_id, assignee_id, status
  union all
  select 'created', bucket, team_id, assignee_id, null, priority, fr, res, count(*) from keyed group by bucket, team_id, assignee_id, priority, fr, res;
  get diagnostics written = row_count;
  return written;
end $$;
revoke execute on function request_tallies_rebuild() from public, serviceflow_app;
select request_tallies_rebuild();

-- A fold drops the tallies that came to zero (a request moved on): found by this index, not
-- by reading every bucket of the history.
create index request_tallies_empty on request_tallies ((1)) where n = 0;

-- What the tallies cannot hold, read from the requests themselves, each from an index of
-- just those rows: the requests canceled in the range, and the running SLA clocks whose
-- due time has passed by the time of the report.
create index if not exists requests_canceled_resolved on requests (resolved_at) include (team_id, assignee_id) where status = 'CANCELED';
create index if not exists requests_first_response_running on requests (sla_first_response_due_at) include (created_at, team_id, assignee_id)
  where sla_first_response_due_at is not null and first_response_at is null and status in ('NEW', 'IN_PROGRESS');
create index if not exists requests_resolution_running on requests (sla_resolution_due_at) include (created_at, team_id, assignee_id)
  where sla_resolution_due_at is not null and status in ('NEW', 'IN_PROGRESS');
drop index if exists requests_report_facts;
