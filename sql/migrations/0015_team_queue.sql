-- A team's queue (GET /requests?status=NEW&assignee_id=none&team_id=…, the console's queue
-- per team) has a statement of its own with one cached plan
-- (sql/queries/requests/list_team_queue.sql). This index holds each team's NEW and
-- unassigned requests in page order: a page reads its own rows, however many of the team's
-- requests are closed or taken. Small (the open queue only), so a write pays little for it.
-- Old code does not use it, so it may be built while old instances serve (README, "Rolling
-- upgrades"); it holds writes to requests while it is built.
create index requests_team_queue_number on requests (team_id, number desc) where status = 'NEW' and assignee_id is null;
