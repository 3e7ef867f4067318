-- Schema v1 of ServiceFlow. Forward-only: never edit once merged; add 0002_… instead.
-- Trigger names sort by their number prefix; functions are named table__purpose().

-- Roles are reference data: the API lists them, users point at them.
create table roles (
  code        text primary key,
  description text not null
);

insert into roles (code, description) values
  ('ADMIN',    'Manages users and roles and may make any allowed change to any request.'),
  ('AGENT',    'Sees every request, takes requests from the queue and works them to DONE or CANCELED.'),
  ('EMPLOYEE', 'Files requests and sees only the requests they created.');

-- A shared touch function keeps updated_at honest whoever writes the row.
create function users__touch() returns trigger language plpgsql as $$
begin
  new.id := old.id;
  new.seq := old.seq;
  new.created_at := old.created_at;
  new.updated_at := case
    when (new.email, new.full_name, new.role, new.is_active, new.api_key_hash)
         is distinct from (old.email, old.full_name, old.role, old.is_active, old.api_key_hash)
    then now() else old.updated_at end;
  return new;
end;
$$;

create table users (
  id            uuid primary key default gen_random_uuid(),
  seq           bigint generated always as identity unique,  -- keyset order, never shown
  email         text not null,
  full_name     text not null,
  role          text not null default 'EMPLOYEE' references roles (code),
  is_active     boolean not null default true,
  api_key_hash  bytea not null,     -- sha256 of the raw key; the key itself is never stored
  api_key_last4 text not null,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  constraint users_email_lowercase check (email = lower(email)),
  constraint users_email_length check (char_length(email) between 3 and 254),
  constraint users_full_name_length check (char_length(full_name) between 1 and 200),
  constraint users_api_key_hash_length check (octet_length(api_key_hash) = 32),
  constraint users_api_key_last4_length check (char_length(api_key_last4) = 4)
);
-- Emails are stored lower-cased, so a plain unique index is case-insensitive uniqueness.
create unique index users_email_key on users (email);
create unique index users_api_key_hash_key on users (api_key_hash);
create index users_role_seq on users (role, seq desc);

create trigger _100_touch before update on users
  for each row execute function users__touch();

-- Requests ("tickets").
create sequence requests_number_seq;

