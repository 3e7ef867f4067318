-- Teams: routing and confidentiality (API.md, "Teams"). A request belongs to one team or
-- to the general pool (team_id null); an AGENT sees the pool, their teams' requests and
-- what is assigned to them (src/requests/policy.ts, and the lists' SQL).

create table teams (
  id          uuid primary key default gen_random_uuid(),
  seq         bigint generated always as identity unique,
  name        text not null,
  description text not null default '',
  is_active   boolean not null default true,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  constraint teams_name_length check (char_length(name) between 1 and 100),
  constraint teams_description_length check (char_length(description) <= 2000)
);
-- Names are unique case-insensitively (409 team_name_exists).
create unique index teams_name_key on teams (lower(name));

create function teams__touch() returns trigger language plpgsql as $$
begin
  new.id := old.id;
  new.seq := old.seq;
  new.created_at := old.created_at;
  new.updated_at := case when (new.name, new.description, new.is_active) is distinct from (old.name, old.description, old.is_active)
    then now() else old.updated_at end;
  return new;
end;
$$;
create trigger _100_touch before update on teams for each row execute function teams__touch();

create table team_members (
  team_id    uuid not null references teams (id),
  user_id    uuid not null references users (id),
  created_at timestamptz not null default now(),
  primary key (team_id, user_id)
);
create index team_members_user on team_members (user_id, team_id);

alter table requests add column team_id uuid references teams (id);
create index requests_team_number on requests (team_id, number desc);

-- The assignee of a request with a team is a member of it or an ADMIN, whoever writes the
-- row (API.md). Checked when the team or the assignee changes.
create function requests__assignee_in_team() returns trigger language plpgsql as $$
begin
  if new.team_id is not null and new.assignee_id is not null
     and (tg_op = 'INSERT' or (new.team_id, new.assignee_id) is distinct from (old.team_id, old.assignee_id))
     and not exists (select 1 from team_members m where m.team_id = new.team_id and m.user_id = new.assignee_id)
     and not exists (select 1 from users u where u.id = new.assignee_id and u.role = 'ADMIN') then
    raise exception 'the assignee of a request of a team must be a member of it or an ADMIN'
      using errcode = 'check_violation', constraint = 'requests_assignee_in_team', table = 'requests';
  end if;
  return new;
end;
$$;
create trigger _110_assignee_in_team before insert or update on requests
  for each row execute function requests__assignee_in_team();

-- Nobody leaves a team (or stops being an ADMIN) while assigned to an open request of a
-- team they would then be outside of.
create function team_members__keep_open_work() returns trigger language plpgsql as $$
begin
  if exists (
    select 1 from requests r
    where r.team_id = old.team_id and r.assignee_id = old.user_id and r.status in ('NEW', 'IN_PROGRESS')
  ) and not exists (select 1 from users u where u.id = old.user_id and u.role = 'ADMIN') then
    raise exception 'the member is the assignee of open requests of this team'
      using errcode = 'check_violation', constraint = 'team_members_open_requests', table = 'team_members';
  end if;
  return old;
end;
$$;
create trigger _100_keep_open_work before delete on team_members
  for each row execute function team_members__keep_open_work();

create function users__keep_team_work() returns trigger language plpgsql as $$
begin
  if old.role = 'ADMIN' and new.role <> 'ADMIN' and exists (
    select 1 from requests r
    where r.assignee_id = new.id and r.team_id is not null and r.status in ('NEW', 'IN_PROGRESS')
      and not exists (select 1 from team_members m where m.team_id = r.team_id and m.user_id = new.id)
  ) then
    raise exception 'the user is the assignee of open requests of teams they are not a member of'
      using errcode = 'check_violation', constraint = 'team_members_open_requests', table = 'users';
  end if;
  return new;
end;
$$;
create trigger _110_keep_team_work before update of role on users
  for each row execute function users__keep_team_work();

-- A team as the API shows it.
create function team_json(t teams, members_count bigint) returns jsonb
  language sql stable parallel safe
  return jsonb_build_object(
    'id', t.id, 'name', t.name, 'description', t.description, 'is_active', t.is_active,
    'members_count', members_count, 'created_at', api_time(t.created_at), 'updated_at', api_time(t.updated_at));

-- A request as the API shows it, now with its team (the three-argument request_json of
-- migration 0002 stays, for instances still running the code before this migration).
create function request_json(r requests, created_by_name text, assignee_name text, team_name text) returns text
  language sql stable parallel safe
  return '{"id":"' || r.id || '","public_id":"' || r.public_id
    || '","title":' || to_json(r.title) || ',"description":' || to_json(r.description)
    || ',"priority":"' || r.priority || '","status":"' || r.status
    || '","team":' || coalesce('{"id":"' || r.team_id || '","name":' || to_json(team_name) || '}', 'null')
    || ',"created_by":{"id":"' || r.created_by || '","full_name":' || to_json(created_by_name)
    || '},"assignee":' || coalesce('{"id":"' || r.assignee_id || '","full_name":' || to_json(assignee_name) || '}', 'null')
    || ',"created_at":"' || api_time(r.created_at) || '","updated_at":"' || api_time(r.updated_at)
    || '","resolved_at":' || coalesce('"' || api_time(r.resolved_at) || '"', 'null') || '}';

create or replace view request_details as
select r.id, r.number, r.public_id, r.title, r.description, r.priority, r.status,
       r.created_by, cu.full_name as created_by_name,
       r.assignee_id, au.full_name as assignee_name,
       r.version, r.created_at, r.updated_at, r.resolved_at, r.search,
       request_json(r, cu.full_name, au.full_name, t.name) as doc,
       r.team_id
from requests r
join users cu on cu.id = r.created_by
left join users au on au.id = r.assignee_id
left join teams t on t.id = r.team_id;

-- The teams a user belongs to, as every user object shows them: [{ id, name }].
create function user_teams(member uuid) returns jsonb
  language sql stable parallel safe
  return (
    select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name) order by t.name), '[]'::jsonb)
    from team_members m join teams t on t.id = m.team_id
    where m.user_id = member);

create or replace function user_json(u users) returns jsonb
  language sql stable parallel safe
  return jsonb_build_object(
    'id', u.id, 'email', u.email, 'full_name', u.full_name, 'role', u.role, 'is_active', u.is_active,
    'api_key_last4', u.api_key_last4, 'teams', user_teams(u.id),
    'created_at', api_time(u.created_at), 'updated_at', api_time(u.updated_at));
