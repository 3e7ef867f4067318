-- The policy in force: the newest version (sql/migrations/0008_sla.sql).
select version, policy from sla_policies order by version desc limit 1
