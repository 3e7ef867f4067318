-- Gives the lease up (a graceful stop), so another instance polls at once.
update telegram_bot set holder = null, leased_until = null where id and holder = $1
