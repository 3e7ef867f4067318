-- The members of a team, newest member first, keyset on the users' seq. $2 after, $3 limit.
select u.seq::text, u.id, u.email, u.full_name, u.role, u.is_active, u.api_key_last4, u.created_at, u.updated_at, user_teams(u.id) as teams, user_telegram(u.id) as telegram
from team_members m
join users u on u.id = m.user_id
where m.team_id = $1
  and ($2::bigint is null or u.seq < $2)
order by u.seq desc
limit $3
