-- The event cursor's horizon, per database (docs/architecture.md, "Events and the event
-- cursor"). Readers walked (xid, seq) below pg_snapshot_xmin, the oldest transaction
-- still running in the whole cluster: a transaction left open in another database of
-- the same server (another application, a migration, a test) held back every live
-- stream, webhook and Telegram notice here, though it can never write an event of ours.
--
-- event_horizon(): the oldest transaction still running, in the reading statement's
-- snapshot, that may belong to this database. A running xid is known to be another
-- database's when pg_stat_activity shows it there (an xid names one transaction, and a
-- backend's database never changes); every other running xid, including one that ended
-- after the snapshot was taken, counts as ours. Transactions at or past the snapshot's
-- xmax are not listed in it, so the horizon is at most xmax; and never past the reader's
-- own transaction, whose uncommitted events it could see. (A backend without a database
-- has a NULL datid and counts as ours too.) pg_stat_activity is read once per transaction
-- and kept: call this in a transaction's first read of it, as every reader does (the
-- hub, GET /events and the webhook fan-out are single statements; the Telegram notifier
-- reads the events first), so a backend slot reused since cannot be misattributed.
--
-- STABLE: it reads the calling statement's snapshot (pg_current_snapshot() is the active
-- one), the snapshot the events are read with. Call it as `(select event_horizon())` so it
-- runs once per statement, not once per row.
create function event_horizon() returns xid8
language sql stable as $$
  with snap as (
    select pg_current_snapshot() as s
  ), elsewhere as (
    select coalesce(array_agg(a.backend_xid), '{}') as xids
    from pg_stat_activity a
    where a.backend_xid is not null
      and a.datid <> (select oid from pg_database where datname = current_database())
  )
  select least(
    coalesce((select min(x) from pg_snapshot_xip(snap.s) x where xid(x) <> all (elsewhere.xids)), pg_snapshot_xmax(snap.s)),
    coalesce(pg_current_xact_id_if_assigned(), pg_snapshot_xmax(snap.s)))
  from snap, elsewhere
$$;
