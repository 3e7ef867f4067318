-- GET /reports/summary (API.md, "Reports"), in one statement over the requests the caller
-- may see. $1 from, $2 to (bounds already resolved to instants), $3 a team (null: all),
-- $4 only the general pool, $5..$7 visibility as in sql/queries/requests/list_recent.sql,
-- $8 the time zone days are counted in. `created` counts requests created in [from, to);
-- `resolved`/`canceled` those that reached DONE/CANCELED in it; `open` is now. Minutes are
-- wall-clock minutes.
with v as materialized (
  select r.id, r.status, r.priority, r.team_id, r.assignee_id, r.created_by, r.created_at, r.resolved_at
  from requests r
  where ($5::boolean or r.team_id is null or r.team_id = any($6::uuid[]) or r.assignee_id = $7::uuid)
    and ($3::uuid is null or r.team_id = $3)
    and (not $4::boolean or r.team_id is null)
), created as (
  select * from v where created_at >= $1::timestamptz and created_at < $2::timestamptz
), resolved as (
  select * from v where status = 'DONE' and resolved_at >= $1::timestamptz and resolved_at < $2::timestamptz
), canceled as (
  select * from v where status = 'CANCELED' and resolved_at >= $1::timestamptz and resolved_at < $2::timestamptz
), first_response as (
  -- The first public comment or status change by someone other than the creator.
  select c.id, extract(epoch from (fr.at - c.created_at)) / 60 as minutes
  from created c
  cross join lateral (
    select least(
      (select min(cm.created_at) from comments cm
        where cm.request_id = c.id and not cm.internal and cm.author_id <> c.created_by),
      (select min(a.created_at) from audit_logs a
        where a.entity_type = 'request' and a.entity_id = c.id and a.action = 'request.status_changed'
          and a.actor_id is distinct from c.created_by)) as at
  ) fr
  where fr.at is not null
), teams_seen as (
  select v.team_id,
         count(*) filter (where v.created_at >= $1::timestamptz and v.created_at < $2::timestamptz) as created,
         count(*) filter (where v.status = 'DONE' and v.resolved_at >= $1::timestamptz and v.resolved_at < $2::timestamptz) as resolved,
         count(*) filter (where v.status in ('NEW', 'IN_PROGRESS')) as open
  from v group by v.team_id
), days as (
  select d::date as day
  from generate_series(($1::timestamptz at time zone $8)::date, (($2::timestamptz - interval '1 microsecond') at time zone $8)::date, interval '1 day') d
)
select json_build_object(
  'created', (select count(*) from created),
  'resolved', (select count(*) from resolved),
  'canceled', (select count(*) from canceled),
  'open', json_build_object(
    'NEW', (select count(*) from v where status = 'NEW'),
    'IN_PROGRESS', (select count(*) from v where status = 'IN_PROGRESS')),
  'by_priority', (select json_build_object(
    'LOW', count(*) filter (where priority = 'LOW'), 'NORMAL', count(*) filter (where priority = 'NORMAL'),
    'HIGH', count(*) filter (where priority = 'HIGH'), 'URGENT', count(*) filter (where priority = 'URGENT')) from created),
  'by_team', (select coalesce(json_agg(json_build_object('id', ts.team_id, 'name', t.name, 'created', ts.created,
      'resolved', ts.resolved, 'open', ts.open) order by t.name nulls first), '[]'::json)
    from teams_seen ts left join teams t on t.id = ts.team_id),
  'first_response', (select json_build_object(
    'median_minutes', round((percentile_cont(0.5) within group (order by minutes))::numeric, 1),
    'p90_minutes', round((percentile_cont(0.9) within group (order by minutes))::numeric, 1),
    'sla_met_percent', null) from first_response),
  'resolution', (select json_build_object(
    'median_minutes', round((percentile_cont(0.5) within group (order by extract(epoch from resolved_at - created_at) / 60))::numeric, 1),
    'p90_minutes', round((percentile_cont(0.9) within group (order by extract(epoch from resolved_at - created_at) / 60))::numeric, 1),
    'sla_met_percent', null) from resolved),
  'by_day', (select coalesce(json_agg(json_build_object('date', to_char(days.day, 'YYYY-MM-DD'),
      'created', (select count(*) from created c where (c.created_at at time zone $8)::date = days.day),
      'resolved', (select count(*) from resolved x where (x.resolved_at at time zone $8)::date = days.day)) order by days.day), '[]'::json)
    from days),
  'agents', (select coalesce(json_agg(json_build_object('id', a.id, 'full_name', a.full_name, 'open', a.open, 'resolved', a.resolved)
      order by a.full_name, a.id), '[]'::json)
    from (
      select u.id, u.full_name,
             count(*) filter (where v.status in ('NEW', 'IN_PROGRESS')) as open,
             count(*) filter (where v.status = 'DONE' and v.resolved_at >= $1::timestamptz and v.resolved_at < $2::timestamptz) as resolved
      from v join users u on u.id = v.assignee_id
      group by u.id, u.full_name
    ) a)
) as summary
