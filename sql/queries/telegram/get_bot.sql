-- The bot as getMe last named it, and where its updates stand.
select bot_id::text, username, update_offset::text from telegram_bot where id
