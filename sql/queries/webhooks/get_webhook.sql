-- One endpoint as the API shows it (never its secret).
select seq::text, id, url, description, events, team_id, is_active, disabled_reason,
       right(secret, 4) as secret_last4, created_at, updated_at
from webhooks
where id = $1
