-- The queue: NEW and unassigned, newest first (partial index requests_queue_number), of
-- what the caller may see. $1 after this number, $2 limit, $3..$5 visibility as in
-- list_recent.sql (and why "(select …)", and the constant inner limit).
select * from (
  select number::text as seq, status, created_by, assignee_id, team_id, doc
  from request_details
  where status = 'NEW' and assignee_id is null and number < (select coalesce($1::bigint, 9223372036854775807))
    and ((select $3::boolean) or team_id is null or team_id = any((select $4::uuid[])::uuid[]))
  order by number desc
  limit 1000
) page
limit (select $2::int)
