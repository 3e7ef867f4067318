-- The console's counts: the open requests (NEW, IN_PROGRESS) the caller may see, per team
-- (null: the general pool), split into the queue (NEW and unassigned), the caller's own
-- work (assigned to $1) and all of them. Open requests are few beside closed ones, so this
-- walks requests_status_number for the two open statuses.
-- $1 the caller, $2 only requests filed by this user (an employee's scope; null: anyone's),
-- $3..$5 visibility as in list_requests.sql $13..$15 (src/requests/policy.ts listScope).
select r.team_id, t.name as team_name,
       (count(*) filter (where r.status = 'NEW' and r.assignee_id is null))::int as queue,
       (count(*) filter (where r.assignee_id = $1))::int as my_work,
       count(*)::int as open
from requests r
left join teams t on t.id = r.team_id
where r.status in ('NEW', 'IN_PROGRESS')
  and ($2::uuid is null or r.created_by = $2)
  and ($3::boolean or r.team_id is null or r.team_id = any($4::uuid[]) or r.assignee_id = $5::uuid)
group by r.team_id, t.name
order by t.name nulls first
