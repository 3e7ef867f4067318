-- One team's queue: NEW and unassigned in that team, newest first (partial index
-- requests_team_queue_number, sql/migrations/0015_team_queue.sql), of what the caller may
-- see. $1 the team, $2 after this number, $3 limit, $4..$5 visibility as in list_recent.sql
-- (and why "(select …)", and the constant inner limit). One cached plan: the index holds
-- the team's queue alone, in page order, so a page reads its own rows and no others.
select * from (
  select number::text as seq, status, created_by, assignee_id, team_id, doc
  from request_details
  where status = 'NEW' and assignee_id is null and team_id = (select $1::uuid)
    and number < (select coalesce($2::bigint, 9223372036854775807))
    and ((select $4::boolean) or team_id = any((select $5::uuid[])::uuid[]))
  order by number desc
  limit 1000
) page
limit (select $3::int)
