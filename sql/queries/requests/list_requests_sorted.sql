-- GET /requests with an SLA filter or another order than newest first: the filters and
-- visibility of list_requests.sql ($1..$15, the same meaning), plus
-- $16 the order and its keyset (API.md, "Requests"):
--   -created   number desc                                       after $9
--   created    number                                            after $9
--   -priority  request_priority_rank(priority) desc, number desc  after ($19, $9)   index requests_priority_rank_number
--   due        sla_next_due_at, number                           after ($20, $9)   index requests_sla_next_due_number
--              (the earliest due time of a clock still running; 'infinity', so last, when none runs)
-- $17 'breached' (a running clock past its due time) or 'warning' (a running clock past its
-- warning time, not yet due), or null; $18 now, on the service's clock (src/clock.ts).
-- `seq` is what the next cursor holds. Sent unnamed, so planned per call (src/db/requests.ts):
-- with $16 known, the CASEs of the other orders fold away and the plan walks one index.
select case $16::text
         when 'due' then 'd:' || case when sla_next_due_at = 'infinity' then 'infinity'
                                      else to_char(sla_next_due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') end
                         || ',' || number
         when '-priority' then 'p:' || request_priority_rank(priority) || ',' || number
         else number::text end as seq,
       status, created_by, assignee_id, team_id, doc
from request_details
where ($1::text[] is null or status = any($1))
  and ($2::text is null or priority = $2)
  and (not $3::boolean or assignee_id is null)
  and ($4::uuid is null or assignee_id = $4)
  and ($5::uuid is null or created_by = $5)
  and ($6::text is null or search @@ websearch_to_tsquery('english', $6))
  and ($7::timestamptz is null or created_at >= $7)
  and ($8::timestamptz is null or created_at < $8)
  and ($11::uuid[] is null or team_id = any($11))
  and (not $12::boolean or team_id is null)
  and ($13::boolean or team_id is null or team_id = any($14::uuid[]) or assignee_id = $15::uuid)
  and ($17::text is null
    or ($17 = 'breached' and sla_next_due_at <= $18::timestamptz)
    or ($17 = 'warning' and sla_next_warning_at <= $18 and (
          (first_response_at is null and sla_first_response_warning_at <= $18 and $18 < sla_first_response_due_at)
          or (sla_resolution_warning_at <= $18 and $18 < sla_resolution_due_at))))
  and ($9::bigint is null
    or ($16 = '-created' and number < $9)
    or ($16 = 'created' and number > $9)
    or ($16 = '-priority' and (request_priority_rank(priority), number) < ($19::int, $9))
    or ($16 = 'due' and (sla_next_due_at, number) > ($20::timestamptz, $9)))
order by
  case when $16 = 'due' then sla_next_due_at end,
  case when $16 = '-priority' then request_priority_rank(priority) end desc,
  case when $16 in ('due', 'created') then number end,
  case when $16 in ('-created', '-priority') then number end desc
limit $10
