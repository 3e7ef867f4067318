-- Plans a backend keeps for a pool that sends every statement unnamed (DB_PREPARE=false,
-- behind PgBouncer in transaction mode; README, "Scaling out"). An unnamed statement is
-- planned on every call, and planning the request's JSON (request_details, request_json)
-- costs far more than running it: one request by public_id, on PostgreSQL 15 with 20 000
-- rows, 0.46-0.55 ms of planning against 0.07 ms of execution (docs/benchmarks.md,
-- "2026-12-01, third session"). PL/pgSQL keeps a function's statement plans for the life
-- of the backend, whichever client's transaction runs on it, so through a transaction
-- pooler these plans survive from one call to the next where a prepared statement cannot.
--
-- The pool sends these through the `.unnamed.sql` twins of the statements in
-- sql/queries/requests (src/db/index.ts, `query`); with named prepared statements (the
-- default) the statements are sent as they are, which is cheaper still than a function.
-- Each function's statement is the one of the file it stands for; test/kept-plans.test.ts
-- runs both ways and compares what they answer and write.

-- The columns the rules need, and the request's JSON: get_request.sql's select list.
create type request_row as (
  id uuid, public_id text, title text, description text, priority text, status text,
  created_by uuid, assignee_id uuid, team_id uuid, version integer, doc text
);

create function request_by_id(p_id uuid) returns setof request_row
language plpgsql stable as $$
begin
  return query
    select d.id, d.public_id, d.title, d.description, d.priority, d.status, d.created_by, d.assignee_id, d.team_id, d.version, d.doc
    from request_details d
    where d.id = p_id;
end
$$;

create function request_by_public_id(p_public_id text) returns setof request_row
language plpgsql stable as $$
begin
  return query
    select d.id, d.public_id, d.title, d.description, d.priority, d.status, d.created_by, d.assignee_id, d.team_id, d.version, d.doc
    from request_details d
    where d.public_id = p_public_id;
end
$$;

-- sql/queries/requests/insert_request.sql as a function: files a request, audits it and
-- records its event, in one statement.
create function file_request(p_title text, p_description text, p_priority text, p_created_by uuid,
                             p_request_id text, p_ip text, p_user_agent text, p_team_id uuid)
returns setof request_row
language plpgsql volatile as $$
begin
  return query
    with r as (
      insert into requests (title, description, priority, created_by, team_id)
      values (p_title, p_description, p_priority, p_created_by, p_team_id)
      returning *
    ), ch as (
      select r.id, jsonb_build_object(
               'title', jsonb_build_array(null, r.title),
               'description', jsonb_build_array(null, r.description),
               'priority', jsonb_build_array(null, r.priority),
               'status', jsonb_build_array(null, r.status))
             || case when r.team_id is null then '{}'::jsonb else jsonb_build_object('team_id', jsonb_build_array(null, r.team_id)) end as changes,
             request_json(r, u.full_name, null, t.name) as doc
      from r join users u on u.id = r.created_by left join teams t on t.id = r.team_id
    ), a as (
      insert into audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip, user_agent)
      select p_created_by, 'request.created', 'request', ch.id, ch.changes, p_request_id, p_ip, p_user_agent
      from ch
    ), e as (
      insert into events (type, actor_id, request_id, data)
      select 'request.created', p_created_by, ch.id, jsonb_build_object('request', ch.doc::jsonb, 'changes', ch.changes)
      from ch
    )
    select r.id, r.public_id, r.title, r.description, r.priority, r.status, r.created_by, r.assignee_id, r.team_id,
           r.version, ch.doc
    from r join ch on ch.id = r.id;
end
$$;
