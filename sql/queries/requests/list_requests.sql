-- Any mix of filters, newest first, keyset on number, within what the caller may see.
-- A null parameter means "no such filter"; src/db/requests.ts sends this statement
-- unnamed, so it is planned for each call's values: a filter that is off folds away and
-- the planner picks the index of the ones that are on. Only the choice of the page's
-- numbers, from `requests` alone, is planned so; request_page
-- (sql/migrations/0011_request_page.sql) builds the rows with a plan it keeps. (The hot
-- shapes have statements of their own with cached plans.)
-- $1 statuses, $2 priority, $3 only unassigned, $4 assignee, $5 creator, $6 full-text query,
-- $7 created at or after, $8 created before, $9 after this cursor, $10 limit,
-- $11 teams (null: any), $12 only the general pool, $13..$15 visibility as in list_recent.sql.
select * from request_page(array(
  select number from requests
  where ($1::text[] is null or status = any($1))
    and ($2::text is null or priority = $2)
    and (not $3::boolean or assignee_id is null)
    and ($4::uuid is null or assignee_id = $4)
    and ($5::uuid is null or created_by = $5)
    and ($6::text is null or search @@ websearch_to_tsquery('english', $6))
    and ($7::timestamptz is null or created_at >= $7)
    and ($8::timestamptz is null or created_at < $8)
    and ($9::bigint is null or number < $9)
    and ($11::uuid[] is null or team_id = any($11))
    and (not $12::boolean or team_id is null)
    and ($13::boolean or team_id is null or team_id = any($14::uuid[]) or assignee_id = $15::uuid)
  order by number desc
  limit $10))
