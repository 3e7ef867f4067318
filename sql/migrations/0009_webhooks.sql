-- Webhooks (API.md, "Events and webhooks"): endpoints, one delivery per (event, endpoint)
-- fanned out from the event outbox, and every attempt made.
--
-- The fan-out reads `events` with the same (xid, seq) cursor as GET /events, kept in one
-- row here and moved in the statement that inserts the deliveries, so a later commit is
-- never skipped and no event is fanned out twice (the unique index makes it impossible
-- anyway). Attempts are claimed with FOR UPDATE SKIP LOCKED and a lease: a process that
-- dies mid-attempt loses its claims when the lease runs out (src/worker/webhooks.ts).

create table webhooks (
  id                          uuid primary key default gen_random_uuid(),
  seq                         bigint generated always as identity unique,
  url                         text not null,
  description                 text not null default '',
  -- Event types of the catalogue, or {'*'} for all of them.
  events                      text[] not null,
  -- TEAMS: a team's id; no foreign key until `teams` (migration 0005) is merged in.
  team_id                     uuid,
  is_active                   boolean not null default true,
  disabled_reason             text,
  -- The HMAC key has to be at hand to sign, so it is stored as it is (API.md shows it once).
  secret                      text not null,
  -- The secret before the last rotation: it signs too until previous_secret_expires_at.
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  consecutive_failures        integer not null default 0,
  created_at                  timestamptz not null default now(),
  updated_at                  timestamptz not null default now(),
  constraint webhooks_events_valid check (cardinality(events) >= 1 and events <@ array[
    '*',
    'request.created', 'request.updated', 'request.status_changed', 'request.assigned', 'request.team_changed',
    'comment.created', 'attachment.created', 'sla.warning', 'sla.breached',
    'user.created', 'user.updated', 'user.api_key_rotated',
    'team.created', 'team.updated', 'team.member_added', 'team.member_removed',
    'webhook.ping']::text[]),
  constraint webhooks_secret_format check (secret ~ '^whsec_[A-Za-z0-9+/]{43}=$')
);

-- One delivery of one event to one endpoint. Deleting an endpoint drops its deliveries;
-- the retention purge of an event (EVENT_RETENTION_DAYS) takes its deliveries with it.
create table webhook_deliveries (
  id                    uuid primary key default gen_random_uuid(),
  -- Keyset order of an endpoint's log (webhook_deliveries_webhook_seq); unique by its identity.
  seq                   bigint generated always as identity,
  webhook_id            uuid not null references webhooks (id) on delete cascade,
  event_id              uuid not null references events (id) on delete cascade,
  event_type            text not null,
  status                text not null default 'pending',
  attempts              integer not null default 0,
  next_attempt_at       timestamptz not null default now(),
  -- A claim: which process holds the delivery (a random id per process), until when, and
  -- the token its result must carry (a late result of an expired claim changes nothing).
  lease_owner           uuid,
  lease                 uuid,
  leased_until          timestamptz,
  last_attempt_at       timestamptz,
  last_response_status  integer,
  last_duration_ms      integer,
  last_error            text,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint webhook_deliveries_status_valid check (status in ('pending', 'succeeded', 'failed')),
  constraint webhook_deliveries_once unique (event_id, webhook_id)
)
-- Room on each page, so that a claim (it changes no indexed column) is a HOT update.
with (fillfactor = 70);
create index webhook_deliveries_webhook_seq on webhook_deliveries (webhook_id, seq);
create index webhook_deliveries_due on webhook_deliveries (webhook_id, next_attempt_at) where status = 'pending';

-- Every attempt, as it happened: appended, never rewritten (the server may not).
create table webhook_attempts (
  id                bigint generated always as identity primary key,
  delivery_id       uuid not null references webhook_deliveries (id) on delete cascade,
  at                timestamptz not null,
  response_status   integer,
  duration_ms       integer not null,
  error             text,
  response_excerpt  text
);
create index webhook_attempts_delivery on webhook_attempts (delivery_id, id);
revoke update, delete, truncate on webhook_attempts from serviceflow_app;

-- The fan-out's place in the outbox: one row, locked by the instance fanning out. It starts
-- after the events already there, which no endpoint (there is none yet) could receive.
create table webhook_fanout_cursor (
  id          boolean primary key default true,
  xid         xid8 not null,
  seq         bigint not null,
  updated_at  timestamptz not null default now(),
  constraint webhook_fanout_cursor_one_row check (id)
);
insert into webhook_fanout_cursor (xid, seq)
select coalesce(max(xid), '0'::xid8), coalesce(max(seq), 0) from events;

-- TEAMS: the one place where an endpoint's team_id limits what it receives. An endpoint
-- without a team gets every event of its types; one with a team gets only the events of
-- that team's requests (API.md: "team_id set: that team's requests only") and that team's
-- own team.* events. It reads the team from the payload, as the request JSON carries it
-- once teams land ("team": {"id", "name"} | null), so it needs no join. At the merge with
-- teams: add the foreign key webhooks.team_id → teams (id), and decide whether a
-- request.team_changed event also goes to the team the request left (its changes.team).
create function webhook_team_sees(team_id uuid, event_type text, data jsonb) returns boolean
  language sql immutable parallel safe
  return team_id is null
    or data -> 'request' -> 'team' ->> 'id' = team_id::text
    or (event_type like 'team.%' and data -> 'team' ->> 'id' = team_id::text);

-- Does this endpoint receive this event? Its types (or '*'), its team, and a ping only to
-- the endpoint that was pinged. Internal comments go to every endpoint: they are all an
-- admin's (comment.internal is in the payload).
create function webhook_receives(w webhooks, event_type text, data jsonb) returns boolean
  language sql immutable parallel safe
  return case
    when event_type = 'webhook.ping' then data ->> 'webhook_id' = w.id::text
    else (w.events @> array['*'] or event_type = any (w.events))
      and webhook_team_sees(w.team_id, event_type, data)
  end;
