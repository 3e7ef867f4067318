-- The event outbox: one row per change, written in the change's own statement or
-- transaction (API.md, "Events and webhooks"), read by GET /events and, next, by the
-- webhook worker, the Telegram notifier and the live stream.
--
-- Why `xid`: a sequence number is taken when a row is inserted, not when it commits, so
-- a reader walking `seq` can pass a row that commits later with a smaller number and
-- never see it. Readers walk (xid, seq) instead, and only below the oldest transaction
-- still running (pg_snapshot_xmin): every transaction there has ended, and every one
-- that may still commit sorts after the cursor (docs/architecture.md, "The event cursor").

-- The closed catalogue of API.md; src/events.ts holds the same list (test/events.test.ts).
create table events (
  id          uuid primary key default gen_random_uuid(),
  seq         bigint generated always as identity unique,
  xid         xid8 not null default pg_current_xact_id(),
  type        text not null,
  actor_id    uuid references users (id),
  request_id  uuid references requests (id),
  data        jsonb not null,
  created_at  timestamptz not null default now(),
  constraint events_type_valid check (type in (
    'request.created', 'request.updated', 'request.status_changed', 'request.assigned', 'request.team_changed',
    'comment.created', 'attachment.created', 'sla.warning', 'sla.breached',
    'user.created', 'user.updated', 'user.api_key_rotated',
    'team.created', 'team.updated', 'team.member_added', 'team.member_removed',
    'webhook.ping'))
);
create index events_xid_seq on events (xid, seq);
create index events_created_at on events (created_at);
create index events_request_id on events (request_id) where request_id is not null;

-- Events are facts: rewritten by nobody (deleted only by age, the retention purge).
create function events__immutable() returns trigger language plpgsql as $$
begin
  raise exception 'events are immutable: % is not allowed', tg_op
    using errcode = 'insufficient_privilege', constraint = 'events_immutable', table = 'events';
end;
$$;
create trigger _100_immutable before update on events
  for each row execute function events__immutable();

-- A user as events show it (API.md, "Users and API keys"): never key material.
create function user_json(u users) returns jsonb
  language sql stable parallel safe
  return jsonb_build_object(
    'id', u.id, 'email', u.email, 'full_name', u.full_name, 'role', u.role, 'is_active', u.is_active,
    'api_key_last4', u.api_key_last4, 'created_at', api_time(u.created_at), 'updated_at', api_time(u.updated_at));

-- A comment as the API shows it.
create function comment_json(c comments, author_name text) returns jsonb
  language sql stable parallel safe
  return jsonb_build_object(
    'id', c.id, 'request_id', c.request_id, 'author', jsonb_build_object('id', c.author_id, 'full_name', author_name),
    'body', c.body, 'internal', c.internal, 'created_at', api_time(c.created_at));

-- The request with this id as an ADMIN sees it, for an event's `request`.
create function request_event_json(request_id uuid) returns jsonb
  language sql stable parallel safe
  return (select doc::jsonb from request_details where id = request_id);
