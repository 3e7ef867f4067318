// Every "who may" about requests, in one place (API.md, "Roles" and "Status machine").
// Pure: the facts of a request and the actor in, a yes or no (or the SQL parameters of
// what a list may show) out.
import type { Actor } from '../users/keys.ts';
import { MOVES, type Status } from './lifecycle.ts';

/** What the policy needs to know of a request. */
export interface RequestFacts { status: Status; created_by: string; assignee_id: string | null }

export function canView(actor: Actor, r: RequestFacts): boolean {
  return actor.role !== 'EMPLOYEE' || r.created_by === actor.id;
}

/**
 * What a list may show this actor, as the parameters its SQL takes: an employee only
 * their own requests (`creator`), anyone else everything. `null` when the asked-for
 * creator is someone the actor may not see, so the list is empty without a query.
 */
export function listScope(actor: Actor, askedCreator: string | null): { creator: string | null } | null {
  if (actor.role !== 'EMPLOYEE') return { creator: askedCreator };
  if (askedCreator !== null && askedCreator !== actor.id) return null;
  return { creator: actor.id };
}

/** History and comments: whether internal notes (and their audit entries) are shown. */
export const seesInternal = (actor: Actor) => actor.role !== 'EMPLOYEE';

/** History: whether the ip and user agent of each entry are shown. */
export const seesNetwork = (actor: Actor) => actor.role === 'ADMIN';

/** Anyone who may see a request may comment on it; only agents and admins write internal notes. */
export const mayComment = (actor: Actor, r: RequestFacts, internal: boolean) =>
  canView(actor, r) && (!internal || actor.role !== 'EMPLOYEE');

/**
 * May this actor make this (machine-valid) move on this request, leaving `next` as the
 * assignee? An AGENT may only leave it to themselves (or nobody); an EMPLOYEE may not
 * touch the assignee at all.
 */
export function mayMove(actor: Actor, r: RequestFacts, to: Status, next: string | null = r.assignee_id): boolean {
  if (actor.role === 'ADMIN') return true;
  if (actor.role === 'EMPLOYEE') {
    return r.status === 'NEW' && to === 'CANCELED' && r.created_by === actor.id && next === r.assignee_id;
  }
  if (next !== null && next !== actor.id) return false;
  if (r.status === 'NEW') return r.assignee_id === null || r.assignee_id === actor.id;
  if (r.status === 'IN_PROGRESS') return r.assignee_id === actor.id;
  return false;
}

/**
 * The assignee after a status change. AGENT and ADMIN who start an unassigned request
 * without naming anyone become its assignee; an explicit null stays null (and is refused).
 */
export function assigneeAfterMove(actor: Actor, r: RequestFacts, to: Status, requested: string | null | undefined): string | null {
  if (requested !== undefined) return requested;
  if (to === 'IN_PROGRESS' && r.assignee_id === null && actor.role !== 'EMPLOYEE') return actor.id;
  return r.assignee_id;
}

/** The statuses this actor may move this request to right now (API: allowed_transitions). */
export function allowedTransitions(actor: Actor, r: RequestFacts): Status[] {
  return MOVES[r.status].filter((to) => mayMove(actor, r, to, assigneeAfterMove(actor, r, to, undefined)));
}

/** Who may edit title, description and priority. */
export function mayEdit(actor: Actor, r: RequestFacts): boolean {
  if (actor.role === 'ADMIN') return true;
  if (actor.role === 'AGENT') return r.assignee_id === actor.id;
  return r.created_by === actor.id && r.status === 'NEW';
}

/** ADMIN may assign anyone; an AGENT may take a free request or let go of their own. */
export function mayAssign(actor: Actor, r: RequestFacts, assigneeId: string | null): boolean {
  if (actor.role === 'ADMIN') return true;
  if (actor.role !== 'AGENT') return false;
  if (assigneeId === null) return r.assignee_id === actor.id;
  return assigneeId === actor.id && (r.assignee_id === null || r.assignee_id === actor.id);
}

/** Who may be the assignee: an active AGENT or ADMIN. */
export const mayBeAssignee = (u: { role: string; is_active: boolean }) => u.is_active && u.role !== 'EMPLOYEE';
