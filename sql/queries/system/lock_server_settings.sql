-- Serialises the servers that write their login's settings at start-up (any constant of
-- our own, beside the migrations' 7263001 and the admins' 7263002).
select pg_advisory_xact_lock(7263003)
