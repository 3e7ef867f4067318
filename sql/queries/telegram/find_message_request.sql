-- The request a message the bot sent to chat $1 ($2 its message id) was about.
select request_id from telegram_messages
where chat_id = $1 and message_id = $2 and request_id is not null
limit 1
