-- Attachments: files on requests, stored in PostgreSQL with the request, so the embedded
-- default and every backup keep them with nothing else to run (API.md, "Attachments").
--
-- A file is one `attachments` row and its bytes in `attachment_chunks`, pieces of exactly
-- `chunk_size` bytes (the last one shorter), numbered from 0. Why chunks and not one bytea
-- (docs/architecture.md, "Attachments"): an upload is written piece by piece as it
-- arrives, inside one transaction, and a download or a Range reads only the pieces it
-- sends, so the server holds one piece per transfer, never the whole file.
--
-- The upload writes its chunks first and the attachments row last (with its size and
-- sha256, known only then, its audit row and its event, in one statement), so the foreign
-- key from the chunks is checked at commit, and a constraint trigger checks at commit that
-- the chunks are exactly the file the row describes.

create table attachments (
  id           uuid primary key default gen_random_uuid(),  -- given by the server: the chunks come first
  seq          bigint generated always as identity unique,  -- keyset order, never shown
  request_id   uuid not null references requests (id),
  uploaded_by  uuid not null references users (id),
  filename     text not null,
  content_type text not null,
  size         integer not null,
  sha256       text not null,
  internal     boolean not null default false,
  chunk_size   integer not null,
  created_at   timestamptz not null default now(),
  -- No path separators, no control characters (C0, DEL, C1) and no bidirectional
  -- overrides (which make "gpj.exe" read as "exe.jpg"); "." and ".." name directories.
  constraint attachments_filename_valid check (
    char_length(filename) between 1 and 255
    and filename !~ '[\x01-\x1f\x7f-\x9f/\\\u202a-\u202e\u2066-\u2069]'
    and filename not in ('.', '..')),
  constraint attachments_content_type_valid check (
    char_length(content_type) <= 255 and content_type ~ '^[a-z0-9!#$%&''*+.^_`|~-]+/[a-z0-9!#$%&''*+.^_`|~-]+($|;)'),
  constraint attachments_size_positive check (size > 0),
  constraint attachments_sha256_hex check (sha256 ~ '^[0-9a-f]{64}$'),
  constraint attachments_chunk_size_positive check (chunk_size > 0)
);
-- A request's list, newest first, and its count (request_attachments_count below).
create index attachments_request_seq on attachments (request_id, seq desc);

create table attachment_chunks (
  attachment_id uuid not null references attachments (id) on delete cascade deferrable initially deferred,
  n             integer not null,
  data          bytea not null,
  primary key (attachment_id, n),
  constraint attachment_chunks_n_nonnegative check (n >= 0),
  constraint attachment_chunks_data_nonempty check (octet_length(data) > 0)
);
-- Out of line and uncompressed: most uploads (images, PDFs, archives) are compressed
-- already, and a Range read of an uncompressed value fetches only the slices it needs.
alter table attachment_chunks alter column data set storage external;

