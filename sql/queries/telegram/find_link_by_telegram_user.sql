-- Which user, if any, Telegram user $1 is linked to.
select user_id from telegram_links where telegram_user_id = $1
