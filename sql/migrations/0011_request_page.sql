-- The page of a list planned per call (sql/queries/requests/list_requests.sql and
-- list_recent_by_creator.sql): those statements choose the numbers of a page from
-- `requests` alone, which is cheap to plan, and hand them here, where the request's JSON
-- is built by a statement whose plan PL/pgSQL caches for the session. Planned whole per
-- call, a list paid about a millisecond of planning for the view's joins and the JSON
-- expression on every call, more than executing it (docs/benchmarks.md, 2026-12-01).
-- The rows come back in the order of `numbers`.
create function request_page(numbers bigint[])
returns table (seq text, status text, created_by uuid, assignee_id uuid, team_id uuid, doc text)
language plpgsql stable as $$
#variable_conflict use_column
begin
  return query
    select d.number::text, d.status, d.created_by, d.assignee_id, d.team_id, d.doc
    from unnest(numbers) with ordinality as u(n, at)
    join request_details d on d.number = u.n
    order by u.at;
end
$$;
