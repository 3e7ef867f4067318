-- Before GET /reports/summary's statement, in its transaction: plan it without parallel
-- workers. One report call then takes at most one backend's CPU from the API's own
-- traffic, and under concurrent calls the workers cost more than they saved: 4 connections
-- over 200 000 requests, 31.7 -> 39 calls a second, p99 163-173 -> 143-146 ms (PostgreSQL
-- 15, two cores; docs/benchmarks.md, "sixth session"). Alone on an idle server a call took
-- 43 ms with workers and 49 ms without.
set local max_parallel_workers_per_gather = 0
