-- Which user, if any, chat $1 belongs to.
select user_id from telegram_links where chat_id = $1
