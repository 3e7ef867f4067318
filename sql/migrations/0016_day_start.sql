-- day_start(day, zone): the first instant of a calendar day in a time zone, for the
-- report's range (sql/queries/reports/resolve_range.sql) and its days
-- (sql/queries/reports/summary.sql). Usually the day's midnight; where a clock is set back
-- at midnight, so that midnight happens twice (America/Havana on 2026-11-01), the first of
-- the two, which `day::timestamp at time zone zone` is not (PostgreSQL takes the later);
-- where midnight is skipped (America/Santiago, 2026-09-06), the instant the clock jumps
-- to. The earlier midnight is looked for up to three hours before the later one (the
-- largest shift of any zone is two). Checked against `(at at time zone zone)::date` at
-- every 5 minutes of 2026 in every zone PostgreSQL knows (docs/benchmarks.md, "fourth
-- session"), and by test/reports.test.ts at both of Havana's changes.
create function day_start(day date, zone text) returns timestamptz
language sql stable strict parallel safe
as $$
  select coalesce(
    (select c.at - k
     from unnest(array['3 hours', '2 hours', '1 hour', '30 minutes']::interval[]) with ordinality u(k, o)
     where (c.at - k) at time zone zone = day::timestamp
     order by o limit 1),
    c.at)
  from (select day::timestamp at time zone zone as at) c
$$;
