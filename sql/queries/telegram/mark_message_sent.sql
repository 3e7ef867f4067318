-- Message $1 went out; $2 is the message id Telegram gave it (null for an answer).
update telegram_messages set sent_at = now(), message_id = $2, claimed_until = null, error = null where id = $1
