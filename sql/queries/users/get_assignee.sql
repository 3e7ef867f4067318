-- What the assignee rules need to know of user $1, for a request of team $2 (null: the pool).
select id, role, is_active,
       exists (select 1 from team_members m where m.team_id = $2 and m.user_id = users.id) as in_team
from users
where id = $1
