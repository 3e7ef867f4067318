-- Message $1 cannot go out ($2): kept, with the reason, and not tried again.
update telegram_messages set failed_at = now(), claimed_until = null, error = $2 where id = $1
