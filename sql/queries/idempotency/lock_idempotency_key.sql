-- Held until the transaction ends: a second call with the same key while the first runs
-- does not get it (409 idempotency_key_in_use).
select pg_try_advisory_xact_lock(hashtextextended($1::text || ' ' || $2 || ' ' || $3 || ' ' || $4, 0)) as locked
