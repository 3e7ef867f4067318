-- Before GET /reports/summary's statement, in its transaction: how to plan it. $1: the
-- report is over every request (a caller who sees them all, no team filter; src/db/reports.ts).
--
-- No parallel workers. One report call then takes at most one backend's CPU from the API's
-- own traffic, and under concurrent calls the workers cost more than they saved: 4
-- connections over 200 000 requests, 31.7 -> 39 calls a second, p99 163-173 -> 143-146 ms
-- (PostgreSQL 15, two cores; docs/benchmarks.md, "sixth session").
--
-- Over every request, index pages costed as the cached pages they are (1.1, not 4, the
-- usual figure for data in memory or on SSD). The one pass over all of them (`counts`) is
-- meant to read requests_report_facts, a ninth of the table's pages (migration 0017), in
-- its order; at 4 the planner chose the heap whenever rows were narrow, and hashed them:
-- 133 -> 88 ms a call over 200 000 requests (embedded PostgreSQL 17; 101 -> 67 ms on 15;
-- docs/benchmarks.md, "eighth session"). Not where a predicate narrows the rows (an
-- agent's visibility): there 1.1 traded the team index's bitmap for a filter over the
-- whole index, 88 -> 127 ms; nor, unmeasured, for a team filter.
select set_config('max_parallel_workers_per_gather', '0', true),
       set_config('random_page_cost', case when $1::boolean then '1.1' else current_setting('random_page_cost') end, true)
