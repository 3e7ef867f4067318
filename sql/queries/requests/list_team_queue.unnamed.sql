-- list_team_queue.sql for a pool without named prepared statements: only the choice of the
-- page's numbers, from `requests` alone, is planned per call; request_page builds the rows
-- with a plan the backend keeps (sql/migrations/0011_request_page.sql).
-- $1 the team, $2 after this number, $3 limit, $4..$5 visibility as in list_recent.sql.
select * from request_page(array(
  select number from requests
  where status = 'NEW' and assignee_id is null and team_id = $1::uuid
    and number < coalesce($2::bigint, 9223372036854775807)
    and ($4::boolean or team_id = any($5::uuid[]))
  order by number desc
  limit $3))
