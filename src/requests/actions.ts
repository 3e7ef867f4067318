// The request operations every way in calls (HTTP today; the chat bot and background
// loops next): (db, actor, ref, input, { ifMatch, audit }) → rows. No HTTP here: errors
// are AppErrors with their codes (src/errors.ts), and the caller shapes the answer.
import {
  type CommentRow, countViews as selectCounts, getRequest, getRequestByPublicId, insertComment, insertRequest, listComments as selectComments,
  listRequests as selectRequests, listRequestsSorted, lockRequest, requestHistory as selectHistory, type RequestChange, type RequestDoc,
  type RequestRow, updateRequest, type ViewCounts,
} from '../db/requests.ts';
import type { AuditRow } from '../db/audit.ts';
import type { Sql, Tx } from '../db/index.ts';
import { getTeam } from '../db/teams.ts';
import { type Audit, getAssignee } from '../db/users.ts';
import { AppError, fail } from '../errors.ts';
import type { Actor } from '../users/keys.ts';
import { idOf } from '../validation.ts';
import { isTerminal, type Status, transitionError } from './lifecycle.ts';
import {
  assigneeAfterMove, canView, listScope, mayAssign, mayBeAssignee, mayChangeTeam, mayComment, mayEdit, mayFileInto, mayMove,
  seesInternal, seesNetwork,
} from './policy.ts';
import type {
  AssignInput, ChangeStatusInput, ChangeTeamInput, CommentInput, CreateRequestInput, ListRequestsInput, UpdateRequestInput,
} from './schemas.ts';

const PUBLIC_ID = /^REQ-[1-9]\d{0,17}$/;

export interface Meta { ifMatch?: string; audit: Audit }
export interface Page { limit: number; after: string | null }
/** A change as it happened: the request after it, and the status it had before. */
export interface Changed { request: RequestRow; from: Status }

/** The strong ETag of a request's current version. */
export const etagOf = (r: { version: number }) => `"${r.version}"`;

/** The request behind `ref` (UUID or public_id), or 404 when it is missing or not the actor's to see. */
export async function findRequest(db: Tx, actor: Actor, ref: string): Promise<RequestRow> {
  const id = idOf(ref);
  const r = id ? await getRequest(db, id) : PUBLIC_ID.test(ref) ? await getRequestByPublicId(db, ref) : undefined;
  return visible(actor, ref, r);
}

function visible(actor: Actor, ref: string, r: RequestRow | undefined): RequestRow {
  if (!r || !canView(actor, r)) throw new AppError('not_found', `no request ${ref}`);
  return r;
}

function checkIfMatch(ifMatch: string | undefined, r: RequestRow): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  // Strong comparison: a weak tag never matches.
  if (!ifMatch.split(',').map((t) => t.trim()).includes(etagOf(r))) {
    fail('precondition_failed', `the request has changed (its ETag is now ${etagOf(r)}); fetch it again`);
  }
}

interface Rule {
  /** Checks that come before If-Match (API.md: 403 before 412). */
  authorize?: (r: RequestRow) => void;
  /** The state rules, then what to change; may throw 403/409/422. Pure apart from lookups. */
  decide: (r: RequestRow) => Promise<RequestChange>;
}

/** Checks the rule against `r` and writes the change if the request is still at r.version. */
async function attempt(db: Tx, actor: Actor, r: RequestRow, rule: Rule, meta: Meta): Promise<RequestRow | undefined> {
  rule.authorize?.(r);
  checkIfMatch(meta.ifMatch, r);
  return updateRequest(db, r, await rule.decide(r), actor.id, meta.audit);
}

/**
 * Read, check, write only if nobody wrote in between (the version guard): two round
 * trips and no transaction, the common case. When somebody did, once more with the row
 * locked in a transaction, so the caller is judged against the request as it now is
 * (and loses with the 409 or 412 that state deserves) and cannot lose the race again:
 * however many edit one request at once, each gets an answer, none a 500.
 */
async function change(db: Sql, actor: Actor, ref: string, rule: Rule, meta: Meta): Promise<Changed> {
  const first = await findRequest(db, actor, ref);
  const done = await attempt(db, actor, first, rule, meta);
  if (done) return { request: done, from: first.status };
  return db.begin(async (tx) => {
    const locked = visible(actor, ref, await lockRequest(tx, first.id));
    const again = await attempt(tx, actor, locked, rule, meta);
    if (!again) throw new Error(`request ${first.id} changed while locked`);
    return { request: again, from: locked.status };
  });
}

