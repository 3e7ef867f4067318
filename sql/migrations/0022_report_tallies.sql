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
--            and days need not fall on a bucket's edge (a range to now, a zone offset of
--            45 minutes): summary.sql reads the requests of the edge buckets themselves.
-- Whoever writes requests, a statement-level trigger appends what changed as signed
-- deltas (request_tally_deltas), grouped per statement, so a bulk import writes a few rows
-- and writers never wait on each other's tally row. The worker folds the deltas into
-- request_tallies every few seconds (sql/queries/reports/fold_tallies.sql); a report sums
-- both in one snapshot, so it is exact before and after a fold. ENABLE ALWAYS, like the
-- first responses (0018): rows written with session_replication_role = replica count too.
--
-- requests_report_facts (0017), the index the report used to scan, is dropped: nothing
-- reads it now, and every write to requests paid for it. The code before this migration
-- still gets correct figures from its summary.sql, by a sequential scan.
-- The backfill holds writes to requests until it commits (about 1 s at 200 000 requests).

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

-- The tally rows of one request: its state row and its created row, with n = 1.
create function request_tally_keys(team_id uuid, assignee_id uuid, status text, priority text, created_at timestamptz,
                                   resolved_at timestamptz, first_response_at timestamptz,
                                   first_response_due timestamptz, resolution_due timestamptz)
returns table (kind text, bucket timestamptz, team_id uuid, assignee_id uuid, status text, priority text, fr text, res text)
language sql immutable parallel safe
as $$
  select 'state', null::timestamptz, team_id, assignee_id, status, null, null, null
  union all
  select 'created', request_tally_bucket(created_at), team_id, assignee_id, null, priority,
         request_sla_outcome(first_response_due, coalesce(first_response_at, resolved_at), first_response_at < first_response_due),
         request_sla_outcome(resolution_due, resolved_at, status = 'DONE' and resolved_at < resolution_due)
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

create table request_tally_deltas (
  id          bigint generated always as identity primary key,
  kind        text not null,
  bucket      timestamptz,
  team_id     uuid,
  assignee_id uuid,
  status      text,
  priority    text,
  fr          text,
  res         text,
  n           bigint not null
);

create function request_tallies__insert() returns trigger language plpgsql as $$
begin
  insert into request_tally_deltas (kind, bucket, team_id, assignee_id, status, priority, fr, res, n)
  select k.kind, k.bucket, k.team_id, k.assignee_id, k.status, k.priority, k.fr, k.res, count(*)
  from new_rows r
  cross join lateral request_tally_keys(r.team_id, r.assignee_id, r.status, r.priority, r.created_at, r.resolved_at,
                                        r.first_response_at, r.sla_first_response_due_at, r.sla_resolution_due_at) k
  group by 1, 2, 3, 4, 5, 6, 7, 8;
  return null;
end $$;

-- An update writes only what moved: an edit of a title nets every key to zero.
create function request_tallies__update() returns trigger language plpgsql as $$
begin
  insert into request_tally_deltas (kind, bucket, team_id, assignee_id, status, priority, fr, res, n)
  select k.kind, k.bucket, k.team_id, k.assignee_id, k.status, k.priority, k.fr, k.res, sum(r.sign)
  from (select 1 as sign, * from new_rows union all select -1, * from old_rows) r
  cross join lateral request_tally_keys(r.team_id, r.assignee_id, r.status, r.priority, r.created_at, r.resolved_at,
                                        r.first_response_at, r.sla_first_response_due_at, r.sla_resolution_due_at) k
  group by 1, 2, 3, 4, 5, 6, 7, 8
  having sum(r.sign) <> 0;
  return null;
end $$;

create function request_tallies__delete() returns trigger language plpgsql as $$
begin
  insert into request_tally_deltas (kind, bucket, team_id, assignee_id, status, priority, fr, res, n)
  select k.kind, k.bucket, k.team_id, k.assignee_id, k.status, k.priority, k.fr, k.res, -count(*)
  from old_rows r
  cross join lateral request_tally_keys(r.team_id, r.assignee_id, r.status, r.priority, r.created_at, r.resolved_at,
                                        r.first_response_at, r.sla_first_response_due_at, r.sla_resolution_due_at) k
  group by 1, 2, 3, 4, 5, 6, 7, 8;
  return null;
end $$;

create function request_tallies__truncate() returns trigger language plpgsql as $$
begin
  delete from request_tally_deltas;
  delete from request_tallies;
  return null;
end $$;

create trigger _300_tallies_insert after insert on requests referencing new table as new_rows
  for each statement execute function request_tallies__insert();
create trigger _300_tallies_update after update on requests referencing old table as old_rows new table as new_rows
  for each statement execute function request_tallies__update();
create trigger _300_tallies_delete after delete on requests referencing old table as old_rows
  for each statement execute function request_tallies__delete();
create trigger _300_tallies_truncate after truncate on requests
  for each statement execute function request_tallies__truncate();
alter table requests enable always trigger _300_tallies_insert;
alter table requests enable always trigger _300_tallies_update;
alter table requests enable always trigger _300_tallies_delete;
alter table requests enable always trigger _300_tallies_truncate;

insert into request_tallies (kind, bucket, team_id, assignee_id, status, priority, fr, res, n)
select k.kind, k.bucket, k.team_id, k.assignee_id, k.status, k.priority, k.fr, k.res, count(*)
from requests r
cross join lateral request_tally_keys(r.team_id, r.assignee_id, r.status, r.priority, r.created_at, r.resolved_at,
                                      r.first_response_at, r.sla_first_response_due_at, r.sla_resolution_due_at) k
group by 1, 2, 3, 4, 5, 6, 7, 8;

-- What the tallies cannot hold, read from the requests themselves, each from an index of
-- just those rows: the requests canceled in the range, and the running SLA clocks whose
-- due time has passed by the time of the report.
create index if not exists requests_canceled_resolved on requests (resolved_at) include (team_id, assignee_id) where status = 'CANCELED';
create index if not exists requests_first_response_running on requests (sla_first_response_due_at) include (created_at, team_id, assignee_id)
  where sla_first_response_due_at is not null and first_response_at is null and status in ('NEW', 'IN_PROGRESS');
create index if not exists requests_resolution_running on requests (sla_resolution_due_at) include (created_at, team_id, assignee_id)
  where sla_resolution_due_at is not null and status in ('NEW', 'IN_PROGRESS');
drop index if exists requests_report_facts;

-- What a report sums: the tallies and the deltas not yet folded into them. A view, so a
-- report's filters reach both tables (and request_tallies_key's order of kind and bucket).
create view request_tally_totals as
  select kind, bucket, team_id, assignee_id, status, priority, fr, res, n from request_tallies
  union all
  select kind, bucket, team_id, assignee_id, status, priority, fr, res, n from request_tally_deltas;

-- A fold drops the tallies that came to zero (a request moved on): found by this index, not
-- by reading every bucket of the history.
create index request_tallies_empty on request_tallies ((1)) where n = 0;
