-- Takes or renews the poller's lease for holder $1 for $2 milliseconds: when it is free,
-- ran out, or is $1's already. A row back: $1 is the one poller, from this offset.
update telegram_bot
set holder = $1, leased_until = clock_timestamp() + make_interval(secs => $2::int / 1000.0)
where id and (holder is null or holder = $1 or leased_until < clock_timestamp())
returning update_offset::text
