-- Authentication: one indexed lookup of the key's SHA-256, with the teams the user is in
-- (the policy needs them on every call). Deactivated users do not match.
select id, full_name, role, array(select m.team_id::text from team_members m where m.user_id = users.id order by 1) as teams
from users
where api_key_hash = $1 and is_active
