-- Endpoints, newest first, after the keyset cursor $1 (a seq; null: from the top); $2 limit.
select seq::text, id, url, description, events, team_id, is_active, disabled_reason,
       right(secret, 4) as secret_last4, created_at, updated_at
from webhooks
where $1::bigint is null or seq < $1
order by seq desc
limit $2
