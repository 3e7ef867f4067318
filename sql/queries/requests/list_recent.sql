-- The first and later pages of all requests the caller may see, newest first: the hot list.
-- $1 after this number (null: from the newest), $2 limit; visibility (src/requests/policy.ts
-- listScope): $3 true sees everything, else $4 the caller's teams and $5 the caller (the
-- general pool, their teams' requests and what is assigned to them).
-- A page row is what allowed_transitions and the cursor need, and the request's JSON.
-- The parameters sit in "(select …)" so the planner estimates every call alike: then the
-- plan it caches after five calls costs no more than a per-call one, and it keeps it
-- (test/lists.test.ts checks). Written plainly, a call's own values (a deep cursor, a
-- small limit) made a per-call plan look cheaper, and every call paid for planning.
-- (`any((select …)::uuid[])`: the cast makes the subquery one array value, not a set to
-- compare each element against.)
-- The constant inner `limit 1000` (the most a caller asks for, src/db/requests.ts) keeps
-- the plan's estimated cost the same however large the table grows. With only the
-- unknown `limit (select $2)` the estimate was the whole index, so it grew with the
-- table, and once an ANALYZE re-costed the cached plan above the average of the per-call
-- plans made when the table was small, PostgreSQL planned every call again for thousands
-- of calls on each long-lived connection (docs/benchmarks.md, "third session"). Until the
-- table holds enough rows for the estimate to reach 1000, the cost still grows with it: a
-- young database can be re-planned for a while, until connections are renewed (every
-- 30 minutes, src/db/index.ts). test/lists.test.ts grows a table from 10 000 rows.
select * from (
  select number::text as seq, status, created_by, assignee_id, team_id, doc
  from request_details
  where ((select $3::boolean) or team_id is null or team_id = any((select $4::uuid[])::uuid[]) or assignee_id = (select $5::uuid))
    and number < (select coalesce($1::bigint, 9223372036854775807))
  order by number desc
  limit 1000
) page
limit (select $2::int)
