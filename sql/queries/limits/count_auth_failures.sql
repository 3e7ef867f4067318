-- The failed authentications from address $1 in the window of $3 ms before $2, and the
-- oldest of them (when it leaves the window, the address may try again).
select count(*)::int as n, min(h) as oldest
from auth_failures, unnest(hits) as h
where ip = $1 and h > $2::bigint - $3
