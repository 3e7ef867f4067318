-- GET /reports/summary (API.md, "Reports"), in one statement over the requests the caller
-- may see. $1 from, $2 to (bounds already resolved to instants), $3 a team (null: all),
-- $4 only the general pool, $5..$7 visibility as in sql/queries/requests/list_recent.sql,
-- $8 the time zone days are counted in (the SLA policy's), $9 now (for clocks still running).
-- `created` counts requests created in [from, to); `resolved`/`canceled` those that reached
-- DONE/CANCELED in it; `open` is now. Minutes are wall-clock minutes.
--
-- Cost (docs/benchmarks.md): the visible requests are read once, in `counts`, and folded
-- there into a few hundred groups that every count is summed from, rather than copied into
-- a CTE and scanned again per figure. The percentiles read only the rows they concern: the
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
  -- One grouping, hashed in the one pass: by who and what (team, assignee, status,
  -- priority, SLA outcome, the day created if in the range, whether closed in the range).
  -- One hash table, not a grouping set per purpose: each row is hashed once (two sets cost
  -- a third more). `sla` holds the four SLA outcomes of the request as bits (0 without an
  -- SLA, whose outcomes are all false).
  select x.team_id, x.assignee_id, x.status, x.priority, x.created_day is not null as created_in,
         x.closed_in, x.sla, x.created_day, count(*) as n
  from (
    select r.team_id, r.assignee_id, r.status, r.priority,
           coalesce(r.resolved_at >= $1::timestamptz and r.resolved_at < $2::timestamptz, false) as closed_in,
           case when r.sla_first_response_due_at is null and r.sla_resolution_due_at is null then 0 else
             -- The clocks that ended met or breached (a clock CANCELED stopped before its due
             -- time is neither; API.md, "SLA").
             (case when r.first_response_at < r.sla_first_response_due_at then 1 else 0 end)
             + (case when r.sla_first_response_due_at <= coalesce(r.first_response_at,
                  case when r.status in ('DONE', 'CANCELED') then r.resolved_at end, $9::timestamptz) then 2 else 0 end)
             + (case when r.status = 'DONE' and r.resolved_at < r.sla_resolution_due_at then 4 else 0 end)
             + (case when r.sla_resolution_due_at <= coalesce(
                  case when r.status in ('DONE', 'CANCELED') then r.resolved_at end, $9::timestamptz) then 8 else 0 end)
           end as sla,
           case when r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz
                then (select first from day_starts) + width_bucket(r.created_at, (select starts from day_starts)) - 1 end as created_day
    -- Every column read here is in requests_report_facts (migration 0017): an index-only scan.
    from requests r
    where ($5::boolean or r.team_id is null or r.team_id = any($6::uuid[]) or r.assignee_id = $7::uuid)
      and ($3::uuid is null or r.team_id = $3)
      and (not $4::boolean or r.team_id is null)
    -- Kept a subquery: each row's expressions are computed once, before grouping.
    offset 0
  ) x
  group by x.team_id, x.assignee_id, x.status, x.priority, x.created_day, x.closed_in, x.sla
), totals as (
  select coalesce(sum(n) filter (where created_in), 0) as created,
         coalesce(sum(n) filter (where closed_in and status = 'DONE'), 0) as resolved,
         coalesce(sum(n) filter (where closed_in and status = 'CANCELED'), 0) as canceled,
         coalesce(sum(n) filter (where status = 'NEW'), 0) as open_new,
         coalesce(sum(n) filter (where status = 'IN_PROGRESS'), 0) as open_in_progress,
         coalesce(sum(n) filter (where created_in and priority = 'LOW'), 0) as low,
         coalesce(sum(n) filter (where created_in and priority = 'NORMAL'), 0) as normal,
         coalesce(sum(n) filter (where created_in and priority = 'HIGH'), 0) as high,
         coalesce(sum(n) filter (where created_in and priority = 'URGENT'), 0) as urgent,
         -- SLA clocks of the requests created in the range that have ended met or breached.
         coalesce(sum(n) filter (where created_in and sla & 1 <> 0), 0) as fr_met,
         coalesce(sum(n) filter (where created_in and sla & 2 <> 0), 0) as fr_breached,
         coalesce(sum(n) filter (where created_in and sla & 4 <> 0), 0) as res_met,
         coalesce(sum(n) filter (where created_in and sla & 8 <> 0), 0) as res_breached
  from counts
), done as materialized (
  -- The requests resolved (DONE) in the range: their day and time to resolution. Few, as a
  -- rule, next to all requests; read by the status index when they are.
  select (r.resolved_at at time zone $8)::date as day, extract(epoch from r.resolved_at - r.created_at) / 60 as minutes
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
  select extract(epoch from f.at - f.request_created_at) / 60 as minutes
  from request_first_responses f
  where f.request_created_at >= $1::timestamptz and f.request_created_at < $2::timestamptz
    and $5::boolean and $3::uuid is null and not $4::boolean
  union all
  select extract(epoch from f.at - f.request_created_at) / 60
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
    select created_day as day, n as created, 0 as resolved from counts where created_day is not null
    union all
    select day, 0, 1 from done
  ) x
  group by day
), teams_seen as (
  select team_id,
         coalesce(sum(n) filter (where created_in), 0) as created,
         coalesce(sum(n) filter (where closed_in and status = 'DONE'), 0) as resolved,
         coalesce(sum(n) filter (where status in ('NEW', 'IN_PROGRESS')), 0) as open
  from counts
  group by team_id
), agents as (
  select u.id, u.full_name,
         coalesce(sum(c.n) filter (where c.status in ('NEW', 'IN_PROGRESS')), 0) as open,
         coalesce(sum(c.n) filter (where c.closed_in and c.status = 'DONE'), 0) as resolved
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
    'median_minutes', round((percentile_cont(0.5) within group (order by minutes))::numeric, 1),
    'p90_minutes', round((percentile_cont(0.9) within group (order by minutes))::numeric, 1),
    'sla_met_percent', round(100.0 * t.fr_met / nullif(t.fr_met + t.fr_breached, 0), 1)) from first_response),
  'resolution', (select json_build_object(
    'median_minutes', round((percentile_cont(0.5) within group (order by minutes))::numeric, 1),
    'p90_minutes', round((percentile_cont(0.9) within group (order by minutes))::numeric, 1),
    'sla_met_percent', round(100.0 * t.res_met / nullif(t.res_met + t.res_breached, 0), 1)) from done),
  'by_day', (select coalesce(json_agg(json_build_object('date', to_char(days.day, 'YYYY-MM-DD'),
      'created', coalesce(pd.created, 0), 'resolved', coalesce(pd.resolved, 0)) order by days.day), '[]'::json)
    from days left join per_day pd on pd.day = days.day),
  'agents', (select coalesce(json_agg(json_build_object('id', a.id, 'full_name', a.full_name, 'open', a.open, 'resolved', a.resolved)
      order by a.full_name, a.id), '[]'::json) from agents a)
) as summary
from totals t
