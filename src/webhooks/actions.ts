// The webhook operations every way in calls: (db, actor, id, input, audit) → rows. No HTTP
// here. Every change to an endpoint is audited and emits no event (API.md); the secret
// is returned once, on create and on rotation, and never again.
import type { Tx } from '../db/index.ts';
import { getTeam } from '../db/teams.ts';
import type { Audit } from '../db/users.ts';
import {
  type AttemptRow, deleteWebhook as removeWebhook, type DeliveryRow, getDelivery, getWebhook, insertWebhook, listAttempts,
  listDeliveries as selectDeliveries, listWebhooks as selectWebhooks, pingWebhook as queuePing, redeliver as queueRedelivery,
  rotateWebhookSecret, updateWebhook as writeWebhook, type WebhookRow,
} from '../db/webhooks.ts';
import { AppError, fail } from '../errors.ts';
import type { Actor } from '../users/keys.ts';
import { idOf } from '../validation.ts';
import { checkWebhookUrl, mayManageWebhooks } from './policy.ts';
import type { CreateWebhookInput, ListDeliveriesInput, UpdateWebhookInput } from './schemas.ts';
import { newWebhookSecret } from './signing.ts';

export interface Page { limit: number; after: string | null }
export interface Guard { allowPrivate: boolean }

const requireAdmin = (actor: Actor) => {
  if (!mayManageWebhooks(actor)) fail('forbidden', 'only an ADMIN may manage webhooks');
};

/** The endpoint behind `ref`, or 404; the ADMIN check comes after (API.md, "Order of checks"). */
export async function findWebhook(db: Tx, actor: Actor, ref: string): Promise<WebhookRow> {
  const id = idOf(ref);
  const w = id ? await getWebhook(db, id) : undefined;
  if (!w) throw new AppError('not_found', `no webhook ${ref}`);
  requireAdmin(actor);
  return w;
}

/** An endpoint limited to a team names a team that exists (an archived one too: its events are history). */
async function checkTeam(db: Tx, teamId: string | null): Promise<void> {
  if (teamId !== null && !(await getTeam(db, teamId))) fail('validation_failed', 'team_id must name a team', [{ path: 'team_id', message: 'is not a team' }]);
}

export async function createWebhook(db: Tx, actor: Actor, input: CreateWebhookInput, guard: Guard, audit: Audit): Promise<{ webhook: WebhookRow; secret: string }> {
  requireAdmin(actor);
  await checkWebhookUrl(input.url, guard.allowPrivate);
  await checkTeam(db, input.team_id);
  const secret = newWebhookSecret();
  return { webhook: (await insertWebhook(db, input, secret, actor.id, audit))!, secret };
}

export async function listWebhooks(db: Tx, actor: Actor, page: Page): Promise<WebhookRow[]> {
  requireAdmin(actor);
  return selectWebhooks(db, page);
}

export async function updateWebhook(db: Tx, actor: Actor, ref: string, input: UpdateWebhookInput, guard: Guard, audit: Audit): Promise<WebhookRow> {
  const { id } = await findWebhook(db, actor, ref);
  if (input.url !== undefined) await checkWebhookUrl(input.url, guard.allowPrivate);
  if (input.team_id) await checkTeam(db, input.team_id);
  const w = await writeWebhook(db, id, input, actor.id, audit);
  if (!w) throw new AppError('not_found', `no webhook ${ref}`);
  return w;
}

/** Its pending deliveries go with it. */
export async function deleteWebhook(db: Tx, actor: Actor, ref: string, audit: Audit): Promise<void> {
  const { id } = await findWebhook(db, actor, ref);
  if (!(await removeWebhook(db, id, actor.id, audit))) throw new AppError('not_found', `no webhook ${ref}`);
}

/** A new secret, shown once; the old one keeps signing for 24 hours. */
export async function rotateSecret(db: Tx, actor: Actor, ref: string, audit: Audit) {
  const { id } = await findWebhook(db, actor, ref);
  const secret = newWebhookSecret();
  const row = await rotateWebhookSecret(db, id, secret, actor.id, audit);
  if (!row) throw new AppError('not_found', `no webhook ${ref}`);
  return { secret, secret_last4: row.secret_last4, previous_secret_expires_at: row.previous_secret_expires_at };
}

/**
 * Why a ping or redelivery queued nothing. Its statement queues nothing for a disabled
 * endpoint, which is sent nothing: queued, it would wait pending until the endpoint is
 * enabled, where the caller was told "a new attempt now" (docs/openapi.json). Else what
 * it named is gone.
 */
async function nothingQueued(db: Tx, id: string, missing: string): Promise<never> {
  const w = await getWebhook(db, id);
  if (w && !w.is_active) fail('webhook_inactive', `webhook ${id} is disabled${w.disabled_reason ? ` (${w.disabled_reason})` : ''}; enable it first (PATCH is_active: true)`);
  throw new AppError('not_found', missing);
}

/** Queues a webhook.ping for this endpoint only; returns the event's id (its webhook-id). */
export async function pingWebhook(db: Tx, actor: Actor, ref: string): Promise<string> {
  const { id } = await findWebhook(db, actor, ref);
  const row = await queuePing(db, id, actor.id);
  return row ? row.id : nothingQueued(db, id, `no webhook ${ref}`);
}

export async function listDeliveries(db: Tx, actor: Actor, ref: string, q: ListDeliveriesInput, page: Page): Promise<DeliveryRow[]> {
  const { id } = await findWebhook(db, actor, ref);
  return selectDeliveries(db, id, { status: q.status ?? null, ...page });
}

async function findDelivery(db: Tx, actor: Actor, ref: string, deliveryRef: string): Promise<DeliveryRow & { webhook_id: string }> {
  const { id } = await findWebhook(db, actor, ref);
  const deliveryId = idOf(deliveryRef);
  const d = deliveryId ? await getDelivery(db, id, deliveryId) : undefined;
  if (!d) throw new AppError('not_found', `no delivery ${deliveryRef} of webhook ${ref}`);
  return { ...d, webhook_id: id };
}

/** A delivery with every attempt made, oldest first. */
export async function deliveryDetail(db: Tx, actor: Actor, ref: string, deliveryRef: string): Promise<{ delivery: DeliveryRow; attempts: AttemptRow[] }> {
  const delivery = await findDelivery(db, actor, ref, deliveryRef);
  return { delivery, attempts: await listAttempts(db, delivery.id) };
}

/** A new attempt now, also for a failed delivery; the delivery as it is now (pending). */
export async function redeliver(db: Tx, actor: Actor, ref: string, deliveryRef: string): Promise<DeliveryRow> {
  const d = await findDelivery(db, actor, ref, deliveryRef);
  return (await queueRedelivery(db, d.webhook_id, d.id)) ?? nothingQueued(db, d.webhook_id, `no delivery ${deliveryRef} of webhook ${ref}`);
}
