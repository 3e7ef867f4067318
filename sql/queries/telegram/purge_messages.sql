-- Retention: sent and failed messages older than $1 days (a reply to such an old message
-- no longer finds its request), and link tokens a day past their expiry.
with tokens as (
  delete from telegram_link_tokens where expires_at < now() - interval '1 day'
)
delete from telegram_messages
where created_at < now() - make_interval(days => $1) and (sent_at is not null or failed_at is not null)