create table requests (
  id          uuid primary key default gen_random_uuid(),
  number      bigint not null default nextval('requests_number_seq') unique,
  public_id   text generated always as ('REQ-' || number::text) stored unique,
  title       text not null,
  description text not null default '',
  priority    text not null default 'NORMAL',
  status      text not null default 'NEW',
  created_by  uuid not null references users (id),
  assignee_id uuid references users (id),
  version     integer not null default 1,  -- the ETag; bumped by the trigger on every change
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  resolved_at timestamptz,
  search      tsvector generated always as (to_tsvector('english', title || ' ' || description)) stored,
  constraint requests_title_length check (char_length(title) between 1 and 200),
  constraint requests_description_length check (char_length(description) <= 10000),
  constraint requests_priority_valid check (priority in ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
  constraint requests_status_valid check (status in ('NEW', 'IN_PROGRESS', 'DONE', 'CANCELED')),
  constraint requests_in_progress_requires_assignee check (status <> 'IN_PROGRESS' or assignee_id is not null),
  constraint requests_resolved_at_terminal check ((resolved_at is not null) = (status in ('DONE', 'CANCELED')))
);
-- Keyset lists walk "number desc"; each filter has an index that keeps that order.
create index requests_status_number on requests (status, number desc);
create index requests_assignee_number on requests (assignee_id, number desc);
create index requests_created_by_number on requests (created_by, number desc);
create index requests_priority_number on requests (priority, number desc);
create index requests_queue_number on requests (number desc) where status = 'NEW' and assignee_id is null;
create index requests_created_at on requests (created_at);
create index requests_search on requests using gin (search);

-- The status machine, enforced for every writer (the API, psql, anything):
--   NEW -> IN_PROGRESS | CANCELED;  IN_PROGRESS -> DONE | CANCELED;  DONE, CANCELED terminal.
-- It also keeps the bookkeeping columns right, so no writer can forge them.
create function requests__guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    if new.status <> 'NEW' then
      raise exception 'a request starts in status NEW, not %', new.status
        using errcode = 'check_violation', constraint = 'requests_status_transition', table = 'requests';
    end if;
    new.version := 1;
    new.created_at := now();
    new.updated_at := new.created_at;
    new.resolved_at := null;
    return new;
  end if;

  if old.status in ('DONE', 'CANCELED') then
    raise exception 'request % is % and cannot change', old.public_id, old.status
      using errcode = 'check_violation', constraint = 'requests_status_terminal', table = 'requests';
  end if;
  if new.status is distinct from old.status and not (
       (old.status = 'NEW' and new.status in ('IN_PROGRESS', 'CANCELED'))
    or (old.status = 'IN_PROGRESS' and new.status in ('DONE', 'CANCELED'))
  ) then
    raise exception 'status cannot move from % to %', old.status, new.status
      using errcode = 'check_violation', constraint = 'requests_status_transition', table = 'requests';
  end if;

  new.id := old.id;
  new.number := old.number;
  new.created_by := old.created_by;
  new.created_at := old.created_at;
  new.version := old.version;
  new.updated_at := old.updated_at;
  new.resolved_at := old.resolved_at;
  if (new.title, new.description, new.priority, new.status, new.assignee_id)
     is distinct from (old.title, old.description, old.priority, old.status, old.assignee_id) then
    new.version := old.version + 1;
    new.updated_at := now();
    new.resolved_at := case when new.status in ('DONE', 'CANCELED') then now() end;
  end if;
  return new;
end;
$$;

create trigger _100_guard before insert or update on requests
  for each row execute function requests__guard();

-- A request as the API shows it: with the names of its creator and assignee.
create view request_details as
select r.id, r.number, r.public_id, r.title, r.description, r.priority, r.status,
       r.created_by, cu.full_name as created_by_name,
       r.assignee_id, au.full_name as assignee_name,
       r.version, r.created_at, r.updated_at, r.resolved_at, r.search
from requests r
join users cu on cu.id = r.created_by
left join users au on au.id = r.assignee_id;

create table comments (
  id         uuid primary key default gen_random_uuid(),
  seq        bigint generated always as identity unique,
  request_id uuid not null references requests (id),
  author_id  uuid not null references users (id),
  body       text not null,
  internal   boolean not null default false,
  created_at timestamptz not null default now(),
  constraint comments_body_length check (char_length(body) between 1 and 10000)
);
create index comments_request_seq on comments (request_id, seq desc);

-- The audit log: one row per change, written in the change's transaction.
create table audit_logs (
  id          uuid primary key default gen_random_uuid(),
  seq         bigint generated always as identity unique,
  actor_id    uuid references users (id),
  action      text not null,
  entity_type text not null,
  entity_id   uuid not null,
  changes     jsonb not null default '{}',
  request_id  text,
  ip          text,
  user_agent  text,
  created_at  timestamptz not null default now()
);
create index audit_logs_entity_seq on audit_logs (entity_type, entity_id, seq);
create index audit_logs_actor_seq on audit_logs (actor_id, seq desc);
create index audit_logs_action_seq on audit_logs (action, seq desc);
create index audit_logs_created_at on audit_logs (created_at);

create function audit_logs__append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_logs is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege', constraint = 'audit_logs_append_only', table = 'audit_logs';
end;
$$;

create trigger _100_append_only before update or delete on audit_logs
  for each row execute function audit_logs__append_only();
create trigger _101_no_truncate before truncate on audit_logs
  for each statement execute function audit_logs__append_only();

-- Idempotency-Key records: the first response of a POST, replayed for 24 hours.
create table idempotency_keys (
  user_id      uuid not null references users (id),
  method       text not null,
  route        text not null,
  key          text not null,
  request_hash text not null,
  status       integer not null,
  headers      jsonb not null default '{}',
  body         jsonb,
  created_at   timestamptz not null default now(),
  primary key (user_id, method, route, key)
);
create index idempotency_keys_created_at on idempotency_keys (created_at);
