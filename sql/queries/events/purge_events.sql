-- The retention purge (EVENT_RETENTION_DAYS): events older than $1 days.
delete from events
where created_at < now() - make_interval(days => $1)
