-- list_queue.sql for a pool without named prepared statements: only the choice of the
-- page's numbers, from `requests` alone, is planned per call; request_page builds the rows
-- with a plan the backend keeps (sql/migrations/0011_request_page.sql, 0014_kept_plans.sql).
-- $1 after this number, $2 limit, $3 $4 visibility as in list_queue.sql.
select * from request_page(array(
  select number from requests
  where status = 'NEW' and assignee_id is null and number < coalesce($1::bigint, 9223372036854775807)
    and ($3::boolean or team_id is null or team_id = any($4::uuid[]))
  order by number desc
  limit $2))
