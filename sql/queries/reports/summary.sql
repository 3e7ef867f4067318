-- GET /reports/summary (API.md, "Reports"), in one statement over the requests the caller
-- may see. $1 from, $2 to (bounds already resolved to instants), $3 a team (null: all),
-- $4 only the general pool, $5..$7 visibility as in sql/queries/requests/list_recent.sql,
-- $8 the time zone days are counted in (the SLA policy's), $9 now (for clocks still running).
-- `created` counts requests created in [from, to); `resolved`/`canceled` those that reached
-- DONE/CANCELED in it; `open` is now. Minutes are wall-clock minutes.
--
-- Cost (docs/benchmarks.md, "ninth session"): no figure reads every request. What is open
-- now and what was created in the range are summed from the tallies the database keeps
-- (migration 0022), with the requests of the few buckets a bound falls inside; the rest
-- reads only the rows it concerns, each from an index of just those: the requests
-- resolved (`done`) and canceled in the range, the running SLA clocks already due
-- (`running`), and the first responses the database keeps (`first_response`,
-- request_first_responses).
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
), state as materialized (
  -- The visible requests per team, assignee and status, now. request_tally_totals is the
  -- tallies and the deltas not yet folded (migration 0022), read in this statement's one
  -- snapshot: a fold running meanwhile is seen whole or not at all.
  select t.team_id, t.assignee_id, t.status, sum(t.n) as n
  from request_tally_totals t
  where t.kind = 'state' and request_in_report(t.team_id, t.assignee_id, $3, $4, $5, $6, $7)
  group by t.team_id, t.assignee_id, t.status
  having sum(t.n) <> 0
), edges as materialized (
  -- The requests of the buckets a bound or a day's start falls inside, from that instant
  -- to the bucket's end. The tallies count [from, to) by whole buckets, from the first
  -- after `from` to the one `to` is in; `created` below adds what came in the range before
  -- the first and takes away, from each bucket counted, what it holds past a bound or on
  -- a later day. A bound on a bucket's edge has nothing to read, and `to` is now by
  -- default, past which nothing has been created yet.
  -- Each window is read by its own range of requests_created_at (`offset 0` keeps the
  -- visibility test out of that scan, where the planner, not knowing the windows are
  -- short, read the caller's teams from other indexes first: 60 ms instead of 6).
  select r.created_at, request_tally_bucket(r.created_at) as bucket, r.team_id, r.priority,
         request_first_response_outcome(r.sla_first_response_due_at, r.first_response_at, r.resolved_at) as fr,
         request_resolution_outcome(r.sla_resolution_due_at, r.status, r.resolved_at) as res
  from (select min(c.at) as lo, request_tally_bucket(c.at) + interval '15 minutes' as hi
        from (select $1::timestamptz as at union all select $2::timestamptz
              union all select unnest(starts[2:]) from day_starts) c
        where c.at <> request_tally_bucket(c.at)
        group by request_tally_bucket(c.at)) w
  cross join lateral (select * from requests r where r.created_at >= w.lo and r.created_at < w.hi offset 0) r
  where request_in_report(r.team_id, r.assignee_id, $3, $4, $5, $6, $7)
), created as (
  -- The visible requests created in the range, with their day (a binary search of
  -- day_starts), team, priority and SLA outcomes so far, as signed counts.
  select (select first from day_starts) + width_bucket(t.bucket, (select starts from day_starts)) - 1 as day,
         t.team_id, t.priority, t.fr, t.res, t.n
  from request_tally_totals t
  where t.kind = 'created'
    and t.bucket >= request_tally_bucket($1::timestamptz - interval '1 microsecond') + interval '15 minutes'
    and t.bucket < request_tally_bucket($2::timestamptz - interval '1 microsecond') + interval '15 minutes'
    and request_in_report(t.team_id, t.assignee_id, $3, $4, $5, $6, $7)
  union all
  select (select first from day_starts) + width_bucket(e.created_at, (select starts from day_starts)) - 1,
         e.team_id, e.priority, e.fr, e.res, 1
  from edges e
  where e.created_at >= $1::timestamptz and e.created_at < $2::timestamptz
  union all
  select (select first from day_starts) + width_bucket(e.bucket, (select starts from day_starts)) - 1,
         e.team_id, e.priority, e.fr, e.res, -1
  from edges e
  where e.bucket >= request_tally_bucket($1::timestamptz - interval '1 microsecond') + interval '15 minutes'
    and e.bucket < request_tally_bucket($2::timestamptz - interval '1 microsecond') + interval '15 minutes'
), created_sets as materialized (
  -- Summed in one pass by each of the figures' keys: over a long, sparse history there is
  -- about a tally row per request, and each figure summing them again cost a pass of its
  -- own (docs/benchmarks.md, "ninth session").
  select case when grouping(day) = 0 then 'day' when grouping(team_id) = 0 then 'team' when grouping(priority) = 0 then 'priority'
              when grouping(fr) = 0 then 'fr' else 'res' end as key,
         day, team_id, priority, fr, res, sum(n) as n
  from created
  group by grouping sets ((day), (team_id), (priority), (fr), (res))
), running as (
  -- Running SLA clocks of requests created in the range that were due by now: breached,
  -- though their rows have not changed since (each count reads an index of running clocks).
  select (select count(*) from requests r
          where r.sla_first_response_due_at is not null and r.first_response_at is null and r.status in ('NEW', 'IN_PROGRESS')
            and r.sla_first_response_due_at <= $9::timestamptz
            and r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz
            and request_in_report(r.team_id, r.assignee_id, $3, $4, $5, $6, $7)) as fr,
         (select count(*) from requests r
          where r.sla_resolution_due_at is not null and r.status in ('NEW', 'IN_PROGRESS')
            and r.sla_resolution_due_at <= $9::timestamptz
            and r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz
            and request_in_report(r.team_id, r.assignee_id, $3, $4, $5, $6, $7)) as res
), done as materialized (
  -- The requests resolved (DONE) in the range: their day (found like created's by a
  -- binary search of day_starts, not a time zone conversion), team, assignee and time to
  -- resolution, an interval. Read from requests_done_resolved (migration 0019), an index
  -- of just those. The percentiles below sort the intervals themselves: exact, and as
  -- cheap as floats, where minutes as numeric (extract's type) took twice as long to
  -- compute and sort (docs/benchmarks.md, "seventh session").
  select (select first from day_starts) + width_bucket(r.resolved_at, (select starts from day_starts)) - 1 as day,
         r.team_id, r.assignee_id, r.resolved_at - r.created_at as took
  from requests r
  where r.status = 'DONE' and r.resolved_at >= $1::timestamptz and r.resolved_at < $2::timestamptz
    and request_in_report(r.team_id, r.assignee_id, $3, $4, $5, $6, $7)
), done_sets as materialized (
  select case when grouping(day) = 0 then 'day' when grouping(team_id) = 0 then 'team' else 'assignee' end as key,
         day, team_id, assignee_id, count(*) as n
  from done
  group by grouping sets ((day), (team_id), (assignee_id))
), totals as (
  select (select coalesce(sum(n), 0) from created_sets where key = 'day') as created,
         (select coalesce(sum(n), 0) from done_sets where key = 'day') as resolved,
         (select count(*) from requests r
          where r.status = 'CANCELED' and r.resolved_at >= $1::timestamptz and r.resolved_at < $2::timestamptz
            and request_in_report(r.team_id, r.assignee_id, $3, $4, $5, $6, $7)) as canceled,
         (select coalesce(sum(n), 0) from state where status = 'NEW') as open_new,
         (select coalesce(sum(n), 0) from state where status = 'IN_PROGRESS') as open_in_progress,
         coalesce(sum(c.n) filter (where c.key = 'priority' and c.priority = 'LOW'), 0) as low,
         coalesce(sum(c.n) filter (where c.key = 'priority' and c.priority = 'NORMAL'), 0) as normal,
         coalesce(sum(c.n) filter (where c.key = 'priority' and c.priority = 'HIGH'), 0) as high,
         coalesce(sum(c.n) filter (where c.key = 'priority' and c.priority = 'URGENT'), 0) as urgent,
         -- SLA clocks of the requests created in the range that have ended met or breached
         -- (a clock stopped before its due time is neither; API.md, "SLA").
         coalesce(sum(c.n) filter (where c.key = 'fr' and c.fr = 'met'), 0) as fr_met,
         coalesce(sum(c.n) filter (where c.key = 'fr' and c.fr = 'breached'), 0) + (select fr from running) as fr_breached,
         coalesce(sum(c.n) filter (where c.key = 'res' and c.res = 'met'), 0) as res_met,
         coalesce(sum(c.n) filter (where c.key = 'res' and c.res = 'breached'), 0) + (select res from running) as res_breached
  from created_sets c
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
    and request_in_report(r.team_id, r.assignee_id, $3, $4, $5, $6, $7)
), per_day as (
  select day, sum(created)::int as created, sum(resolved)::int as resolved
  from (
    select day, n as created, 0 as resolved from created_sets where key = 'day'
    union all
    select day, 0, n from done_sets where key = 'day'
  ) x
  group by day
), teams_seen as (
  -- Every team the caller may see a request of, now (with zeros if none is of the range).
  select s.team_id, coalesce(c.n, 0) as created, coalesce(d.n, 0) as resolved, s.open
  from (select team_id, coalesce(sum(n) filter (where status in ('NEW', 'IN_PROGRESS')), 0) as open from state group by team_id) s
  left join created_sets c on c.key = 'team' and c.team_id is not distinct from s.team_id
  left join done_sets d on d.key = 'team' and d.team_id is not distinct from s.team_id
), agents as (
  select u.id, u.full_name, s.open, coalesce(d.n, 0) as resolved
  from (select assignee_id, coalesce(sum(n) filter (where status in ('NEW', 'IN_PROGRESS')), 0) as open from state group by assignee_id) s
  join users u on u.id = s.assignee_id
  left join done_sets d on d.key = 'assignee' and d.assignee_id = s.assignee_id
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
