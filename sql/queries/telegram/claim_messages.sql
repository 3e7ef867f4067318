-- Claims up to $1 messages that are due, oldest first, for 60 seconds (a claim that ran out,
-- its sender gone, is taken over); none while Telegram's flood wait (429) runs.
with due as (
  select id from telegram_messages
  where sent_at is null and failed_at is null and next_attempt_at <= now()
    and (claimed_until is null or claimed_until < now())
    and not exists (select 1 from telegram_bot where send_paused_until > now())
  order by id
  limit $1
  for update skip locked
)
update telegram_messages m
set claimed_until = now() + interval '60 seconds', attempts = m.attempts + 1
from due
where m.id = due.id
returning m.id::text, m.chat_id::text, m.method, m.params, m.attempts, m.created_at
