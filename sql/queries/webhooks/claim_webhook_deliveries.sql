-- Step 2 of a claim: due deliveries of the endpoints locked in step 1, at most $2[i] of
-- endpoint $1[i], leased to process $3 for $4 ms, each with the event it delivers. This
-- statement's snapshot is taken after the locks, so it sees every claim committed before:
-- an endpoint whose deliveries another live process holds is left to that process (one
-- process works an endpoint at a time, which keeps WEBHOOK_CONCURRENCY exact). Which
-- deliveries are due and which leases live: the views of migration 0021. The event's
-- data comes as JSON text, sent as it is.
with want as (
  select t.id, t.n
  from unnest($1::uuid[], $2::int[]) as t (id, n)
  where not exists (select 1 from webhook_live_leases x where x.webhook_id = t.id and x.lease_owner <> $3)
), pick as (
  select d.id
  from want
  cross join lateral (
    select d.id from webhook_due_deliveries d
    where d.webhook_id = want.id
    order by d.next_attempt_at, d.seq
    limit want.n
    for update skip locked
  ) d
), leased as (
  -- By id from an array, so the update looks each one up in the primary key: joined to
  -- `pick` (its size unknown to the planner) it was a hash join over a sequential scan of
  -- every delivery ever made, and the join to events below another over every event.
  update webhook_deliveries d set
    lease_owner = $3, lease = gen_random_uuid(), leased_until = now() + make_interval(secs => $4::float8 / 1000)
  where d.id = any (array(select id from pick))
  returning d.id, d.webhook_id, d.event_id, d.lease, d.attempts, d.next_attempt_at
)
select l.id, l.webhook_id, l.lease, l.attempts,
       e.id as event_id, e.type, e.created_at, e.actor_id, u.full_name as actor_name, e.data::text as data
from leased l
join events e on e.id = l.event_id
left join users u on u.id = e.actor_id
order by l.next_attempt_at
