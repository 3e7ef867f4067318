-- Chat $1 cannot be reached ($2: the user blocked the bot): what is still queued for it is dropped.
update telegram_messages
set failed_at = now(), claimed_until = null, error = $2
where chat_id = $1 and sent_at is null and failed_at is null
