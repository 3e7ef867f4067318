-- Each request's first response, as GET /reports/summary counts it (sql/queries/reports/
-- summary.sql, `first_response`): the first public comment or status change by someone
-- other than the creator (API.md, "SLA"), every status change included (CANCELED too) and
-- comments on closed requests, unlike the SLA clock's requests.first_response_at. Found
-- at every call, it took about a third of the summary's time: 9 000 answered requests of
-- 200 000 cost ~45 ms of ~125 ms a call, most of it looking up each request by its key
-- (PostgreSQL 15 here; docs/benchmarks.md, "sixth session").
--
-- Kept instead by triggers on the rows a response is made of (comments, and the audit
-- log's request.status_changed rows), so it is right whoever writes them. ENABLE ALWAYS:
-- rows written with session_replication_role = replica (fixtures with known times, a
-- logical replica) count too. A row arriving out of order moves the response earlier,
-- never later. The request's created_at is kept with it (it never changes), so a report
-- over every request reads this table alone.
create table request_first_responses (
  request_id          uuid primary key references requests (id) on delete cascade,
  request_created_at  timestamptz not null,
  at                  timestamptz not null
);
create index request_first_responses_created on request_first_responses (request_created_at) include (at, request_id);

create function request_first_responses__note(req uuid, actor uuid, answered_at timestamptz) returns void
  language sql
  begin atomic
    insert into request_first_responses (request_id, request_created_at, at)
    select r.id, r.created_at, answered_at
    from requests r
    where r.id = req and actor is distinct from r.created_by
      -- Answered already (most later comments and moves): nothing to write. Without this
      -- the conflict below would lock the kept row at every one of them.
      and not exists (select 1 from request_first_responses f where f.request_id = req and f.at <= answered_at)
    on conflict (request_id) do update set at = excluded.at
      where excluded.at < request_first_responses.at;
  end;

create function comments__first_response() returns trigger language plpgsql as $$
begin
  perform request_first_responses__note(new.request_id, new.author_id, new.created_at);
  return null;
end $$;

create function audit_logs__first_response() returns trigger language plpgsql as $$
begin
  perform request_first_responses__note(new.entity_id, new.actor_id, new.created_at);
  return null;
end $$;

-- WHEN, so the other audit rows (most of them: every create writes one) call nothing.
create trigger _200_first_response after insert on comments
  for each row when (not new.internal) execute function comments__first_response();
create trigger _200_first_response after insert on audit_logs
  for each row when (new.entity_type = 'request' and new.action = 'request.status_changed')
  execute function audit_logs__first_response();
alter table comments enable always trigger _200_first_response;
alter table audit_logs enable always trigger _200_first_response;

-- What was answered before this migration.
insert into request_first_responses (request_id, request_created_at, at)
select r.id, r.created_at, min(x.at)
from (
  select cm.request_id, cm.author_id as actor_id, cm.created_at as at from comments cm where not cm.internal
  union all
  select a.entity_id, a.actor_id, a.created_at from audit_logs a
  where a.entity_type = 'request' and a.action = 'request.status_changed'
) x
join requests r on r.id = x.request_id
where x.actor_id is distinct from r.created_by
group by r.id, r.created_at;
