// Who hears of an event in Telegram (API.md, "Telegram"), judged by the request policy on
// the request as the event shows it. Pure: an event and the linked, active users in; who
// hears it, and why, out.
//
//   creator   status changes; public comments and public attachments by others
//   assignee  comments (internal ones too) and changes by others; SLA warnings and breaches
//   workers   a new request (or one moved into their team) they may take, with Take; SLA
//             warnings and breaches while it is unassigned
//
// Nobody hears of their own doing, of a request they may not see, or (an employee) of an
// internal note or file.
import type { Recipient } from '../db/telegram.ts';
import type { EventRow } from '../db/events.ts';
import { canView, mayMove, seesInternal } from '../requests/policy.ts';
import type { Actor } from '../users/keys.ts';
import { factsOf, type RequestDoc } from './messages.ts';

export type Why = 'creator' | 'assignee' | 'worker';
export interface Hearer { recipient: Recipient; actor: Actor; why: Why }

/** The event types the bot tells anyone of. */
export const NOTIFIED = [
  'request.created', 'request.updated', 'request.status_changed', 'request.assigned', 'request.team_changed',
  'comment.created', 'attachment.created', 'sla.warning', 'sla.breached',
];

const asActor = (r: Recipient): Actor => ({ id: r.id, full_name: r.full_name, role: r.role, teams: r.teams });

/** An agent who may take this request now: in the pool or their team, unassigned. */
const mayTake = (a: Actor, r: RequestDoc) =>
  a.role === 'AGENT' && r.status === 'NEW' && r.assignee === null && mayMove(a, factsOf(r), 'IN_PROGRESS', a.id);

export function audience(event: Pick<EventRow, 'type' | 'actor_id' | 'data'>, recipients: Recipient[]): Hearer[] {
  const data = event.data as Record<string, any>;
  const r = data.request as RequestDoc | undefined;
  if (!r || !NOTIFIED.includes(event.type)) return [];
  const changes = (data.changes ?? {}) as Record<string, [unknown, unknown]>;
  const creator = r.created_by.id;
  const assignees = new Set([r.assignee?.id, ...(changes.assignee_id ?? [])].filter((x): x is string => typeof x === 'string'));
  const doer = event.actor_id;

  // What each event says to whom, before the rules every message obeys.
  const rules: Record<string, (a: Actor) => Why | null> = {
    'request.created': (a) => (mayTake(a, r) ? 'worker' : null),
    'request.updated': (a) => (assignees.has(a.id) ? 'assignee' : null),
    'request.assigned': (a) => (assignees.has(a.id) ? 'assignee' : null),
    'request.status_changed': (a) => (assignees.has(a.id) ? 'assignee' : a.id === creator ? 'creator' : null),
    'request.team_changed': (a) => (assignees.has(a.id) ? 'assignee' : mayTake(a, r) && !couldTakeBefore(a, r, changes) ? 'worker' : null),
    'comment.created': (a) => heardBy(a, data.comment?.internal === true),
    'attachment.created': (a) => heardBy(a, data.attachment?.internal === true),
    'sla.warning': (a) => sla(a),
    'sla.breached': (a) => sla(a),
  };
  function heardBy(a: Actor, internal: boolean): Why | null {
    if (assignees.has(a.id)) return 'assignee';
    return a.id === creator && !internal ? 'creator' : null;
  }
  function sla(a: Actor): Why | null {
    if (r!.assignee) return a.id === r!.assignee.id ? 'assignee' : null;
    return mayTake(a, r!) ? 'worker' : null;
  }
  const internal = data.comment?.internal === true || data.attachment?.internal === true;
  const author = data.comment?.author?.id ?? data.attachment?.uploaded_by?.id ?? doer;

  const hearers: Hearer[] = [];
  for (const recipient of recipients) {
    const actor = asActor(recipient);
    if (actor.id === doer || actor.id === author) continue;
    if (!canView(actor, factsOf(r))) continue;
    if (internal && !seesInternal(actor)) continue;
    const why = rules[event.type](actor);
    if (why) hearers.push({ recipient, actor, why });
  }
  return hearers;
}

/** Moved between teams: agents who could take it in its old team heard of it then. */
function couldTakeBefore(a: Actor, r: RequestDoc, changes: Record<string, [unknown, unknown]>): boolean {
  if (!changes.team_id) return true;
  const before = changes.team_id[0] as string | null;
  return before === null || a.teams.includes(before);
}
