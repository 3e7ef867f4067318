-- Every active user with a Telegram link, with what the policy needs: who may hear of an
-- event (src/telegram/audience.ts). A deactivated user's link is ignored.
select u.id, u.full_name, u.role, l.chat_id::text,
       array(select m.team_id::text from team_members m where m.user_id = u.id order by 1) as teams
from telegram_links l
join users u on u.id = l.user_id
where u.is_active
