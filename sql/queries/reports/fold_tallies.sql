-- Folds every committed delta (migration 0022) into request_tallies, as a state row and a
-- created row, and deletes it, in one statement: a report's snapshot sees a delta either
-- in one table or in the other. Deltas written meanwhile are not in this snapshot, and
-- wait for the next fold.
with moved as (
  delete from request_tally_deltas returning team_id, assignee_id, status, priority, bucket, fr, res, n
)
insert into request_tallies as t (kind, bucket, team_id, assignee_id, status, priority, fr, res, n)
select 'state', null, team_id, assignee_id, status, null, null, null, sum(n) from moved group by team_id, assignee_id, status
union all
select 'created', bucket, team_id, assignee_id, null, priority, fr, res, sum(n) from moved group by bucket, team_id, assignee_id, priority, fr, res
on conflict on constraint request_tallies_key do update set n = t.n + excluded.n
