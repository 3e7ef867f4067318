-- The metrics gauges: deliveries waiting for an active endpoint, and the age in seconds
-- of the oldest (a disabled endpoint's deliveries wait for it to be enabled, not for us).
select count(*)::int as pending,
       coalesce(extract(epoch from now() - min(d.created_at)), 0)::float8 as oldest_seconds
from webhook_deliveries d
join webhooks w on w.id = d.webhook_id and w.is_active
where d.status = 'pending'
