-- The role DATABASE_URL names, and whether it is a plain member of serviceflow_app
-- (0003_roles.sql) or something more that could bypass the audit log.
select rolsuper as superuser,
       pg_has_role(oid, 'serviceflow_owner', 'MEMBER') as owner,
       pg_has_role(oid, 'serviceflow_app', 'MEMBER') as member
from pg_roles
where rolname = $1
