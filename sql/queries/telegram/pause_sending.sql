-- Telegram's 429: no instance sends for $1 seconds (retry_after).
update telegram_bot
set send_paused_until = greatest(coalesce(send_paused_until, now()), now() + make_interval(secs => $1::int))
where id
