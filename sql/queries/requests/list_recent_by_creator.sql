-- One person's requests, newest first (an employee's list). $1 creator, $2 after this
-- number, $3 limit, $4..$6 visibility as in list_recent.sql. Sent unnamed
-- (src/db/requests.ts), so the numbers of the page are planned for each call's values:
-- for someone with few requests among many, requests_created_by_number; a cached plan
-- cannot tell the few from the many. Only that part is planned per call: request_page
-- (sql/migrations/0011_request_page.sql) builds the rows with a plan it keeps.
select * from request_page(array(
  select number from requests
  where created_by = $1 and number < coalesce($2::bigint, 9223372036854775807)
    and ($4::boolean or team_id is null or team_id = any($5::uuid[]) or assignee_id = $6::uuid)
  order by number desc
  limit $3))
