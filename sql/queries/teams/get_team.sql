-- One team, as the API shows it.
select t.id, t.is_active, team_json(t, (select count(*) from team_members m where m.team_id = t.id)) as doc
from teams t
where t.id = $1