/**
 * The new assignee must be an active AGENT or ADMIN, and of a request with a team a member
 * of it or an ADMIN (an authenticated AGENT or ADMIN working the request already is one).
 */
async function checkAssignee(db: Tx, actor: Actor, id: string | null, current: string | null, teamId: string | null): Promise<void> {
  if (id === null || id === current || (id === actor.id && actor.role !== 'EMPLOYEE' && (teamId === null || actor.role === 'ADMIN' || actor.teams.includes(teamId)))) return;
  const user = await getAssignee(db, id, teamId);
  if (!user || !mayBeAssignee(user, teamId)) {
    const message = teamId ? 'must be an active member of the team or an ADMIN' : 'must be an active AGENT or ADMIN';
    fail('validation_failed', `the assignee ${message}`, [{ path: 'assignee_id', message }]);
  }
}

/** A team to file into or move to: an active one (422 otherwise, on team_id). */
async function checkTeam(db: Tx, teamId: string | null): Promise<void> {
  if (teamId === null) return;
  const team = await getTeam(db, teamId);
  if (!team || !mayFileInto(team)) fail('validation_failed', 'the team must be an active team', [{ path: 'team_id', message: 'must be an active team' }]);
}

export async function createRequest(db: Tx, actor: Actor, input: CreateRequestInput, audit: Audit): Promise<RequestRow> {
  await checkTeam(db, input.team_id);
  return (await insertRequest(db, input, actor.id, audit))!;
}

/** Title, description, priority. */
export function editRequest(db: Sql, actor: Actor, ref: string, input: UpdateRequestInput, meta: Meta): Promise<Changed> {
  return change(db, actor, ref, {
    authorize: (r) => {
      if (!mayEdit(actor, r)) fail('forbidden', 'you may not edit this request');
    },
    decide: async (r) => {
      if (isTerminal(r.status)) fail('status_is_terminal', `the request is ${r.status} and cannot change`);
      return { patch: input, action: 'request.updated', comment: null };
    },
  }, meta);
}

/** The machine first, then the role rules, then the assignee rule (API.md, "Order of checks"). */
export function changeStatus(db: Sql, actor: Actor, ref: string, input: ChangeStatusInput, meta: Meta): Promise<Changed> {
  return change(db, actor, ref, {
    decide: async (r) => {
      const machine = transitionError(r.status, input.status);
      if (machine) fail(machine, `cannot move ${r.public_id} from ${r.status} to ${input.status}`);
      const assignee = assigneeAfterMove(actor, r, input.status, input.assignee_id);
      if (!mayMove(actor, r, input.status, assignee)) fail('forbidden', `you may not move ${r.public_id} to ${input.status}`);
      if (input.status === 'IN_PROGRESS' && assignee === null) {
        fail('in_progress_requires_assignee', 'a request in progress needs an assignee');
      }
      await checkAssignee(db, actor, assignee, r.assignee_id, r.team_id);
      return { patch: { status: input.status, assignee_id: assignee }, action: 'request.status_changed', comment: input.comment ?? null };
    },
  }, meta);
}

export function assignRequest(db: Sql, actor: Actor, ref: string, { assignee_id }: AssignInput, meta: Meta): Promise<Changed> {
  return change(db, actor, ref, {
    authorize: (r) => {
      if (!mayAssign(actor, r, assignee_id)) fail('forbidden', 'you may not change who works on this request');
    },
    decide: async (r) => {
      if (isTerminal(r.status)) fail('status_is_terminal', `the request is ${r.status} and cannot change`);
      if (assignee_id === null && r.status === 'IN_PROGRESS') {
        fail('in_progress_requires_assignee', 'a request in progress needs an assignee');
      }
      await checkAssignee(db, actor, assignee_id, r.assignee_id, r.team_id);
      return { patch: { assignee_id }, action: 'request.assigned', comment: null };
    },
  }, meta);
}

/**
 * Moves a request to another team or to the pool (API.md, "Teams"). Without an assignee_id
 * the current assignee stays if they may work in the new team; otherwise a NEW request
 * loses them and an IN_PROGRESS one is refused (409 assignee_not_in_team).
 */
