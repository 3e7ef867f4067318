// Every "who may" about requests, in one place (API.md, "Roles" and "Status machine").
// Pure: the facts of a request and the actor in, a yes or no (or the SQL parameters of
// what a list may show) out.
import type { Actor } from '../users/keys.ts';
import { MOVES, type Status } from './lifecycle.ts';

/** What the policy needs to know of a request. */
export interface RequestFacts { status: Status; created_by: string; assignee_id: string | null; team_id: string | null }

/** The general pool (no team) or one of the actor's teams (API.md, "Teams"). */
const ofMyTeams = (actor: Actor, r: RequestFacts) => r.team_id === null || actor.teams.includes(r.team_id);

/**
 * ADMIN sees everything; an AGENT the general pool, their teams' requests and what is
 * assigned to them; an EMPLOYEE what they filed. Anything else is 404 to them.
 */
export function canView(actor: Actor, r: RequestFacts): boolean {
  if (actor.role === 'ADMIN') return true;
  if (actor.role === 'AGENT') return ofMyTeams(actor, r) || r.assignee_id === actor.id;
  return r.created_by === actor.id;
}

/** Taking, moving, editing, assigning, re-teaming: an AGENT only in the pool and their teams. */
const worksOn = (actor: Actor, r: RequestFacts) => actor.role === 'ADMIN' || (actor.role === 'AGENT' && ofMyTeams(actor, r));

/**
 * What a list may show this actor, as the parameters its SQL takes — the same rule as
 * canView: an employee only their own requests (`creator`); an agent the pool, their
 * teams and their own work (`visible`); an admin everything. `null` when the asked-for
 * creator is someone the employee may not see, so the list is empty without a query.
 */
export function listScope(actor: Actor, askedCreator: string | null):
  { creator: string | null; visible: { all: boolean; teams: readonly string[]; actor: string } } | null {
  const visible = { all: actor.role !== 'AGENT', teams: actor.teams, actor: actor.id };
  if (actor.role !== 'EMPLOYEE') return { creator: askedCreator, visible };
  if (askedCreator !== null && askedCreator !== actor.id) return null;
  return { creator: actor.id, visible };
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
  if (!worksOn(actor, r)) return false;
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
  if (actor.role === 'AGENT') return r.assignee_id === actor.id && worksOn(actor, r);
  return r.created_by === actor.id && r.status === 'NEW';
}

/** ADMIN may assign anyone; an AGENT may take a free request or let go of their own. */
export function mayAssign(actor: Actor, r: RequestFacts, assigneeId: string | null): boolean {
  if (actor.role === 'ADMIN') return true;
  if (actor.role !== 'AGENT' || !worksOn(actor, r)) return false;
  if (assigneeId === null) return r.assignee_id === actor.id;
  return assigneeId === actor.id && (r.assignee_id === null || r.assignee_id === actor.id);
}

/**
 * Moving a request to another team (or the pool): ADMIN; an AGENT who works it, naming
 * as its new assignee nobody, themself, or leaving the choice to the rules.
 */
export function mayChangeTeam(actor: Actor, r: RequestFacts, assigneeId: string | null | undefined): boolean {
  if (actor.role === 'ADMIN') return true;
  return worksOn(actor, r) && (assigneeId === undefined || assigneeId === null || assigneeId === actor.id);
}

/**
 * Who may be the assignee: an active AGENT or ADMIN, and of a request with a team a member
 * of it or an ADMIN (the database holds the team rule too: requests__assignee_in_team).
 */
export const mayBeAssignee = (u: { role: string; is_active: boolean; in_team: boolean }, teamId: string | null) =>
  u.is_active && u.role !== 'EMPLOYEE' && (teamId === null || u.role === 'ADMIN' || u.in_team);

/** Filing into a team: any caller, into an active team. */
export const mayFileInto = (team: { is_active: boolean }) => team.is_active;

/**
 * Whether an event reaches this actor's live stream (API.md, "GET /events/stream"): an
 * ADMIN everything but an endpoint's ping; others only events of requests they may see
 * (judged on the request as the event shows it), and an EMPLOYEE never an internal
 * comment or attachment.
 */
export function maySeeEvent(actor: Actor, type: string, data: Record<string, any>): boolean {
  if (type === 'webhook.ping') return false;
  if (actor.role === 'ADMIN') return true;
  const r = data?.request;
  if (!r) return false;
  const facts = { status: r.status, created_by: r.created_by?.id, assignee_id: r.assignee?.id ?? null, team_id: r.team?.id ?? null };
  if (!canView(actor, facts)) return false;
  return !(seesInternal(actor) === false && (data.comment?.internal === true || data.attachment?.internal === true));
}
