-- get_request_by_public_id.sql for a pool without named prepared statements: the same
-- statement, in a function whose plan the backend keeps (sql/migrations/0014_kept_plans.sql).
select * from request_by_public_id($1)
