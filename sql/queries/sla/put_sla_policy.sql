-- Puts a new version of the SLA policy in force, audited in the same statement (and no
-- event: API.md, "Events and webhooks"). A policy equal to the one in force changes
-- nothing: no version, no audit row. $1 the policy (validated and normalised by
-- src/sla/schemas.ts), $2 actor, $3 request id, $4 ip, $5 user agent.
-- (Two admins putting at the same instant both succeed, in version order; each audit row's
-- "old" is the version that statement saw.)
with current as (
  select version, policy from sla_policies order by version desc limit 1
), p as (
  insert into sla_policies (policy)
  select $1::jsonb from current where current.policy <> $1::jsonb
  returning id, version, policy
), a as (
  insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
  select $2, 'sla_policy.updated', 'sla_policy', p.id,
         (select jsonb_object_agg(k, jsonb_build_array(current.policy->k, p.policy->k))
          from jsonb_object_keys(p.policy) as k
          where current.policy->k is distinct from p.policy->k),
         $3, $4, $5
  from p cross join current
)
select version, policy from p
union all
select version, policy from current where not exists (select from p)
