-- The link token with SHA-256 $1, locked for the rest of the transaction (two /start with
-- one token: one links), with what /start needs to know of its user.
select t.user_id, t.expires_at, t.used_at, u.full_name, u.role, u.is_active
from telegram_link_tokens t
join users u on u.id = t.user_id
where t.token_hash = $1
for update of t
