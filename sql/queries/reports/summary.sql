-- GET /reports/summary (API.md, "Reports"), in one statement over the requests the caller
-- may see. $1 from, $2 to (bounds already resolved to instants), $3 a team (null: all),
-- $4 only the general pool, $5..$7 visibility as in sql/queries/requests/list_recent.sql,
-- $8 the time zone days are counted in (the SLA policy's), $9 now (for clocks still running). `created` counts requests created in [from, to);
-- `resolved`/`canceled` those that reached DONE/CANCELED in it; `open` is now. Minutes are
-- wall-clock minutes. Each figure is an aggregate over one pass of `v` (with FILTER), and
-- first responses come from two grouped joins, not a subquery per request: over 200 000
-- requests a per-row subquery took seconds (docs/benchmarks.md).
with v as materialized (
  select r.id, r.status, r.priority, r.team_id, r.assignee_id, r.created_by, r.created_at, r.resolved_at,
         r.first_response_at, r.sla_first_response_due_at, r.sla_resolution_due_at,
         (r.created_at >= $1::timestamptz and r.created_at < $2::timestamptz) as created_in,
         coalesce(r.resolved_at >= $1::timestamptz and r.resolved_at < $2::timestamptz, false) as closed_in
  from requests r
  where ($5::boolean or r.team_id is null or r.team_id = any($6::uuid[]) or r.assignee_id = $7::uuid)
    and ($3::uuid is null or r.team_id = $3)
    and (not $4::boolean or r.team_id is null)
), totals as (
  select count(*) filter (where created_in) as created,
         count(*) filter (where closed_in and status = 'DONE') as resolved,
         count(*) filter (where closed_in and status = 'CANCELED') as canceled,
         count(*) filter (where status = 'NEW') as open_new,
         count(*) filter (where status = 'IN_PROGRESS') as open_in_progress,
         count(*) filter (where created_in and priority = 'LOW') as low,
         count(*) filter (where created_in and priority = 'NORMAL') as normal,
         count(*) filter (where created_in and priority = 'HIGH') as high,
         count(*) filter (where created_in and priority = 'URGENT') as urgent,
         percentile_cont(0.5) within group (order by extract(epoch from resolved_at - created_at) / 60)
           filter (where closed_in and status = 'DONE') as resolution_median,
         percentile_cont(0.9) within group (order by extract(epoch from resolved_at - created_at) / 60)
           filter (where closed_in and status = 'DONE') as resolution_p90,
         -- SLA clocks of the requests created in the range that have ended met or breached
         -- (a clock CANCELED stopped before its due time is neither; API.md, "SLA").
         count(*) filter (where created_in and first_response_at < sla_first_response_due_at) as fr_met,
         count(*) filter (where created_in and sla_first_response_due_at <= coalesce(first_response_at,
           case when status in ('DONE', 'CANCELED') then resolved_at end, $9::timestamptz)) as fr_breached,
         count(*) filter (where created_in and status = 'DONE' and resolved_at < sla_resolution_due_at) as res_met,
         count(*) filter (where created_in and sla_resolution_due_at <= coalesce(
           case when status in ('DONE', 'CANCELED') then resolved_at end, $9::timestamptz)) as res_breached
  from v
), first_comment as (
  -- The first public comment by someone other than the creator, per request created in the range.
  select cm.request_id, min(cm.created_at) as at
  from comments cm join v on v.id = cm.request_id
  where v.created_in and not cm.internal and cm.author_id <> v.created_by
  group by cm.request_id
), first_move as (
  -- The first status change by someone other than the creator.
  select a.entity_id as request_id, min(a.created_at) as at
  from audit_logs a join v on v.id = a.entity_id
  where v.created_in and a.entity_type = 'request' and a.action = 'request.status_changed' and a.actor_id is distinct from v.created_by
  group by a.entity_id
), first_response as (
  select extract(epoch from least(fc.at, fm.at) - v.created_at) / 60 as minutes
  from v
  left join first_comment fc on fc.request_id = v.id
  left join first_move fm on fm.request_id = v.id
  where v.created_in and (fc.at is not null or fm.at is not null)
), per_day as (
  select day, sum(created)::int as created, sum(resolved)::int as resolved
  from (
    select (created_at at time zone $8)::date as day, 1 as created, 0 as resolved from v where created_in
    union all
    select (resolved_at at time zone $8)::date, 0, 1 from v where closed_in and status = 'DONE'
  ) x
  group by day
), days as (
  select d::date as day
  from generate_series(($1::timestamptz at time zone $8)::date, (($2::timestamptz - interval '1 microsecond') at time zone $8)::date, interval '1 day') d
), teams_seen as (
  select v.team_id,
         count(*) filter (where v.created_in) as created,
         count(*) filter (where v.closed_in and v.status = 'DONE') as resolved,
         count(*) filter (where v.status in ('NEW', 'IN_PROGRESS')) as open
  from v group by v.team_id
), agents as (
  select u.id, u.full_name,
         count(*) filter (where v.status in ('NEW', 'IN_PROGRESS')) as open,
         count(*) filter (where v.closed_in and v.status = 'DONE') as resolved
  from v join users u on u.id = v.assignee_id
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
  'resolution', json_build_object(
    'median_minutes', round(t.resolution_median::numeric, 1),
    'p90_minutes', round(t.resolution_p90::numeric, 1),
    'sla_met_percent', round(100.0 * t.res_met / nullif(t.res_met + t.res_breached, 0), 1)),
  'by_day', (select coalesce(json_agg(json_build_object('date', to_char(days.day, 'YYYY-MM-DD'),
      'created', coalesce(pd.created, 0), 'resolved', coalesce(pd.resolved, 0)) order by days.day), '[]'::json)
    from days left join per_day pd on pd.day = days.day),
  'agents', (select coalesce(json_agg(json_build_object('id', a.id, 'full_name', a.full_name, 'open', a.open, 'resolved', a.resolved)
      order by a.full_name, a.id), '[]'::json) from agents a)
) as summary
from totals t
