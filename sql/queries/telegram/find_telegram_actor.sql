-- The user linked to Telegram user $1, as the workflow's Actor (with their teams), and
-- whether they are active: a deactivated user's link is ignored.
select u.id, u.full_name, u.role, u.is_active,
       array(select m.team_id::text from team_members m where m.user_id = u.id order by 1) as teams
from telegram_links l
join users u on u.id = l.user_id
where l.telegram_user_id = $1
