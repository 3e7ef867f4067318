-- A one-time link token of user $1: only its SHA-256 ($2) is kept; made at $3, valid until $4
-- (times from the service's clock).
insert into telegram_link_tokens (user_id, token_hash, created_at, expires_at)
values ($1, $2, $3, $4)
