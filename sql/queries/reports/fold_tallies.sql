-- Folds up to $1 committed deltas (migration 0022) into request_tallies, as a state row and
-- a created row, and deletes them, in one statement: a report's snapshot sees a delta
-- either in one table or in the other. Deltas written meanwhile are not in this snapshot
-- and wait for the next batch. In batches, so that a backlog (a bulk update, a release of
-- old instances that fold nothing) is folded within the statement timeout, a batch at a
-- time. A key whose deltas cancel out (a move that keeps its created row) is not written.
with moved as (
  delete from request_tally_deltas
  where ctid = any(array(select ctid from request_tally_deltas limit $1))
  returning team_id, assignee_id, status, priority, bucket, fr, res, n
), folded as (
  insert into request_tallies as t (kind, bucket, team_id, assignee_id, status, priority, fr, res, n)
  select 'state', null, team_id, assignee_id, status, null, null, null, sum(n) from moved
  group by team_id, assignee_id, status having sum(n) <> 0
  union all
  select 'created', bucket, team_id, assignee_id, null, priority, fr, res, sum(n) from moved
  group by bucket, team_id, assignee_id, priority, fr, res having sum(n) <> 0
  on conflict on constraint request_tallies_key do update set n = t.n + excluded.n
)
select count(*)::int as moved from moved
