-- Whether the connected role could switch the audit log's protection off: a superuser, or a
-- member of the role that owns audit_logs (it may disable or drop the append-only trigger).
select current_user as role,
       (select rolsuper from pg_roles where rolname = current_user)
         or pg_has_role(current_user, c.relowner, 'MEMBER') as can_bypass
from pg_class c
where c.oid = 'audit_logs'::regclass
