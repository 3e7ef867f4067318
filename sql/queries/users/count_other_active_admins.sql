select count(*)::int as n
from users
where role = 'ADMIN' and is_active and id <> $1
