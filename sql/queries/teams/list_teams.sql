-- Teams, newest first, keyset on seq. $1 is_active filter (null: all), $2 after, $3 limit.
select t.seq::text, team_json(t, (select count(*) from team_members m where m.team_id = t.id)) as doc
from teams t
where ($1::boolean is null or t.is_active = $1)
  and ($2::bigint is null or t.seq < $2)
order by t.seq desc
limit $3
