-- The timeouts this session runs with, in milliseconds (0: none).
select (extract(epoch from current_setting('statement_timeout')::interval) * 1000)::int as statement_timeout,
       (extract(epoch from current_setting('lock_timeout')::interval) * 1000)::int as lock_timeout,
       (extract(epoch from current_setting('idle_in_transaction_session_timeout')::interval) * 1000)::int as idle_in_transaction_session_timeout
