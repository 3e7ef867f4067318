-- A request's JSON is built where the row is read, so the API server passes it through
-- as text instead of parsing every column into objects and serialising them again: on a
-- page of 50 that was most of the server's work (docs/benchmarks.md). One definition
-- here serves every statement that returns a request, so the representation cannot drift.

-- Every timestamp the API shows: UTC, milliseconds, "Z" (as JavaScript's toISOString,
-- which the rest of the API uses; both truncate to the millisecond).
create function api_time(t timestamptz) returns text
  language sql stable parallel safe
  return to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

-- A request as the API shows it, but for allowed_transitions, which depend on the caller
-- and are added by src/http/requests.ts. A plain SQL expression, so the planner inlines
-- it. Free text goes through to_json (escaping); ids, priority and status are safe by
-- their types and CHECK constraints.
create function request_json(r requests, created_by_name text, assignee_name text) returns text
  language sql stable parallel safe
  return '{"id":"' || r.id || '","public_id":"' || r.public_id
    || '","title":' || to_json(r.title) || ',"description":' || to_json(r.description)
    || ',"priority":"' || r.priority || '","status":"' || r.status
    || '","created_by":{"id":"' || r.created_by || '","full_name":' || to_json(created_by_name)
    || '},"assignee":' || coalesce('{"id":"' || r.assignee_id || '","full_name":' || to_json(assignee_name) || '}', 'null')
    || ',"created_at":"' || api_time(r.created_at) || '","updated_at":"' || api_time(r.updated_at)
    || '","resolved_at":' || coalesce('"' || api_time(r.resolved_at) || '"', 'null') || '}';

-- The same view with the JSON as its last column (computed only when a query selects it).
create or replace view request_details as
select r.id, r.number, r.public_id, r.title, r.description, r.priority, r.status,
       r.created_by, cu.full_name as created_by_name,
       r.assignee_id, au.full_name as assignee_name,
       r.version, r.created_at, r.updated_at, r.resolved_at, r.search,
       request_json(r, cu.full_name, au.full_name) as doc
from requests r
join users cu on cu.id = r.created_by
left join users au on au.id = r.assignee_id;
