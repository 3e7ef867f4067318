-- Removes a member (the trigger team_members__keep_open_work refuses while they hold open
-- work of this team). $3 actor, $4 request id, $5 ip, $6 user agent.
with m as (
  delete from team_members where team_id = $1 and user_id = $2
  returning *
), d as (
  select m.team_id, m.user_id,
         team_json(t, (select count(*) from team_members x where x.team_id = t.id) - 1) as team,
         user_json(u) as member
  from m join teams t on t.id = m.team_id join users u on u.id = m.user_id
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $3, 'team.member_removed', 'team', d.team_id, jsonb_build_object('members', jsonb_build_array(d.user_id, null)), $4, $5, $6
  from d
), e as (
  insert into events (type, actor_id, data)
  select 'team.member_removed', $3, jsonb_build_object('team', d.team, 'user', d.member) from d
)
select team_id, user_id from d
