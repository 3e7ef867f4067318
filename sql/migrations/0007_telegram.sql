-- The Telegram bot (API.md, "Telegram"): linked accounts, one-time link tokens, the one
-- poller's lease and update offset, the notifier's event cursor, and an outbox of Bot API
-- calls.

-- A ServiceFlow user linked to a Telegram user and their private chat with the bot.
create table telegram_links (
  user_id          uuid primary key references users (id),
  telegram_user_id bigint not null,
  chat_id          bigint not null,
  username         text,
  linked_at        timestamptz not null,
  constraint telegram_links_username_length check (char_length(username) <= 64)
);
create unique index telegram_links_telegram_user_key on telegram_links (telegram_user_id);
create unique index telegram_links_chat_key on telegram_links (chat_id);

-- One-time tokens of the deep link t.me/<bot>?start=<token>: only the SHA-256 is kept.
create table telegram_link_tokens (
  token_hash bytea primary key,
  user_id    uuid not null references users (id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at    timestamptz,
  constraint telegram_link_tokens_hash_length check (octet_length(token_hash) = 32)
);
create index telegram_link_tokens_expires_at on telegram_link_tokens (expires_at);

-- The bot, one row: who polls (a lease that another instance takes over once it runs
-- out), the next update to ask Telegram for (advanced in the transaction that handles an
-- update, so a restart neither repeats nor loses one), the bot's identity from getMe (an
-- offset belongs to one bot), and Telegram's flood wait (429 retry_after), for every sender.
create table telegram_bot (
  id                boolean primary key default true,
  bot_id            bigint,
  username          text,
  update_offset     bigint not null default 0,
  holder            text,
  leased_until      timestamptz,
  send_paused_until timestamptz,
  constraint telegram_bot_one_row check (id)
);
insert into telegram_bot default values;

-- The notifier's place in the event outbox, an (xid, seq) cursor like GET /events'
-- (docs/architecture.md, "The event cursor"). It starts here: events written before the bot
-- existed are nobody's news.
create table telegram_notifier (
  id        boolean primary key default true,
  after_xid xid8 not null,
  after_seq bigint not null,
  constraint telegram_notifier_one_row check (id)
);
insert into telegram_notifier (after_xid, after_seq) values (pg_current_xact_id(), 0);

-- Bot API calls to make (notifications, answers, edits), written in the transaction that
-- decided them and sent by any instance (a claim that runs out is taken over). A
-- notification reaches a chat at most once per event (the unique key); `message_id` is
-- what Telegram answered, so a reply to that message finds its request.
create table telegram_messages (
  id              bigint generated always as identity primary key,
  chat_id         bigint not null,
  method          text not null,
  params          jsonb not null,
  event_id        uuid,
  request_id      uuid references requests (id),
  created_at      timestamptz not null default now(),
  next_attempt_at timestamptz not null default now(),
  attempts        integer not null default 0,
  claimed_until   timestamptz,
  sent_at         timestamptz,
  failed_at       timestamptz,
  message_id      bigint,
  error           text,
  constraint telegram_messages_method_valid check (method in ('sendMessage', 'editMessageText', 'answerCallbackQuery')),
  constraint telegram_messages_once_per_event_chat unique (event_id, chat_id)
);
create index telegram_messages_pending on telegram_messages (id) where sent_at is null and failed_at is null;
create index telegram_messages_sent on telegram_messages (chat_id, message_id) where message_id is not null;
create index telegram_messages_created_at on telegram_messages (created_at);

-- A user's Telegram link as every user object shows it (API.md, "Users and API keys").
create function user_telegram(member uuid) returns jsonb
  language sql stable parallel safe
  return coalesce(
    (select jsonb_build_object('linked', true, 'username', l.username, 'linked_at', api_time(l.linked_at))
     from telegram_links l where l.user_id = member),
    '{"linked": false, "username": null, "linked_at": null}'::jsonb);

-- A user as events show it: 0005's (with teams), now with the Telegram link.
create or replace function user_json(u users) returns jsonb
  language sql stable parallel safe
  return jsonb_build_object(
    'id', u.id, 'email', u.email, 'full_name', u.full_name, 'role', u.role, 'is_active', u.is_active,
    'api_key_last4', u.api_key_last4, 'teams', user_teams(u.id), 'telegram', user_telegram(u.id),
    'created_at', api_time(u.created_at), 'updated_at', api_time(u.updated_at));
