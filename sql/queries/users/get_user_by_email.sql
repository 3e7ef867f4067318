select id, email, full_name, role, is_active, api_key_last4, created_at, updated_at, user_teams(id) as teams, user_telegram(id) as telegram
from users
where email = $1
