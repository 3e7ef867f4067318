// Requests: the status machine, who may do what, and the input schemas. Pure: no I/O.
// The same machine lives in SQL (requests__guard in 0001_init.sql); test/status-machine
// walks every pair through both.
import * as v from 'valibot';
import type { ErrorCode } from './errors.ts';
import type { Actor } from './users.ts';
import { longText, PAGE_FIELDS, text, timestamp, uuid } from './validation.ts';

export const STATUSES = ['NEW', 'IN_PROGRESS', 'DONE', 'CANCELED'] as const;
export type Status = (typeof STATUSES)[number];
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;

const MOVES: Record<Status, readonly Status[]> = {
  NEW: ['IN_PROGRESS', 'CANCELED'],
  IN_PROGRESS: ['DONE', 'CANCELED'],
  DONE: [],
  CANCELED: [],
};

export const isTerminal = (s: Status) => MOVES[s].length === 0;

/** The machine alone, in the order API.md gives: terminal, same status, not a move. */
export function transitionError(from: Status, to: Status): ErrorCode | null {
  if (isTerminal(from)) return 'status_is_terminal';
  if (from === to) return 'status_already_set';
  if (!MOVES[from].includes(to)) return 'invalid_status_transition';
  return null;
}

/** What the policy needs to know of a request. */
export interface RequestFacts { status: Status; created_by: string; assignee_id: string | null }

export function canView(actor: Actor, r: RequestFacts): boolean {
  return actor.role !== 'EMPLOYEE' || r.created_by === actor.id;
}

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

/** The statuses this actor may move this request to right now (API: allowed_transitions). */
export function allowedTransitions(actor: Actor, r: RequestFacts): Status[] {
  return MOVES[r.status].filter((to) => mayMove(actor, r, to, assigneeAfterMove(actor, r, to, undefined)));
}

/** The audit log's `{ field: [old, new] }` for the fields that differ. */
export function changesOf(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const k of Object.keys(after)) if (before[k] !== after[k]) out[k] = [before[k], after[k]];
  return out;
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

/**
 * The assignee after a status change. AGENT and ADMIN who start an unassigned request
 * without naming anyone become its assignee; an explicit null stays null (and is refused).
 */
export function assigneeAfterMove(actor: Actor, r: RequestFacts, to: Status, requested: string | null | undefined): string | null {
  if (requested !== undefined) return requested;
  if (to === 'IN_PROGRESS' && r.assignee_id === null && actor.role !== 'EMPLOYEE') return actor.id;
  return r.assignee_id;
}

const priority = v.picklist(PRIORITIES, 'must be one of LOW, NORMAL, HIGH, URGENT');

export const CreateRequestSchema = v.strictObject({
  title: text(1, 200),
  description: v.optional(longText(0, 10_000), ''),
  priority: v.optional(priority, 'NORMAL'),
});
export type CreateRequestInput = v.InferOutput<typeof CreateRequestSchema>;

export const UpdateRequestSchema = v.strictObject({
  title: v.optional(text(1, 200)),
  description: v.optional(longText(0, 10_000)),
  priority: v.optional(priority),
});
export type UpdateRequestInput = v.InferOutput<typeof UpdateRequestSchema>;

export const ChangeStatusSchema = v.strictObject({
  status: v.picklist(STATUSES, 'must be one of NEW, IN_PROGRESS, DONE, CANCELED'),
  assignee_id: v.optional(v.nullable(uuid('must be a user id (UUID) or null'))),
  comment: v.optional(longText(1, 10_000)),
});
export type ChangeStatusInput = v.InferOutput<typeof ChangeStatusSchema>;

export const AssignSchema = v.strictObject({
  assignee_id: v.nullable(uuid('must be a user id (UUID) or null')),
});

export const CommentSchema = v.strictObject({
  body: longText(1, 10_000),
  internal: v.optional(v.boolean('must be true or false'), false),
});

export const ListRequestsQuery = v.strictObject({
  status: v.optional(v.pipe(
    v.string(),
    v.transform((s) => s.split(',').map((x) => x.trim())),
    v.array(v.picklist(STATUSES, 'must be a comma list of NEW, IN_PROGRESS, DONE, CANCELED')),
  )),
  priority: v.optional(priority),
  assignee_id: v.optional(v.union([v.picklist(['me', 'none']), uuid()], 'must be a UUID, me or none')),
  created_by: v.optional(v.union([v.literal('me'), uuid()], 'must be a UUID or me')),
  q: v.optional(v.pipe(v.string(), v.trim(), v.check((s) => s.length >= 1 && s.length <= 200, 'must be 1..200 characters'))),
  created_after: v.optional(timestamp()),
  created_before: v.optional(timestamp()),
  ...PAGE_FIELDS,
});
