-- The statements that give DATABASE_URL's user its login. A role name or a password cannot
-- be a parameter of DDL, so PostgreSQL quotes them here (%I, %L) and the caller runs the text.
select format('create role %I login password %L in role serviceflow_app', $1::text, $2::text) as create_role,
       format('alter role %I login password %L', $1::text, $2::text) as alter_role,
       format('grant serviceflow_app to %I', $1::text) as grant_role
