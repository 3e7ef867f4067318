-- Removes user $1's Telegram link, audited as user.telegram_unlinked by actor $2 (null:
-- Telegram said the user blocked the bot) with its user.updated event. $3 request id,
-- $4 ip, $5 user agent. No row back: there was no link (and nothing is written).
with l as (
  delete from telegram_links where user_id = $1
  returning *
), ch as (
  select l.user_id, l.chat_id,
         jsonb_build_object('telegram', jsonb_build_array(
           jsonb_build_object('linked', true, 'username', l.username, 'linked_at', api_time(l.linked_at)),
           '{"linked": false, "username": null, "linked_at": null}'::jsonb)) as changes
  from l
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $2, 'user.telegram_unlinked', 'user', ch.user_id, ch.changes, $3, $4, $5
  from ch
), e as (
  insert into events (type, actor_id, data)
  select 'user.updated', $2,
         jsonb_build_object('user', user_json(u) || jsonb_build_object('telegram', ch.changes->'telegram'->1), 'changes', ch.changes)
  from ch join users u on u.id = ch.user_id
)
select user_id, chat_id::text from ch
