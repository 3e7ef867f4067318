-- Step 1 of a claim (in a transaction with claim_webhook_deliveries.sql): active endpoints
-- with a due, unclaimed delivery, locked so that one process at a time claims for each
-- (the lock does not block the fan-out's inserts). $1 endpoints to leave out (this
-- process has enough of theirs), $2 how many at most. With each, what a delivery needs:
-- its URL and the secrets that sign (the previous one only within its 24 hours).
select w.id, w.url, w.secret,
       case when w.previous_secret_expires_at > now() then w.previous_secret end as previous_secret
from webhooks w
where w.is_active
  and w.id <> all ($1::uuid[])
  and exists (
    select 1 from webhook_deliveries d
    where d.webhook_id = w.id and d.status = 'pending' and d.next_attempt_at <= now()
      and (d.leased_until is null or d.leased_until <= now()))
limit $2
for no key update of w skip locked
