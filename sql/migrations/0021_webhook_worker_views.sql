-- The delivery worker's rules, each written once: the claim (lock_due_webhooks.sql,
-- claim_webhook_deliveries.sql) and the fan-out that leases as a claim would
-- (lock_fan_out_webhooks.sql, fan_out_events.sql) read them from here, so the two can
-- never disagree on which endpoint a process may work. Plain views: PostgreSQL expands
-- them into each statement, so the plans and their indexes are what they were.
--
-- An endpoint as a delivery needs it: its URL and the secrets that sign, the previous one
-- only within its 24 hours after a rotation (API.md, "Events and webhooks").
create view webhook_senders as
  select w.id, w.seq, w.is_active, w.url, w.secret,
         case when w.previous_secret_expires_at > now() then w.previous_secret end as previous_secret
  from webhooks w;

-- Deliveries an attempt is due for and no live lease holds.
create view webhook_due_deliveries as
  select d.id, d.webhook_id, d.next_attempt_at, d.seq
  from webhook_deliveries d
  where d.status = 'pending' and d.next_attempt_at <= now()
    and (d.leased_until is null or d.leased_until <= now());

-- Live leases, by endpoint and owner: a process works an endpoint only while no other
-- process holds one of its deliveries (WEBHOOK_CONCURRENCY is per endpoint, over all).
create view webhook_live_leases as
  select d.webhook_id, d.lease_owner
  from webhook_deliveries d
  where d.status = 'pending' and d.leased_until > now();
