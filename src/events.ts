// The closed catalogue of events (API.md, "Events and webhooks") and their payloads.
// Rows are written by the SQL of each change, in its own statement or transaction
// (sql/queries/**, table `events` in sql/migrations/0004_events.sql, whose CHECK holds
// the same list: test/events.test.ts compares them).
export const EVENT_TYPES = [
  'request.created', 'request.updated', 'request.status_changed', 'request.assigned', 'request.team_changed',
  'comment.created', 'attachment.created', 'sla.warning', 'sla.breached',
  'user.created', 'user.updated', 'user.api_key_rotated',
  'team.created', 'team.updated', 'team.member_added', 'team.member_removed',
  'webhook.ping',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

type Json = Record<string, unknown>;
/** `{ field: [old, new] }`, as in the audit log. */
export type Changes = Record<string, [unknown, unknown]>;

/** What `data` holds for each type; `request` is the request as an ADMIN sees it, without allowed_transitions. */
export interface EventData {
  'request.created': { request: Json; changes: Changes };
  'request.updated': { request: Json; changes: Changes };
  'request.status_changed': { request: Json; changes: Changes };
  'request.assigned': { request: Json; changes: Changes };
  'request.team_changed': { request: Json; changes: Changes };
  'comment.created': { request: Json; comment: Json & { internal: boolean } };
  'attachment.created': { request: Json; attachment: Json & { internal: boolean } };
  'sla.warning': { request: Json; metric: 'first_response' | 'resolution'; due_at: string };
  'sla.breached': { request: Json; metric: 'first_response' | 'resolution'; due_at: string };
  'user.created': { user: Json; changes: Changes };
  'user.updated': { user: Json; changes: Changes };
  'user.api_key_rotated': { user: Json; changes: Changes };
  'team.created': { team: Json; changes: Changes };
  'team.updated': { team: Json; changes: Changes };
  'team.member_added': { team: Json; user: Json };
  'team.member_removed': { team: Json; user: Json };
  'webhook.ping': { webhook_id: string };
}

export type Event = {
  [T in EventType]: {
    id: string; type: T; created_at: string; actor: { id: string; full_name: string } | null; data: EventData[T];
  }
}[EventType];

export const isEventType = (s: string): s is EventType => (EVENT_TYPES as readonly string[]).includes(s);
