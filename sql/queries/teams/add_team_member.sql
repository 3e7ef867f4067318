-- Adds a member once: a second call changes nothing and writes no audit row or event.
-- $3 actor, $4 request id, $5 ip, $6 user agent. A row back means it was added now.
with m as (
  insert into team_members (team_id, user_id) values ($1, $2)
  on conflict do nothing
  returning *
), d as (
  select m.team_id, m.user_id,
         team_json(t, (select count(*) from team_members x where x.team_id = t.id) + 1) as team,
         user_json(u) as member
  from m join teams t on t.id = m.team_id join users u on u.id = m.user_id
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $3, 'team.member_added', 'team', d.team_id, jsonb_build_object('members', jsonb_build_array(null, d.user_id)), $4, $5, $6
  from d
), e as (
  insert into events (type, actor_id, data)
  select 'team.member_added', $3, jsonb_build_object('team', d.team, 'user', d.member) from d
)
select team_id, user_id from d
