-- The first and later pages of all requests, newest first: the hot list.
-- $1 after this number (null: from the newest), $2 limit.
-- A page row is what allowed_transitions and the cursor need, and the request's JSON.
-- The parameters sit in "(select …)" so the planner estimates every call alike: then the
-- plan it caches after five calls costs no more than a per-call one, and it keeps it
-- (test/lists.test.ts checks). Written plainly, a call's own values (a deep cursor, a
-- small limit) made a per-call plan look cheaper, and every call paid for planning.
select number::text as seq, status, created_by, assignee_id, doc
from request_details
where number < (select coalesce($1::bigint, 9223372036854775807))
order by number desc
limit (select $2::int)
