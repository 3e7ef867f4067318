-- Step 1 of a claim (in a transaction with claim_webhook_deliveries.sql): active endpoints
-- with a due, unclaimed delivery, locked so that one process at a time claims for each
-- (the lock does not block the fan-out's inserts). $1 endpoints to leave out (this
-- process has enough of theirs), $2 how many at most. With each, what a delivery needs
-- (webhook_senders, migration 0021).
select w.id, w.url, w.secret, w.previous_secret
from webhook_senders w
where w.is_active
  and w.id <> all ($1::uuid[])
  and exists (select 1 from webhook_due_deliveries d where d.webhook_id = w.id)
limit $2
for no key update of w skip locked
