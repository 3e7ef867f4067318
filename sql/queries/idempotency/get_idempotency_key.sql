select request_hash, status, headers, body
from idempotency_keys
where user_id = $1 and method = $2 and route = $3 and key = $4
  and created_at > now() - interval '24 hours'
