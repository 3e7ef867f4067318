select code, description
from roles
order by case code when 'ADMIN' then 1 when 'AGENT' then 2 when 'EMPLOYEE' then 3 else 4 end, code
