-- The bot as getMe names it ($1 id, $2 username). An update offset belongs to one bot:
-- another bot (a new TELEGRAM_BOT_TOKEN) starts from its first update.
update telegram_bot
set update_offset = case when bot_id is distinct from $1::bigint then 0 else update_offset end,
    bot_id = $1, username = $2
where id
returning update_offset::text
