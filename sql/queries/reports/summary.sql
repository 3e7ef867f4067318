-- GET /reports/summary (API.md, "Reports"), in one statement over the requests the caller
-- may see. $1 from, $2 to (bounds already resolved to instants), $3 a team (null: all),
-- $4 only the general pool, $5..$7 visibility as in sql/queries/requests/list_recent.sql,
-- $8 the time zone days are counted in (the SLA policy's), $9 now (for clocks still running).
-- `created` counts requests created in [from, to); `resolved`/`canceled` those that reached
-- DONE/CANCELED in it; `open` is now. Minutes are wall-clock minutes.
--
-- Cost (docs/benchmarks.md): the visible requests are read once, in `counts`, and folded
-- there into a few hundred groups that every count is summed from, rather than copied into
-- a CTE and scanned again per figure; the days created are counted in `created_days`. The percentiles read only the rows they concern: the
-- requests resolved in the range (`done`) and the first responses the database keeps
-- (`first_response`, request_first_responses).
with days as (
  -- The range's days in zone $8, counted as dates: a series of time stamps would step in
  -- the session's time zone, where a skipped midnight put every later step at 01:00 and
  -- the last day past the end.
  select b.first_day + i as day
  from (select ($1::timestamptz at time zone $8)::date as first_day,
               (($2::timestamptz - interval '1 microsecond') at time zone $8)::date as last_day) b,
       generate_series(0, b.last_day - b.first_day) i
), day_starts as materialized (
  -- The first instant of each of those days (day_start, migration 0016), so that each
  -- request finds its day by a binary search (width_bucket) instead of a time zone
  -- conversion, the dearest part of a row here (docs/benchmarks.md, "fourth session":
  -- 66–73 → 52 ms a call over 200 000 requests created in the range).
  select min(day) as first, array_agg(day_start(day, $8) order by day) as starts from days
), counts as materialized (
  -- One pass over the visible requests, in the order of requests_report_facts (migration
  -- 0017: an index-only scan), grouped by that index's four leading columns, so that the
  -- grouping reads sorted input and hashes nothing, each figure a filtered count of its
  -- group. Grouped by the day created, the SLA outcomes and whether closed in the range
  -- as well, every row had to be hashed on eight keys: 44 -> 22 ms over 200 000 requests
  -- created in the range (PostgreSQL 15, the fastest of 15 calls each; docs/benchmarks.md,
  -- "sixth session"). The days are counted in `created_days`. The SLA counts are of
  -- requests created in the range, of clocks that ended met or breached (a clock CANCELED
  -- stopped before its due time is neither; API.md, "SLA"); each first asks whether the
  -- clock has a due time at all, the cheapest test for the many requests without an SLA.
  select r.team_id, r.assignee_id, r.status, r.priority, count(*) as n,
         count(*) filter (where r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz) as created,
         count(*) filter (where r.resolved_at >= $1::timestamptz and r.resolved_at < $2::timestamptz) as closed,
         count(*) filter (where r.sla_first_response_due_at is not null and r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz
                            and r.first_response_at < r.sla_first_response_due_at) as fr_met,
         count(*) filter (where r.sla_first_response_due_at is not null and r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz
                            and r.sla_first_response_due_at <= coalesce(r.first_response_at,
                                  case when r.status in ('DONE', 'CANCELED') then r.resolved_at end, $9::timestamptz)) as fr_breached,
         count(*) filter (where r.sla_resolution_due_at is not null and r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz
                            and r.status = 'DONE' and r.resolved_at < r.sla_resolution_due_at) as res_met,
         count(*) filter (where r.sla_resolution_due_at is not null and r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz
                            and r.sla_resolution_due_at <= coalesce(
                                  case when r.status in ('DONE', 'CANCELED') then r.resolved_at end, $9::timestamptz)) as res_breached
  from requests r
  where true
    and ($5::boolean or r.team_id is null or r.team_id = any($6::uuid[]) or r.assignee_id = $7::uuid)
    and ($3::uuid is null or r.team_id = $3)
    and (not $4::boolean or r.team_id is null)
  group by r.team_id, r.assignee_id, r.status, r.priority
), created_days as (
  -- The visible requests created in the range, per day. Over every request (an ADMIN, no
  -- team filter) each day is a count of a range of requests_created_at, which reads no
  -- row (6 ms over 200 000 in 31 days); where visibility or a team filter needs each
  -- request's team or assignee, the requests are grouped by their day. The branches
  -- exclude each other, and each call is planned for its values (src/db/reports.ts).
  select ds.first + s.i - 1 as day,
         (select count(*) from requests r
          where r.created_at >= greatest(ds.starts[s.i], $1::timestamptz)
            and r.created_at < least(coalesce(ds.starts[s.i + 1], 'infinity'), $2::timestamptz)) as n
  from day_starts ds, generate_subscripts(ds.starts, 1) as s (i)
  where $5::boolean and $3::uuid is null and not $4::boolean
  union all
  select (select first from day_starts) + width_bucket(r.created_at, (select starts from day_starts)) - 1, count(*)
  from requests r
  where r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz
    and not ($5::boolean and $3::uuid is null and not $4::boolean)
    and ($5::boolean or r.team_id is null or r.team_id = any($6::uuid[]) or r.assignee_id = $7::uuid)
    and ($3::uuid is null or r.team_id = $3)
    and (not $4::boolean or r.team_id is null)
  group by 1
), totals as (
  select coalesce(sum(created), 0) as created,
         coalesce(sum(closed) filter (where status = 'DONE'), 0) as resolved,
         coalesce(sum(closed) filter (where status = 'CANCELED'), 0) as canceled,
         coalesce(sum(n) filter (where status = 'NEW'), 0) as open_new,
         coalesce(sum(n) filter (where status = 'IN_PROGRESS'), 0) as open_in_progress,
         coalesce(sum(created) filter (where priority = 'LOW'), 0) as low,
         coalesce(sum(created) filter (where priority = 'NORMAL'), 0) as normal,
         coalesce(sum(created) filter (where priority = 'HIGH'), 0) as high,
         coalesce(sum(created) filter (where priority = 'URGENT'), 0) as urgent,
         -- SLA clocks of the requests created in the range that have ended met or breached.
         coalesce(sum(fr_met), 0) as fr_met,
         coalesce(sum(fr_breached), 0) as fr_breached,
         coalesce(sum(res_met), 0) as res_met,
         coalesce(sum(res_breached), 0) as res_breached
  from counts
), done as materialized (
  -- The requests resolved (DONE) in the range: their day (found like created_days' by a
  -- binary search of day_starts, not a time zone conversion) and time to resolution, an
  -- interval. Read from requests_done_resolved (migration 0019), an index of just those.
  -- The percentiles below sort the intervals themselves: exact, and as cheap as floats,
  -- where minutes as numeric (extract's type) took twice as long to compute and sort
  -- (docs/benchmarks.md, "seventh session").
  select (select first from day_starts) + width_bucket(r.resolved_at, (select starts from day_starts)) - 1 as day,
         r.resolved_at - r.created_at as took
  from requests r
  where r.status = 'DONE' and r.resolved_at >= $1::timestamptz and r.resolved_at < $2::timestamptz
    and ($5::boolean or r.team_id is null or r.team_id = any($6::uuid[]) or r.assignee_id = $7::uuid)
    and ($3::uuid is null or r.team_id = $3)
    and (not $4::boolean or r.team_id is null)
), first_response as (
  -- The first response of each visible request created in the range, kept by the database
  -- (request_first_responses, migration 0018: the first public comment or status change by
  -- someone other than the creator). A report over every request reads that table alone;
  -- the requests themselves are looked up only where the caller's visibility or a team
  -- filter needs their team or assignee. The two branches exclude each other, and each
  -- call is planned for its values (src/db/reports.ts), so only one is run.
  select f.at - f.request_created_at as took
  from request_first_responses f
  where f.request_created_at >= $1::timestamptz and f.request_created_at < $2::timestamptz
    and $5::boolean and $3::uuid is null and not $4::boolean
  union all
  select f.at - f.request_created_at
  from request_first_responses f
  join requests r on r.id = f.request_id
  where f.request_created_at >= $1::timestamptz and f.request_created_at < $2::timestamptz
    and not ($5::boolean and $3::uuid is null and not $4::boolean)
    and ($5::boolean or r.team_id is null or r.team_id = any($6::uuid[]) or r.assignee_id = $7::uuid)
    and ($3::uuid is null or r.team_id = $3)
    and (not $4::boolean or r.team_id is null)
), per_day as (
  select day, sum(created)::int as created, sum(resolved)::int as resolved
  from (
    select day, n as created, 0 as resolved from created_days
    union all
    select day, 0, count(*) from done group by day
  ) x
  group by day
), teams_seen as (
  select team_id,
         coalesce(sum(created), 0) as created,
         coalesce(sum(closed) filter (where status = 'DONE'), 0) as resolved,
         coalesce(sum(n) filter (where status in ('NEW', 'IN_PROGRESS')), 0) as open
  from counts
  group by team_id
), agents as (
  select u.id, u.full_name,
         coalesce(sum(c.n) filter (where c.status in ('NEW', 'IN_PROGRESS')), 0) as open,
         coalesce(sum(c.closed) filter (where c.status = 'DONE'), 0) as resolved
  from counts c join users u on u.id = c.assignee_id
  group by u.id, u.full_name
)
select json_build_object(
  'created', t.created, 'resolved', t.resolved, 'canceled', t.canceled,
  'open', json_build_object('NEW', t.open_new, 'IN_PROGRESS', t.open_in_progress),
  'by_priority', json_build_object('LOW', t.low, 'NORMAL', t.normal, 'HIGH', t.high, 'URGENT', t.urgent),
  'by_team', (select coalesce(json_agg(json_build_object('id', ts.team_id, 'name', tm.name, 'created', ts.created,
      'resolved', ts.resolved, 'open', ts.open) order by tm.name nulls first), '[]'::json)
    from teams_seen ts left join teams tm on tm.id = ts.team_id),
  'first_response', (select json_build_object(
    'median_minutes', round(extract(epoch from percentile_cont(0.5) within group (order by took)) / 60, 1),
    'p90_minutes', round(extract(epoch from percentile_cont(0.9) within group (order by took)) / 60, 1),
    'sla_met_percent', round(100.0 * t.fr_met / nullif(t.fr_met + t.fr_breached, 0), 1)) from first_response),
  'resolution', (select json_build_object(
    'median_minutes', round(extract(epoch from percentile_cont(0.5) within group (order by took)) / 60, 1),
    'p90_minutes', round(extract(epoch from percentile_cont(0.9) within group (order by took)) / 60, 1),
    'sla_met_percent', round(100.0 * t.res_met / nullif(t.res_met + t.res_breached, 0), 1)) from done),
  'by_day', (select coalesce(json_agg(json_build_object('date', to_char(days.day, 'YYYY-MM-DD'),
      'created', coalesce(pd.created, 0), 'resolved', coalesce(pd.resolved, 0)) order by days.day), '[]'::json)
    from days left join per_day pd on pd.day = days.day),
  'agents', (select coalesce(json_agg(json_build_object('id', a.id, 'full_name', a.full_name, 'open', a.open, 'resolved', a.resolved)
      order by a.full_name, a.id), '[]'::json) from agents a)
) as summary
from totals t