export function changeTeam(db: Sql, actor: Actor, ref: string, input: ChangeTeamInput, meta: Meta): Promise<Changed> {
  return change(db, actor, ref, {
    authorize: (r) => {
      if (!mayChangeTeam(actor, r, input.assignee_id)) fail('forbidden', 'you may not move this request to another team');
    },
    decide: async (r) => {
      if (isTerminal(r.status)) fail('status_is_terminal', `the request is ${r.status} and cannot change`);
      await checkTeam(db, input.team_id);
      let assignee = input.assignee_id === undefined ? r.assignee_id : input.assignee_id;
      if (input.assignee_id === undefined && assignee !== null) {
        const current = await getAssignee(db, assignee, input.team_id);
        if (!current || !mayBeAssignee(current, input.team_id)) {
          if (r.status === 'IN_PROGRESS') fail('assignee_not_in_team', 'the assignee is not a member of the new team; name a new assignee');
          assignee = null;
        }
      }
      if (r.status === 'IN_PROGRESS' && assignee === null) fail('in_progress_requires_assignee', 'a request in progress needs an assignee');
      if (input.assignee_id !== undefined) await checkAssignee(db, actor, assignee, null, input.team_id);
      return { patch: { team_id: input.team_id, assignee_id: assignee }, action: 'request.team_changed', comment: null };
    },
  }, meta);
}

/** Checks that the actor may comment so on `request` (found with findRequest), before any write. */
export function checkComment(actor: Actor, request: RequestRow, input: CommentInput): void {
  if (!mayComment(actor, request, input.internal)) fail('forbidden', 'only agents and admins may write internal notes');
}

export async function addComment(db: Tx, actor: Actor, request: RequestRow, input: CommentInput, audit: Audit): Promise<CommentRow> {
  checkComment(actor, request, input);
  return (await insertComment(db, { request_id: request.id, author_id: actor.id, ...input }, audit))!;
}

/**
 * GET /requests: the filters asked for, within what the actor may see (in SQL). `now` (the
 * service's clock) decides which SLA clocks are in warning or breached for `sla`.
 */
export async function listRequests(db: Tx, actor: Actor, q: ListRequestsInput, page: Page, now = new Date()): Promise<RequestDoc[]> {
  const scope = listScope(actor, q.created_by === 'me' ? actor.id : q.created_by ?? null);
  if (!scope) return [];
  const assignee = q.assignee_id === 'me' ? actor.id : q.assignee_id === 'none' ? null : q.assignee_id ?? null;
  const teams = q.team_id === 'mine' ? actor.teams : q.team_id === undefined || q.team_id === 'none' ? null : [q.team_id];
  const filter = {
    statuses: q.status ?? null, priority: q.priority ?? null, unassigned: q.assignee_id === 'none', assignee,
    creator: scope.creator, q: q.q ?? null, createdAfter: q.created_after ?? null, createdBefore: q.created_before ?? null,
    teams, noTeam: q.team_id === 'none', visible: scope.visible, after: page.after, limit: page.limit,
  };
  if (q.sla || q.sort !== '-created') return listRequestsSorted(db, { ...filter, sort: q.sort, sla: q.sla ?? null, now });
  return selectRequests(db, filter);
}

/** The open requests per team this actor may see (the console's counts), with the visibility of lists. */
export async function countViews(db: Tx, actor: Actor): Promise<ViewCounts[]> {
  const scope = listScope(actor, null)!;
  return selectCounts(db, actor.id, scope.creator, scope.visible);
}

/** Oldest first; internal notes and network details only for those who may see them. */
export async function requestHistory(db: Tx, actor: Actor, ref: string, page: Page): Promise<AuditRow[]> {
  const r = await findRequest(db, actor, ref);
  return selectHistory(db, r.id, { internal: seesInternal(actor), network: seesNetwork(actor), ...page });
}

/** Newest first; employees never see internal notes. */
export async function listComments(db: Tx, actor: Actor, ref: string, page: Page): Promise<CommentRow[]> {
  const r = await findRequest(db, actor, ref);
  return selectComments(db, r.id, { internal: seesInternal(actor), ...page });
}
