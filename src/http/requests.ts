// Handlers for requests, their status, assignee, comments and history.
import { getUser } from '../db/users.ts';
import {
  type CommentRow, getRequest, getRequestByPublicId, insertComment, lockRequest, insertRequest, listComments,
  listRequests, requestHistory, type RequestChange, type RequestDoc, type RequestRow, updateRequest,
} from '../db/requests.ts';
import { AppError, fail } from '../errors.ts';
import {
  allowedTransitions, AssignSchema, assigneeAfterMove, canView, ChangeStatusSchema, CommentSchema, CreateRequestSchema,
  isTerminal, ListRequestsQuery, mayAssign, mayEdit, mayMove, transitionError, UpdateRequestSchema,
} from '../requests.ts';
import type { Actor } from '../users.ts';
import { idOf, parse } from '../validation.ts';
import type { Tx } from '../db/index.ts';
import {
  actorOf, auditMeta, type Ctx, header, json, jsonText, noQuery, page, pageArgs, pageQuery, pageText, queryObject, type Res,
} from './context.ts';
import { auditView } from './audit.ts';
import { idempotent } from './idempotency.ts';

const PUBLIC_ID = /^REQ-[1-9]\d{0,17}$/;

/** A request as this caller sees it: PostgreSQL's JSON of it, plus what the caller may do next. */
const requestJson = (actor: Actor) => (r: Omit<RequestDoc, 'seq'>) =>
  `${r.doc.slice(0, -1)},"allowed_transitions":${JSON.stringify(allowedTransitions(actor, r))}}`;

const commentView = (c: CommentRow) => ({
  id: c.id, request_id: c.request_id, author: { id: c.author_id, full_name: c.author_name },
  body: c.body, internal: c.internal, created_at: c.created_at,
});


const etag = (r: RequestRow) => `"${r.version}"`;
const one = (actor: Actor, r: RequestRow, status = 200, headers: Record<string, string> = {}): Res =>
  jsonText(status, requestJson(actor)(r), { ETag: etag(r), ...headers });

/** The request behind {ref} (UUID or public_id), or 404 when it is missing or not the caller's to see. */
async function load(ctx: Ctx): Promise<RequestRow> {
  const ref = ctx.params.ref;
  const { db } = ctx.services;
  const id = idOf(ref);
  const r = id ? await getRequest(db, id) : PUBLIC_ID.test(ref) ? await getRequestByPublicId(db, ref) : undefined;
  return visible(ctx, r);
}

function visible(ctx: Ctx, r: RequestRow | undefined): RequestRow {
  if (!r || !canView(actorOf(ctx), r)) throw new AppError('not_found', `no request ${ctx.params.ref}`);
  return r;
}

function checkIfMatch(ctx: Ctx, r: RequestRow): void {
  const given = header(ctx, 'if-match');
  if (given === undefined || given.trim() === '*') return;
  // Strong comparison: a weak tag never matches.
  if (!given.split(',').map((t) => t.trim()).includes(etag(r))) {
    fail('precondition_failed', `the request has changed (its ETag is now ${etag(r)}); fetch it again`);
  }
}

interface Change {
  /** Checks that come before If-Match (API.md: 403 before 412). */
  authorize?: (r: RequestRow) => void;
  /** The state rules, then what to change; may throw 403/409/422. Pure apart from lookups. */
  decide: (r: RequestRow) => Promise<RequestChange>;
}

/** Checks `change` against `r` and writes it if the request is still at r.version. */
async function attempt(ctx: Ctx, db: Tx, r: RequestRow, change: Change): Promise<RequestRow | undefined> {
  change.authorize?.(r);
  checkIfMatch(ctx, r);
  const next = await change.decide(r);
  const updated = await updateRequest(db, r, next, actorOf(ctx).id, auditMeta(ctx));
  if (updated && updated.status !== r.status) ctx.services.metrics.transition(r.status, updated.status);
  return updated;
}

/**
 * Read, check, write only if nobody wrote in between (the version guard): two round
 * trips and no transaction, the common case. When somebody did, once more with the row
 * locked in a transaction, so the caller is judged against the request as it now is
 * (and loses with the 409 or 412 that state deserves) and cannot lose the race again:
 * however many edit one request at once, each gets an answer, none a 500.
 */
async function applyChange(ctx: Ctx, change: Change): Promise<Res> {
  const actor = actorOf(ctx);
  const { db } = ctx.services;
  const first = await load(ctx);
  const updated = await attempt(ctx, db, first, change)
    ?? await db.begin(async (tx) => {
      const locked = visible(ctx, await lockRequest(tx, first.id));
      const again = await attempt(ctx, tx, locked, change);
      if (!again) throw new Error(`request ${first.id} changed while locked`);
      return again;
    });
  return one(actor, updated);
}

/** The new assignee must be an active AGENT or ADMIN (the authenticated caller already is one, if not an EMPLOYEE). */
async function checkAssignee(ctx: Ctx, id: string | null, current: string | null): Promise<void> {
  const actor = actorOf(ctx);
  if (id === null || id === current || (id === actor.id && actor.role !== 'EMPLOYEE')) return;
  const user = await getUser(ctx.services.db, id);
  if (!user || !user.is_active || user.role === 'EMPLOYEE') {
    fail('validation_failed', 'the assignee must be an active AGENT or ADMIN', [{ path: 'assignee_id', message: 'must be an active AGENT or ADMIN' }]);
  }
}