-- A file is a fact: its bytes and its sha256 (the download's ETag) never change.
create function attachments__immutable() returns trigger language plpgsql as $$
begin
  raise exception '% rows are immutable: UPDATE is not allowed', tg_table_name
    using errcode = 'insufficient_privilege', constraint = 'attachments_immutable', table = tg_table_name;
end;
$$;
create trigger _100_immutable before update on attachments
  for each row execute function attachments__immutable();
create trigger _100_immutable before update on attachment_chunks
  for each row execute function attachments__immutable();
revoke update on attachments, attachment_chunks from serviceflow_app;

-- At commit: the chunks are 0..last with every chunk but the last exactly chunk_size
-- bytes, and they add up to size. No writer can leave a torn file behind.
create function attachments__complete() returns trigger language plpgsql as $$
declare
  last_n integer := (new.size - 1) / new.chunk_size;
  got record;
begin
  select count(*) as chunks, coalesce(sum(octet_length(data)), 0) as bytes, coalesce(max(n), -1) as last,
         count(*) filter (where n < last_n and octet_length(data) <> new.chunk_size) as uneven
    into got
    from attachment_chunks where attachment_id = new.id;
  if got.bytes <> new.size or got.last <> last_n or got.chunks <> last_n + 1 or got.uneven > 0 then
    raise exception 'attachment %: its chunks (% of them, % bytes) do not make the % bytes it describes',
        new.id, got.chunks, got.bytes, new.size
      using errcode = 'check_violation', constraint = 'attachments_chunks_complete', table = 'attachments';
  end if;
  return null;
end;
$$;
create constraint trigger _200_complete after insert on attachments
  deferrable initially deferred
  for each row execute function attachments__complete();

-- An attachment as the API shows it (the event's `attachment`).
create function attachment_json(a attachments, uploader_name text) returns jsonb
  language sql stable parallel safe
  return jsonb_build_object(
    'id', a.id, 'request_id', a.request_id, 'filename', a.filename, 'content_type', a.content_type,
    'size', a.size, 'sha256', a.sha256, 'internal', a.internal,
    'uploaded_by', jsonb_build_object('id', a.uploaded_by, 'full_name', uploader_name),
    'created_at', api_time(a.created_at));

-- attachments_count on every request (API.md: a request's files count in it, internal
-- ones included). The lists build each row's JSON in request_details, where the count is
-- a correlated subquery the plan runs per row as an index probe (a page of 50 costs about
-- 0.1 ms more); a function that counted, called per row, cost five times that (measured
-- with 20 000 requests), as a function holding a subquery is not inlined.

-- The count for the one row a statement writes (insert_request.sql, update_request.sql).
create function request_attachments_count(uuid) returns integer
  language sql stable parallel safe
  return (select count(*)::integer from attachments where request_id = $1);

-- request_json of 0005_teams.sql with one more member, "attachments_count", after
-- "assignee" (the order of API.md), given by the caller.
create function request_json(r requests, created_by_name text, assignee_name text, team_name text, attachments_count integer) returns text
  language sql stable parallel safe
  return '{"id":"' || r.id || '","public_id":"' || r.public_id
    || '","title":' || to_json(r.title) || ',"description":' || to_json(r.description)
    || ',"priority":"' || r.priority || '","status":"' || r.status
    || '","team":' || coalesce('{"id":"' || r.team_id || '","name":' || to_json(team_name) || '}', 'null')
    || ',"created_by":{"id":"' || r.created_by || '","full_name":' || to_json(created_by_name)
    || '},"assignee":' || coalesce('{"id":"' || r.assignee_id || '","full_name":' || to_json(assignee_name) || '}', 'null')
    || ',"attachments_count":' || attachments_count::text
    || ',"created_at":"' || api_time(r.created_at) || '","updated_at":"' || api_time(r.updated_at)
    || '","resolved_at":' || coalesce('"' || api_time(r.resolved_at) || '"', 'null') || '}';

-- The four-argument request_json of 0005_teams.sql, which insert_request.sql and
-- update_request.sql call for the row they wrote: the same JSON, counting its files itself.
create or replace function request_json(r requests, created_by_name text, assignee_name text, team_name text) returns text
  language sql stable parallel safe
  return request_json(r, created_by_name, assignee_name, team_name, request_attachments_count(r.id));

-- The view of 0005_teams.sql, column for column; only `doc` changes, now with the count.
create or replace view request_details as
select r.id, r.number, r.public_id, r.title, r.description, r.priority, r.status,
       r.created_by, cu.full_name as created_by_name,
       r.assignee_id, au.full_name as assignee_name,
       r.version, r.created_at, r.updated_at, r.resolved_at, r.search,
       request_json(r, cu.full_name, au.full_name, t.name,
                    (select count(*)::integer from attachments a where a.request_id = r.id)) as doc,
       r.team_id
from requests r
join users cu on cu.id = r.created_by
left join users au on au.id = r.assignee_id
left join teams t on t.id = r.team_id;
