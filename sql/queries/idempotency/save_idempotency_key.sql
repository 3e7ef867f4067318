-- An expired record under the same key is replaced.
insert into idempotency_keys (user_id, method, route, key, request_hash, status, headers, body)
values ($1, $2, $3, $4, $5, $6, $7, $8)
on conflict (user_id, method, route, key) do update
set request_hash = excluded.request_hash, status = excluded.status, headers = excluded.headers,
    body = excluded.body, created_at = now()
