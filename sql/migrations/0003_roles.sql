-- Two database roles, so that the application cannot bypass the audit log.
--
--   serviceflow_owner  owns every table, view, sequence and function (NOLOGIN). Migrations
--                      after this one run as it (src/migrate.ts sets the role to the owner
--                      of schema_migrations), so what they create belongs to it too.
--   serviceflow_app    what the server's login is a member of (README, "Database roles"):
--                      reads and writes rows, but may only read and append to audit_logs.
--                      It owns nothing, so it cannot ALTER TABLE … DISABLE TRIGGER, drop the
--                      append-only trigger, or TRUNCATE.
--
-- Roles belong to the whole cluster (every database on the server shares them), so they
-- are created only if missing; privileges belong to this database and are granted below.
-- Creating roles needs CREATEROLE; without it, a DBA creates both roles beforehand
-- (NOLOGIN) and grants serviceflow_owner to the role that runs migrations.

do $$
begin
  if not exists (select from pg_roles where rolname = 'serviceflow_owner') then
    begin
      create role serviceflow_owner nologin;
    exception when duplicate_object or unique_violation then
      null; -- another database's migration created it at the same moment
    end;
  end if;
  if not exists (select from pg_roles where rolname = 'serviceflow_app') then
    begin
      create role serviceflow_app nologin;
    exception when duplicate_object or unique_violation then
      null;
    end;
  end if;
  -- The migrator hands the schema to the owner here and runs later migrations as it.
  if not pg_has_role(current_user, 'serviceflow_owner', 'member') then
    execute format('grant serviceflow_owner to %I', current_user);
  end if;
end
$$;

-- Only the owner creates objects in the schema (PostgreSQL 14 and older let everyone).
revoke create on schema public from public;
grant usage, create on schema public to serviceflow_owner;
grant usage on schema public to serviceflow_app;

-- Tables own their identity sequences, which follow them.
alter table roles owner to serviceflow_owner;
alter table users owner to serviceflow_owner;
alter table requests owner to serviceflow_owner;
alter table comments owner to serviceflow_owner;
alter table audit_logs owner to serviceflow_owner;
alter table idempotency_keys owner to serviceflow_owner;
alter table schema_migrations owner to serviceflow_owner;
alter sequence requests_number_seq owner to serviceflow_owner;
alter view request_details owner to serviceflow_owner;
alter function users__touch() owner to serviceflow_owner;
alter function requests__guard() owner to serviceflow_owner;
alter function audit_logs__append_only() owner to serviceflow_owner;
alter function api_time(timestamptz) owner to serviceflow_owner;
alter function request_json(requests, text, text) owner to serviceflow_owner;

-- What the server needs, and no more: the audit log is read and appended to, never
-- changed; the migrations table is only read (the server checks nothing is pending).
grant select, insert, update, delete on roles, users, requests, comments, idempotency_keys to serviceflow_app;
grant select, insert on audit_logs to serviceflow_app;
grant select on request_details, schema_migrations to serviceflow_app;
grant usage on all sequences in schema public to serviceflow_app;
grant execute on all functions in schema public to serviceflow_app;

-- What later migrations create (as serviceflow_owner) is granted the same way.
-- A later migration that creates an append-only table, as audit_logs is, must take back
-- what these defaults give:  revoke update, delete on <table> from serviceflow_app;
-- A later migration that needs more than the owner may do (create extension, roles)
-- starts with `reset role;`.
alter default privileges for role serviceflow_owner in schema public
  grant select, insert, update, delete on tables to serviceflow_app;
alter default privileges for role serviceflow_owner in schema public
  grant usage on sequences to serviceflow_app;
alter default privileges for role serviceflow_owner in schema public
  grant execute on functions to serviceflow_app;
