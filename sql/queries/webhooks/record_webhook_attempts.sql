-- The results of finished attempts, many at once, in order: each is recorded only while its
-- claim still stands (lease token), as an attempt row and the delivery's new state; then
-- each endpoint's run of consecutive failures is counted on, or restarted by a success, and
-- an endpoint that answered 410 or reached $10 consecutive failures (0: never) is disabled
-- with a reason and an audit row without an actor. Outcome 'release' gives a claim back
-- unattempted. Arrays, one element per result: $1 delivery, $2 lease, $3 when the attempt
-- began, $4 response status, $5 duration ms, $6 error, $7 response excerpt,
-- $8 outcome (succeeded, retry, failed, gone, release), $9 ms until the retry.
with r as (
  select *
  from unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::int[])
    with ordinality as r (id, lease, at, response_status, duration_ms, error, excerpt, outcome, delay_ms, n)
), d as (
  update webhook_deliveries d set
    status = case when r.outcome = 'succeeded' then 'succeeded' when r.outcome in ('retry', 'release') then 'pending' else 'failed' end,
    attempts = d.attempts + (r.outcome <> 'release')::int,
    next_attempt_at = case when r.outcome = 'retry' then now() + make_interval(secs => r.delay_ms::float8 / 1000) else d.next_attempt_at end,
    lease_owner = null, lease = null, leased_until = null,
    last_attempt_at = case when r.outcome = 'release' then d.last_attempt_at else r.at end,
    last_response_status = case when r.outcome = 'release' then d.last_response_status else r.response_status end,
    last_duration_ms = case when r.outcome = 'release' then d.last_duration_ms else r.duration_ms end,
    last_error = case when r.outcome = 'release' then d.last_error else r.error end,
    updated_at = now()
  from r
  where d.id = r.id and d.lease = r.lease
  returning d.id, d.webhook_id, r.n, r.outcome, r.at, r.response_status, r.duration_ms, r.error, r.excerpt
), attempted as (
  insert into webhook_attempts (delivery_id, at, response_status, duration_ms, error, response_excerpt)
  select id, at, response_status, duration_ms, error, excerpt
  from d
  where outcome <> 'release'
  order by n
), per as (
  -- Per endpoint: whether a success came in, the failures after the last one, a 410.
  select webhook_id, bool_or(outcome = 'succeeded') as any_ok, bool_or(outcome = 'gone') as gone,
         count(*) filter (where outcome in ('retry', 'failed', 'gone') and n > coalesce(last_ok, 0))::int as fails
  from (select d.*, max(n) filter (where outcome = 'succeeded') over (partition by webhook_id) as last_ok from d) x
  where outcome <> 'release'
  group by webhook_id
), cur as (
  -- Locked, so two recorders count one endpoint's failures one after the other; an
  -- endpoint with nothing to change (a success on a clean record) is not even locked.
  select w.id, w.is_active, w.consecutive_failures, per.any_ok, per.gone, per.fails
  from webhooks w
  join per on per.webhook_id = w.id
  where per.fails > 0 or per.gone or w.consecutive_failures > 0
  for no key update of w
), verdict as (
  select id, failures, is_active and (gone or ($10::int > 0 and failures >= $10::int)) as trips, gone
  from (select cur.*, case when any_ok then fails else consecutive_failures + fails end as failures from cur) c
), w as (
  update webhooks w set
    consecutive_failures = v.failures,
    is_active = w.is_active and not v.trips,
    disabled_reason = case
      when not v.trips then w.disabled_reason
      when v.gone then 'the endpoint answered 410 Gone'
      else format('%s consecutive failed attempts', v.failures) end,
    updated_at = case when v.trips then now() else w.updated_at end
  from verdict v
  where w.id = v.id
  returning w.id, w.url, w.disabled_reason, v.trips
), audited as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select null, 'webhook.disabled', 'webhook', w.id,
         jsonb_build_object('is_active', jsonb_build_array(true, false), 'disabled_reason', jsonb_build_array(null, w.disabled_reason)),
         null, null, 'serviceflow-webhooks'
  from w
  where w.trips
)
select (select count(*) from d)::int as recorded,
       coalesce((select jsonb_agg(jsonb_build_object('id', w.id, 'url', w.url, 'reason', w.disabled_reason)) from w where w.trips), '[]') as disabled
