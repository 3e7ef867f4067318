// HTTP handlers for requests, their status, assignee, comments and history: parse, call
// the workflow (src/requests/actions.ts), shape the answer. Named after their route
// (method, then the path's nouns; an item route is singular), like every handler.
import type { CommentRow, RequestDoc, RequestRow } from '../db/requests.ts';
import {
  addComment, assignRequest, changeStatus, changeTeam, type Changed, checkComment, countViews, createRequest, editRequest, etagOf, findRequest,
  listComments, listRequests, requestHistory,
} from '../requests/actions.ts';
import { allowedTransitions } from '../requests/policy.ts';
import {
  AssignSchema, ChangeStatusSchema, ChangeTeamSchema, CommentSchema, CreateRequestSchema, ListRequestsQuery, type ListRequestsInput,
  UpdateRequestSchema,
} from '../requests/schemas.ts';
import { fail } from '../errors.ts';
import type { Actor } from '../users/keys.ts';
import { parse } from '../validation.ts';
import { auditView } from './audit.ts';
import {
  actorOf, auditMeta, type Ctx, header, json, jsonText, noQuery, page, pageArgs, pageQuery, pageText, queryObject, type Res,
} from './context.ts';
import { idempotent } from './idempotency.ts';

/** A request as this caller sees it: PostgreSQL's JSON of it, plus what the caller may do next. */
const requestJson = (actor: Actor) => (r: Omit<RequestDoc, 'seq'>) =>
  `${r.doc.slice(0, -1)},"allowed_transitions":${JSON.stringify(allowedTransitions(actor, r))}}`;

export const commentView = (c: CommentRow) => ({
  id: c.id, request_id: c.request_id, author: { id: c.author_id, full_name: c.author_name },
  body: c.body, internal: c.internal, created_at: c.created_at,
});

const one = (actor: Actor, r: RequestRow, status = 200, headers: Record<string, string> = {}): Res =>
  jsonText(status, requestJson(actor)(r), { ETag: etagOf(r), ...headers });

const meta = (ctx: Ctx) => ({ ifMatch: header(ctx, 'if-match'), audit: auditMeta(ctx) });

function changed(ctx: Ctx, c: Changed): Res {
  if (c.request.status !== c.from) ctx.services.metrics.transition(c.from, c.request.status);
  return one(actorOf(ctx), c.request);
}

/** POST /requests */
export async function postRequests(ctx: Ctx) {
  const actor = actorOf(ctx);
  const input = parse(CreateRequestSchema, ctx.body);
  return idempotent(ctx, {}, async (tx) => {
    const r = await createRequest(tx, actor, input, auditMeta(ctx));
    ctx.services.metrics.requestCreated();
    return one(actor, r, 201, { Location: `/requests/${r.public_id}` });
  });
}

/** GET /requests */
export async function getRequests(ctx: Ctx) {
  const actor = actorOf(ctx);
  const q = parse(ListRequestsQuery, queryObject(ctx), 'invalid_query');
  const { limit, after } = listPageArgs(q);
  const rows = await listRequests(ctx.services.db, actor, q, { after, limit: limit + 1 }, new Date(ctx.services.clock.now()));
  return jsonText(200, pageText(rows, limit, requestJson(actor)));
}

/**
 * GET /requests/counts — the console's view counts: open requests the caller may see, in
 * the queue (NEW, unassigned), assigned to the caller, and all open; in total and per team.
 */
export async function getRequestCounts(ctx: Ctx) {
  noQuery(ctx);
  const rows = await countViews(ctx.services.db, actorOf(ctx));
  const sum = (k: 'queue' | 'my_work' | 'open') => rows.reduce((n, r) => n + r[k], 0);
  return json(200, {
    queue: sum('queue'), my_work: sum('my_work'), open: sum('open'),
    teams: rows.map((r) => ({ team: r.team_id ? { id: r.team_id, name: r.team_name } : null, queue: r.queue, my_work: r.my_work, open: r.open })),
  });
}

