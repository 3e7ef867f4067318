// One typed function per statement in sql/queries/requests and sql/queries/comments.
import { one, query, type Tx } from './index.ts';
import { changesOf, type Status } from '../requests/lifecycle.ts';
import type { AuditRow } from './audit.ts';
import type { Audit } from './users.ts';

/**
 * A request as a list returns it: what allowed_transitions and the cursor need, and `doc`,
 * the request's JSON built by PostgreSQL (request_json, sql/migrations/0002_request_json.sql).
 */
export interface RequestDoc {
  seq: string; status: Status; created_by: string; assignee_id: string | null; team_id: string | null; doc: string;
}

/** One request, with the columns the rules and a change need. */
export interface RequestRow extends Omit<RequestDoc, 'seq'> {
  id: string; public_id: string; title: string; description: string; priority: string; version: number;
}

export interface CommentRow {
  seq: string; id: string; request_id: string; author_id: string; author_name: string;
  body: string; internal: boolean; created_at: Date;
}


export const getRequest = (db: Tx, id: string) => one<RequestRow>(db, 'requests/get_request', [id]);

/** Locks the row (in a transaction), then reads it afresh: undefined when it is gone. */
export async function lockRequest(db: Tx, id: string): Promise<RequestRow | undefined> {
  if (!(await one(db, 'requests/lock_request', [id]))) return undefined;
  return getRequest(db, id);
}

export const getRequestByPublicId = (db: Tx, publicId: string) =>
  one<RequestRow>(db, 'requests/get_request_by_public_id', [publicId]);

/** What a list may show (src/requests/policy.ts listScope): everything, or the pool, these teams and what is assigned to `actor`. */
export interface Visibility { all: boolean; teams: readonly string[]; actor: string }

export interface RequestFilter {
  statuses: string[] | null; priority: string | null; unassigned: boolean; assignee: string | null;
  creator: string | null; q: string | null; createdAfter: string | null; createdBefore: string | null;
  teams: readonly string[] | null; noTeam: boolean; visible: Visibility;
  after: string | null; limit: number;
}

/** The most rows one call of listRequests returns (the CSV export's page). */
export const MAX_PAGE = 1000;

/**
 * The hot shapes have statements of their own: everything, the queue and one team's queue
 * with one cached plan each; one person's list planned per call, since how many requests
 * that person has decides the index. Any other mix of filters goes to the general
 * statement, also planned per call, for the filters that are on.
 */
export function listRequests(db: Tx, f: RequestFilter): Promise<RequestDoc[]> {
  // The hot statements stop at 1000 rows a call (why: in list_recent.sql).
  if (f.limit > MAX_PAGE) throw new Error(`a page of at most ${MAX_PAGE} rows, not ${f.limit}`);
  const v = f.visible;
  const plain = !f.priority && !f.assignee && !f.q && !f.createdAfter && !f.createdBefore && !f.noTeam;
  const queue = f.unassigned && !f.creator && f.statuses?.length === 1 && f.statuses[0] === 'NEW';
  if (plain && !f.teams && !f.statuses && !f.unassigned) {
    return f.creator
      ? query<RequestDoc>(db, 'requests/list_recent_by_creator', [f.creator, f.after, f.limit, v.all, v.teams, v.actor], true)
      : query<RequestDoc>(db, 'requests/list_recent', [f.after, f.limit, v.all, v.teams, v.actor]);
  }
  if (plain && queue && !f.teams) return query<RequestDoc>(db, 'requests/list_queue', [f.after, f.limit, v.all, v.teams]);
  if (plain && queue && f.teams?.length === 1) return query<RequestDoc>(db, 'requests/list_team_queue', [f.teams[0], f.after, f.limit, v.all, v.teams]);
  return query<RequestDoc>(db, 'requests/list_requests', [
    f.statuses, f.priority, f.unassigned, f.assignee, f.creator, f.q, f.createdAfter, f.createdBefore, f.after, f.limit,
    f.teams, f.noTeam, v.all, v.teams, v.actor,
  ], true);
}

/** Open requests per team (null: the pool) for the console's counts: queue, the actor's work, all open. */
export interface ViewCounts { team_id: string | null; team_name: string | null; queue: number; my_work: number; open: number }

export const countViews = (db: Tx, actor: string, creator: string | null, v: Visibility) =>
  query<ViewCounts>(db, 'requests/count_views', [actor, creator, v.all, v.teams, v.actor]);
/** GET /requests's orders (API.md); '-created' is the default. */
export type RequestSort = '-created' | 'created' | '-priority' | 'due';

/**
 * An SLA filter or another order than newest first (list_requests_sorted.sql), planned per
 * call. `after` is a cursor's key as the statement's `seq` wrote it: a number, `p:rank,number`
 * or `d:due,number`.
 */
export function listRequestsSorted(db: Tx, f: RequestFilter & { sort: RequestSort; sla: 'breached' | 'warning' | null; now: Date }): Promise<RequestDoc[]> {
  const v = f.visible;
  const [, key = null, number = f.after] = /^[pd]:(.+),(\d+)$/.exec(f.after ?? '') ?? [];
  return query<RequestDoc>(db, 'requests/list_requests_sorted', [
    f.statuses, f.priority, f.unassigned, f.assignee, f.creator, f.q, f.createdAfter, f.createdBefore, number, f.limit,
    f.teams, f.noTeam, v.all, v.teams, v.actor, f.sort, f.sla, f.now,
    f.sort === '-priority' ? key : null, f.sort === 'due' ? key : null,
  ], true);
}

export const insertRequest = (db: Tx, r: { title: string; description: string; priority: string; team_id: string | null }, creator: string, audit: Audit) =>
  one<RequestRow>(db, 'requests/insert_request', [r.title, r.description, r.priority, creator, ...audit, r.team_id]);

/** A change to a request: the fields it sets (the rest stay), how it is audited, and an optional public comment. */
export interface RequestChange {
  patch: Partial<Pick<RequestRow, 'title' | 'description' | 'priority' | 'status' | 'assignee_id' | 'team_id'>>;
  action: 'request.updated' | 'request.status_changed' | 'request.assigned' | 'request.team_changed';
  comment: string | null;
}

/**
 * Applies the change to `r` if the request is still at r.version, audited with the
 * [old, new] of each field it changes; undefined when the request moved on.
 */
export function updateRequest(db: Tx, r: RequestRow, c: RequestChange, actor: string, audit: Audit) {
  const before = { title: r.title, description: r.description, priority: r.priority, status: r.status, assignee_id: r.assignee_id, team_id: r.team_id };
  const after = { ...before, ...c.patch };
  return one<RequestRow>(db, 'requests/update_request', [
    r.id, r.version, after.title, after.description, after.priority, after.status, after.assignee_id,
    actor, c.action, changesOf(before, after), c.comment, ...audit, after.team_id,
  ]);
}

export const requestHistory = (db: Tx, id: string, o: { internal: boolean; network: boolean; after: string | null; limit: number }) =>
  query<AuditRow>(db, 'requests/request_history', [id, o.internal, o.network, o.after, o.limit]);

export const insertComment = (db: Tx, c: { request_id: string; author_id: string; body: string; internal: boolean }, audit: Audit) =>
  one<CommentRow>(db, 'comments/insert_comment', [c.request_id, c.author_id, c.body, c.internal, ...audit]);

export const listComments = (db: Tx, requestId: string, o: { internal: boolean; after: string | null; limit: number }) =>
  query<CommentRow>(db, 'comments/list_comments', [requestId, o.internal, o.after, o.limit]);
