-- Newest first, keyset on seq. $3 is a LIKE pattern the caller has escaped.
select seq::text, id, email, full_name, role, is_active, api_key_last4, created_at, updated_at, user_teams(id) as teams
from users
where ($1::text is null or role = $1)
  and ($2::boolean is null or is_active = $2)
  and ($3::text is null or email ilike $3 or full_name ilike $3)
  and ($4::bigint is null or seq < $4)
order by users.seq desc  -- the column: "seq" alone would be the text of the select list
limit $5
