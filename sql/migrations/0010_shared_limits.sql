-- Rate limits and the failed-authentication limit, shared by every instance (README,
-- "Scaling out"): counted here instead of in each process, so that behind a load balancer a
-- key gets the limit it was configured with, not that times the number of instances.
--
-- UNLOGGED: no WAL for a row rewritten on every request. A crash of PostgreSQL empties
-- both tables, which forgives every caller their recent requests once; nothing else is lost,
-- and a replica has no need of them.
--
-- Times are milliseconds of the servers' clocks (src/clock.ts), so tests move time instead
-- of sleeping. A server whose clock is behind the one that wrote a row refills nothing
-- until it catches up (the elapsed time is never negative, `at` never moves back), so a
-- skew between instances can only make the limit stricter for a moment, never looser.

-- A token bucket per key ('user:<id>', or 'ip:<address>' before authentication).
-- `taken`: how many tokens the last take got, for the statement that took them to return.
create unlogged table rate_limit_buckets (
  key     text primary key,
  tokens  double precision not null,
  at      bigint not null,
  taken   integer not null
) with (fillfactor = 70); -- room for HOT updates: the row is rewritten on every take

-- The tokens in a bucket at `now`: `rps` a second since `at`, at most `capacity`.
create function rate_limit_buckets__refill(tokens double precision, at bigint, now bigint, rps double precision, capacity double precision)
  returns double precision
  language sql immutable parallel safe
  return least(capacity, tokens + greatest(0, now - at) / 1000.0 * rps);

-- The last AUTH_FAILURE_LIMIT failed authentications per client address, oldest first.
create unlogged table auth_failures (
  ip    text primary key,
  hits  bigint[] not null
);

-- The server takes tokens, counts and records failures, and purges idle rows: rows only,
-- which the default privileges of 0003_roles.sql grant it (select, insert, update, delete)
-- and nothing more (no truncate, references or trigger).
