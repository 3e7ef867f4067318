-- One team by name, case-insensitively (make seed finds its demo teams again).
select t.id, t.is_active, team_json(t, (select count(*) from team_members m where m.team_id = t.id)) as doc
from teams t
where lower(t.name) = lower($1)
