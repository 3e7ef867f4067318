-- In the transaction that handles update $2: moves the offset past it, only while holder
-- $1 holds the lease and the update is not behind the offset. No row back: someone else
-- polls now, or handled it already; the caller rolls back and handles nothing.
update telegram_bot
set update_offset = $2::bigint + 1
where id and holder = $1 and leased_until > clock_timestamp() and update_offset <= $2::bigint
returning update_offset::text
