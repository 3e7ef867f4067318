-- Serialises every change to the set of active admins (bootstrap, demotion, deactivation)
-- for the rest of the transaction, so "the last admin" and "no admin yet" are race-free.
select pg_advisory_xact_lock(7263002)
