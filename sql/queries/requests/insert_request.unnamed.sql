-- insert_request.sql for a pool without named prepared statements: the same statement, in
-- a function whose plan the backend keeps (sql/migrations/0014_kept_plans.sql).
-- $1 title, $2 description, $3 priority, $4 creator, $5 request id, $6 ip, $7 user agent, $8 team.
select * from file_request($1, $2, $3, $4, $5, $6, $7, $8)
