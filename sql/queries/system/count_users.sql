select count(*)::int as n from users
