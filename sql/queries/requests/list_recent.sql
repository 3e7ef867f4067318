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
select number::text as seq, status, created_by, assignee_id, team_id, doc
from request_details
where ((select $3::boolean) or team_id is null or team_id = any((select $4::uuid[])::uuid[]) or assignee_id = (select $5::uuid))
  and number < (select coalesce($1::bigint, 9223372036854775807))
order by number desc
limit (select $2::int)
