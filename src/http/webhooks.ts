// HTTP handlers for webhook endpoints and their delivery log: parse, call
// src/webhooks/actions.ts, shape the answer. Named after their route, like every handler.
import type { AttemptRow, DeliveryRow, WebhookRow } from '../db/webhooks.ts';
import {
  createWebhook, deleteWebhook as removeWebhook, deliveryDetail, findWebhook, listDeliveries, listWebhooks, pingWebhook,
  redeliver, rotateSecret, updateWebhook,
} from '../webhooks/actions.ts';
import { CreateWebhookSchema, ListDeliveriesQuery, UpdateWebhookSchema } from '../webhooks/schemas.ts';
import { parse } from '../validation.ts';
import { actorOf, auditMeta, type Ctx, json, noBody, noQuery, page, pageArgs, pageQuery, queryObject } from './context.ts';

export const webhookView = (w: WebhookRow) => ({
  id: w.id, url: w.url, description: w.description, events: w.events, team_id: w.team_id, is_active: w.is_active,
  disabled_reason: w.disabled_reason, secret_last4: w.secret_last4, created_at: w.created_at, updated_at: w.updated_at,
});

export const deliveryView = (d: DeliveryRow) => ({
  id: d.id, event_id: d.event_id, event_type: d.event_type, status: d.status, attempts: d.attempts,
  next_attempt_at: d.status === 'pending' ? d.next_attempt_at : null,
  last_attempt: d.last_attempt_at
    ? { at: d.last_attempt_at, response_status: d.last_response_status, duration_ms: d.last_duration_ms, error: d.last_error }
    : null,
  created_at: d.created_at,
});

const attemptView = (a: AttemptRow) => ({
  at: a.at, response_status: a.response_status, duration_ms: a.duration_ms, error: a.error, response_excerpt: a.response_excerpt,
});

const guard = (ctx: Ctx) => ({ allowPrivate: ctx.services.config.WEBHOOK_ALLOW_PRIVATE });

/** POST /webhooks — 201 with the secret, shown this once. */
export async function postWebhooks(ctx: Ctx) {
  const actor = actorOf(ctx);
  const input = parse(CreateWebhookSchema, ctx.body);
  const { webhook, secret } = await createWebhook(ctx.services.db, actor, input, guard(ctx), auditMeta(ctx));
  return json(201, { ...webhookView(webhook), secret }, { Location: `/webhooks/${webhook.id}` });
}

/** GET /webhooks — newest first. */
export async function getWebhooks(ctx: Ctx) {
  const { limit, after } = pageQuery(ctx);
  const rows = await listWebhooks(ctx.services.db, actorOf(ctx), { after, limit: limit + 1 });
  return json(200, page(rows, limit, webhookView));
}

/** GET /webhooks/:id */
export async function getWebhook(ctx: Ctx) {
  noQuery(ctx);
  return json(200, webhookView(await findWebhook(ctx.services.db, actorOf(ctx), ctx.params.id)));
}

/** PATCH /webhooks/:id — enabling clears disabled_reason. */
export async function patchWebhook(ctx: Ctx) {
  const input = parse(UpdateWebhookSchema, ctx.body);
  return json(200, webhookView(await updateWebhook(ctx.services.db, actorOf(ctx), ctx.params.id, input, guard(ctx), auditMeta(ctx))));
}

/** DELETE /webhooks/:id — its pending deliveries are dropped. */
export async function deleteWebhook(ctx: Ctx) {
  noQuery(ctx);
  await removeWebhook(ctx.services.db, actorOf(ctx), ctx.params.id, auditMeta(ctx));
  return { status: 204 };
}

/** POST /webhooks/:id/secret/rotate — the new secret, shown this once; the old one signs for 24 hours more. */
export async function postWebhookSecretRotate(ctx: Ctx) {
  noBody(ctx);
  return json(200, await rotateSecret(ctx.services.db, actorOf(ctx), ctx.params.id, auditMeta(ctx)));
}

/** POST /webhooks/:id/ping — 202; a webhook.ping for this endpoint only. */
export async function postWebhookPing(ctx: Ctx) {
  noBody(ctx);
  return json(202, { event_id: await pingWebhook(ctx.services.db, actorOf(ctx), ctx.params.id) });
}

/** GET /webhooks/:id/deliveries — newest first; filter status. */
export async function getWebhookDeliveries(ctx: Ctx) {
  const actor = actorOf(ctx);
  const q = parse(ListDeliveriesQuery, queryObject(ctx), 'invalid_query');
  const { limit, after } = pageArgs(q);
  const rows = await listDeliveries(ctx.services.db, actor, ctx.params.id, q, { after, limit: limit + 1 });
  return json(200, page(rows, limit, deliveryView));
}

/** GET /webhooks/:id/deliveries/:delivery_id — with every attempt, oldest first. */
export async function getWebhookDelivery(ctx: Ctx) {
  noQuery(ctx);
  const { delivery, attempts } = await deliveryDetail(ctx.services.db, actorOf(ctx), ctx.params.id, ctx.params.delivery_id);
  return json(200, { ...deliveryView(delivery), attempts: attempts.map(attemptView) });
}

/** POST /webhooks/:id/deliveries/:delivery_id/redeliver — 202; a new attempt now. */
export async function postWebhookDeliveryRedeliver(ctx: Ctx) {
  noBody(ctx);
  return json(202, deliveryView(await redeliver(ctx.services.db, actorOf(ctx), ctx.params.id, ctx.params.delivery_id)));
}