/** POST /requests */
export async function createRequest(ctx: Ctx) {
  const actor = actorOf(ctx);
  const input = parse(CreateRequestSchema, ctx.body);
  return idempotent(ctx, {}, async (tx) => {
    const r = await insertRequest(tx, input, actor.id, auditMeta(ctx));
    ctx.services.metrics.requestCreated();
    return one(actor, r!, 201, { Location: `/requests/${r!.public_id}` });
  });
}

/** GET /requests */
export async function listRequestsHandler(ctx: Ctx) {
  const actor = actorOf(ctx);
  const q = parse(ListRequestsQuery, queryObject(ctx), 'invalid_query');
  const { limit, after } = pageArgs(q);
  let creator = q.created_by === 'me' ? actor.id : q.created_by ?? null;
  if (actor.role === 'EMPLOYEE') {
    // An employee's list is their own requests; asking for someone else's finds nothing.
    if (creator !== null && creator !== actor.id) return json(200, { items: [], next_cursor: null });
    creator = actor.id;
  }
  const assignee = q.assignee_id === 'me' ? actor.id : q.assignee_id === 'none' ? null : q.assignee_id ?? null;
  const rows = await listRequests(ctx.services.db, {
    statuses: q.status ?? null, priority: q.priority ?? null, unassigned: q.assignee_id === 'none', assignee,
    creator, q: q.q ?? null, createdAfter: q.created_after ?? null, createdBefore: q.created_before ?? null,
    after, limit: limit + 1,
  });
  return jsonText(200, pageText(rows, limit, requestJson(actor)));
}

/** GET /requests/:ref */
export async function getRequestHandler(ctx: Ctx) {
  noQuery(ctx);
  return one(actorOf(ctx), await load(ctx));
}

/** PATCH /requests/:ref — title, description, priority. */
export async function updateRequestHandler(ctx: Ctx) {
  const actor = actorOf(ctx);
  const input = parse(UpdateRequestSchema, ctx.body);
  return applyChange(ctx, {
    authorize: (r) => {
      if (!mayEdit(actor, r)) fail('forbidden', 'you may not edit this request');
    },
    decide: async (r) => {
      if (isTerminal(r.status)) fail('status_is_terminal', `the request is ${r.status} and cannot change`);
      return { patch: input, action: 'request.updated', comment: null };
    },
  });
}

/** PATCH /requests/:ref/status — machine first, then role rules, then the assignee rule. */
export async function changeStatus(ctx: Ctx) {
  const actor = actorOf(ctx);
  const input = parse(ChangeStatusSchema, ctx.body);
  return applyChange(ctx, {
    decide: async (r) => {
      const machine = transitionError(r.status, input.status);
      if (machine) fail(machine, `cannot move ${r.public_id} from ${r.status} to ${input.status}`);
      const assignee = assigneeAfterMove(actor, r, input.status, input.assignee_id);
      if (!mayMove(actor, r, input.status, assignee)) fail('forbidden', `you may not move ${r.public_id} to ${input.status}`);
      if (input.status === 'IN_PROGRESS' && assignee === null) {
        fail('in_progress_requires_assignee', 'a request in progress needs an assignee');
      }
      await checkAssignee(ctx, assignee, r.assignee_id);
      return { patch: { status: input.status, assignee_id: assignee }, action: 'request.status_changed', comment: input.comment ?? null };
    },
  });
}

/** PATCH /requests/:ref/assignee */
export async function changeAssignee(ctx: Ctx) {
  const actor = actorOf(ctx);
  const { assignee_id } = parse(AssignSchema, ctx.body);
  return applyChange(ctx, {
    authorize: (r) => {
      if (!mayAssign(actor, r, assignee_id)) fail('forbidden', 'you may not change who works on this request');
    },
    decide: async (r) => {
      if (isTerminal(r.status)) fail('status_is_terminal', `the request is ${r.status} and cannot change`);
      if (assignee_id === null && r.status === 'IN_PROGRESS') {
        fail('in_progress_requires_assignee', 'a request in progress needs an assignee');
      }
      await checkAssignee(ctx, assignee_id, r.assignee_id);
      return { patch: { assignee_id }, action: 'request.assigned', comment: null };
    },
  });
}

/** GET /requests/:ref/history — oldest first. */
export async function requestHistoryHandler(ctx: Ctx) {
  const actor = actorOf(ctx);
  const { limit, after } = pageQuery(ctx);
  const r = await load(ctx);
  const rows = await requestHistory(ctx.services.db, r.id, {
    internal: actor.role !== 'EMPLOYEE', network: actor.role === 'ADMIN', after, limit: limit + 1,
  });
  return json(200, page(rows, limit, auditView));
}

/** POST /requests/:ref/comments */
export async function addComment(ctx: Ctx) {
  const actor = actorOf(ctx);
  const input = parse(CommentSchema, ctx.body);
  const r = await load(ctx);
  if (input.internal && actor.role === 'EMPLOYEE') fail('forbidden', 'only agents and admins may write internal notes');
  return idempotent(ctx, { entity: r.id }, async (tx) => {
    const c = await insertComment(tx, { request_id: r.id, author_id: actor.id, ...input }, auditMeta(ctx));
    return json(201, commentView(c!));
  });
}

/** GET /requests/:ref/comments — newest first; employees never see internal notes. */
export async function listCommentsHandler(ctx: Ctx) {
  const actor = actorOf(ctx);
  const { limit, after } = pageQuery(ctx);
  const r = await load(ctx);
  const rows = await listComments(ctx.services.db, r.id, { internal: actor.role !== 'EMPLOYEE', after, limit: limit + 1 });
  return json(200, page(rows, limit, commentView));
}
