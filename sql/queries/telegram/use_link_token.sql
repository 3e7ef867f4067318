-- Spends the link token with SHA-256 $1 at $2: it never links again.
update telegram_link_tokens set used_at = $2 where token_hash = $1 and used_at is null
