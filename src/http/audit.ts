// The audit log as the API shows it: GET /audit-logs, and the entry view that request
// histories use too.
import * as v from 'valibot';
import { type AuditRow, listAuditLogs } from '../db/audit.ts';
import { fail } from '../errors.ts';
import { PAGE_FIELDS, parse, timestamp, uuid } from '../validation.ts';
import { actorOf, type Ctx, json, page, pageArgs, queryObject } from './context.ts';

export const auditView = (a: AuditRow) => ({
  id: a.id, actor: a.actor_id ? { id: a.actor_id, full_name: a.actor_name } : null, action: a.action,
  entity_type: a.entity_type, entity_id: a.entity_id, changes: a.changes, request_id: a.request_id,
  ip: a.ip, user_agent: a.user_agent, created_at: a.created_at,
});

const AuditQuery = v.strictObject({
  actor_id: v.optional(uuid()),
  entity_type: v.optional(v.picklist(['user', 'request', 'comment', 'team', 'attachment', 'sla_policy', 'webhook'], 'must be user, request, comment, team, attachment, sla_policy or webhook')),
  entity_id: v.optional(uuid()),
  action: v.optional(v.pipe(v.string(), v.regex(/^[a-z_]+\.[a-z_]+$/, 'must look like request.created'))),
  since: v.optional(timestamp()),
  until: v.optional(timestamp()),
  ...PAGE_FIELDS,
});

/** GET /audit-logs — ADMIN only; newest first. */
export async function getAuditLogs(ctx: Ctx) {
  const actor = actorOf(ctx);
  const q = parse(AuditQuery, queryObject(ctx), 'invalid_query');
  if (actor.role !== 'ADMIN') fail('forbidden', 'only an ADMIN may read the audit log');
  const { limit, after } = pageArgs(q);
  const rows = await listAuditLogs(ctx.services.db, {
    actor: q.actor_id ?? null, entityType: q.entity_type ?? null, entityId: q.entity_id ?? null, action: q.action ?? null,
    since: q.since ?? null, until: q.until ?? null, after, limit: limit + 1,
  });
  return json(200, page(rows, limit, auditView));
}
