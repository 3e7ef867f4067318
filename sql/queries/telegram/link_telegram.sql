-- Links user $1 to Telegram user $2 and their private chat $3 (username $4) at $5,
-- replacing the user's earlier link, audited as user.telegram_linked (the user is the
-- actor: the token proved it) with its user.updated event. $6 request id, $7 ip, $8 user
-- agent. The Telegram account's link to another user is removed before (unlink_telegram).
-- user_json() reads the link as it was when this statement began, so the event's user
-- gets the new link from `ch`.
with old as (
  select user_telegram($1) as telegram
), l as (
  insert into telegram_links (user_id, telegram_user_id, chat_id, username, linked_at)
  values ($1, $2, $3, $4, $5)
  on conflict (user_id) do update
    set telegram_user_id = excluded.telegram_user_id, chat_id = excluded.chat_id,
        username = excluded.username, linked_at = excluded.linked_at
  returning *
), ch as (
  select l.user_id,
         jsonb_build_object('linked', true, 'username', l.username, 'linked_at', api_time(l.linked_at)) as telegram,
         jsonb_build_object('telegram', jsonb_build_array(old.telegram,
           jsonb_build_object('linked', true, 'username', l.username, 'linked_at', api_time(l.linked_at)))) as changes
  from l cross join old
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $1, 'user.telegram_linked', 'user', ch.user_id, ch.changes, $6, $7, $8
  from ch
), e as (
  insert into events (type, actor_id, data)
  select 'user.updated', $1, jsonb_build_object('user', user_json(u) || jsonb_build_object('telegram', ch.telegram), 'changes', ch.changes)
  from ch join users u on u.id = ch.user_id
)
select user_id from ch
