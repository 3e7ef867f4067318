// HTTP handlers for the SLA policy: parse, call src/sla/actions.ts, answer. Named after
// their route, like every handler (src/http/requests.ts).
import { findPolicy, setPolicy } from '../sla/actions.ts';
import { SlaPolicySchema } from '../sla/schemas.ts';
import { parse } from '../validation.ts';
import { actorOf, auditMeta, type Ctx, json, noQuery } from './context.ts';

/** GET /sla-policy — any caller. */
export async function getSlaPolicy(ctx: Ctx) {
  noQuery(ctx);
  actorOf(ctx);
  return json(200, await findPolicy(ctx.services.db));
}

/** PUT /sla-policy — ADMIN; the whole policy, for requests filed from now on. */
export async function putSlaPolicy(ctx: Ctx) {
  const input = parse(SlaPolicySchema, ctx.body);
  return json(200, await setPolicy(ctx.services.db, actorOf(ctx), input, auditMeta(ctx)));
}
