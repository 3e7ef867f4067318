-- The server's timeouts as its login's defaults in this database: every session opened as
-- that login starts with them, whether it comes straight from the server or through a
-- pooler that refuses them as startup parameters (PgBouncer does). A role name or a
-- setting cannot be a parameter of DDL, so PostgreSQL quotes them here (%I, %L) and the
-- caller runs the text. Values in milliseconds. JIT is off for the login: no statement of
-- ours runs long enough to pay for compiling it, and where the planner's estimates run high
-- (a small table never analyzed is taken for 140 rows or more) it compiled the webhook
-- fan-out, a 3 ms poll, for 700 ms at every call (docs/benchmarks.md, "2026-12-01, fifth
-- session").
select format('alter role %I in database %I set statement_timeout = %L', $1::text, current_database(), $2::int || 'ms') as statement_timeout,
       format('alter role %I in database %I set lock_timeout = %L', $1::text, current_database(), $3::int || 'ms') as lock_timeout,
       format('alter role %I in database %I set idle_in_transaction_session_timeout = %L', $1::text, current_database(), $4::int || 'ms') as idle_in_transaction_session_timeout,
       format('alter role %I in database %I set jit = off', $1::text, current_database()) as jit
