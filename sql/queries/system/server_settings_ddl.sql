-- The server's timeouts as its login's defaults in this database: every session opened as
-- that login starts with them, whether it comes straight from the server or through a
-- pooler that refuses them as startup parameters (PgBouncer does). A role name or a
-- setting cannot be a parameter of DDL, so PostgreSQL quotes them here (%I, %L) and the
-- caller runs the text. Values in milliseconds.
select format('alter role %I in database %I set statement_timeout = %L', $1::text, current_database(), $2::int || 'ms') as statement_timeout,
       format('alter role %I in database %I set lock_timeout = %L', $1::text, current_database(), $3::int || 'ms') as lock_timeout,
       format('alter role %I in database %I set idle_in_transaction_session_timeout = %L', $1::text, current_database(), $4::int || 'ms') as idle_in_transaction_session_timeout
