-- GET /reports/summary's resolution times and resolved-per-day (sql/queries/reports/
-- summary.sql, `done`) read the requests resolved (DONE) in the range. Without this index
-- that meant every entry of requests_report_facts (0017), of which DONE is one status
-- among the groups: 32 → 7 ms a call with 36 000 of 200 000 requests resolved in 30 days
-- (embedded PostgreSQL 17 here; docs/benchmarks.md, "seventh session"). Partial: only a
-- request's move to DONE adds an entry, so creates and other moves pay nothing for it.
-- Like 0017, old code does not use it; on a table of millions, build it first, by hand:
--   create index concurrently if not exists requests_done_resolved on requests (resolved_at) include (created_at, team_id, assignee_id) where status = 'DONE';
create index if not exists requests_done_resolved on requests (resolved_at) include (created_at, team_id, assignee_id) where status = 'DONE';
