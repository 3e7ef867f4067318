-- For this transaction only: an upload's COPY lasts as long as the client takes to send
-- the file, which the HTTP server bounds (requestTimeout, 30 s), not the limit meant for
-- single statements (DB_STATEMENT_TIMEOUT_MS, 15 s by default).
select set_config('statement_timeout', '60s', true)
