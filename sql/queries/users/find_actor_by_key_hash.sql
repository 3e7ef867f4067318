-- Authentication: one indexed lookup of the key's SHA-256. Deactivated users do not match.
select id, full_name, role
from users
where api_key_hash = $1 and is_active