// The cursor of a list by priority or due time holds that key beside the number (the `seq`
// of list_requests_sorted.sql): `p:rank,number`, `d:due,number` ('infinity': no clock runs).
const SORTED_CURSOR = {
  '-priority': /^p:[1-4],\d{1,18}$/,
  due: /^d:(?:infinity|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z),\d{1,18}$/,
};

/** limit and cursor of GET /requests, for its order. */
function listPageArgs(q: ListRequestsInput): { limit: number; after: string | null } {
  if (q.sort !== '-priority' && q.sort !== 'due') return pageArgs(q);
  const { limit } = pageArgs({ limit: q.limit });
  if (q.cursor === undefined) return { limit, after: null };
  const decoded = /^[A-Za-z0-9_-]{1,80}$/.test(q.cursor) ? Buffer.from(q.cursor, 'base64url').toString('utf8') : '';
  const key = decoded.startsWith('s:') ? decoded.slice(2) : '';
  if (!SORTED_CURSOR[q.sort].test(key)) fail('invalid_query', `cursor is not one this API gave out for sort=${q.sort}`, [{ path: 'cursor', message: 'is malformed' }]);
  return { limit, after: key };
}

/** GET /requests/:ref */
export async function getRequest(ctx: Ctx) {
  noQuery(ctx);
  const actor = actorOf(ctx);
  return one(actor, await findRequest(ctx.services.db, actor, ctx.params.ref));
}

/** PATCH /requests/:ref — title, description, priority. */
export async function patchRequest(ctx: Ctx) {
  const input = parse(UpdateRequestSchema, ctx.body);
  return changed(ctx, await editRequest(ctx.services.db, actorOf(ctx), ctx.params.ref, input, meta(ctx)));
}

/** PATCH /requests/:ref/status */
export async function patchRequestStatus(ctx: Ctx) {
  const input = parse(ChangeStatusSchema, ctx.body);
  return changed(ctx, await changeStatus(ctx.services.db, actorOf(ctx), ctx.params.ref, input, meta(ctx)));
}

/** PATCH /requests/:ref/assignee */
export async function patchRequestAssignee(ctx: Ctx) {
  const input = parse(AssignSchema, ctx.body);
  return changed(ctx, await assignRequest(ctx.services.db, actorOf(ctx), ctx.params.ref, input, meta(ctx)));
}

/** PATCH /requests/:ref/team */
export async function patchRequestTeam(ctx: Ctx) {
  const input = parse(ChangeTeamSchema, ctx.body);
  return changed(ctx, await changeTeam(ctx.services.db, actorOf(ctx), ctx.params.ref, input, meta(ctx)));
}

/** GET /requests/:ref/history — oldest first. */
export async function getRequestHistory(ctx: Ctx) {
  const { limit, after } = pageQuery(ctx);
  const rows = await requestHistory(ctx.services.db, actorOf(ctx), ctx.params.ref, { after, limit: limit + 1 });
  return json(200, page(rows, limit, auditView));
}

/** POST /requests/:ref/comments — the Idempotency-Key's scope is the request found, however {ref} names it. */
export async function postRequestComments(ctx: Ctx) {
  const actor = actorOf(ctx);
  const input = parse(CommentSchema, ctx.body);
  const r = await findRequest(ctx.services.db, actor, ctx.params.ref);
  checkComment(actor, r, input);
  return idempotent(ctx, { entity: r.id }, async (tx) => json(201, commentView(await addComment(tx, actor, r, input, auditMeta(ctx)))));
}

/** GET /requests/:ref/comments — newest first. */
export async function getRequestComments(ctx: Ctx) {
  const { limit, after } = pageQuery(ctx);
  const rows = await listComments(ctx.services.db, actorOf(ctx), ctx.params.ref, { after, limit: limit + 1 });
  return json(200, page(rows, limit, commentView));
}
