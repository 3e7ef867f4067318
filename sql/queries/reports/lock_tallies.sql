-- One fold at a time over every instance (src/worker/tallies.ts): a second one finds the
-- lock held and leaves the deltas to the first. Held to the end of the transaction.
select pg_try_advisory_xact_lock(7263004) as locked
