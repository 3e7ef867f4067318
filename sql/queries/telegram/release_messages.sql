-- Hands back claimed messages $1 that were not tried (a flood wait began), as if never claimed.
update telegram_messages
set claimed_until = null, attempts = attempts - 1
where id = any($1::bigint[]) and sent_at is null and failed_at is null
