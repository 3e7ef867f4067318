-- Message $1 failed for a passing reason ($3): again in $2 milliseconds.
update telegram_messages
set next_attempt_at = now() + make_interval(secs => $2::int / 1000.0), claimed_until = null, error = $3
where id = $1
