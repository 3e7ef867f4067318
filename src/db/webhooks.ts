// One typed function per statement in sql/queries/webhooks.
import { one, query, type Tx } from './index.ts';
import type { Audit } from './users.ts';

export interface WebhookRow {
  seq: string; id: string; url: string; description: string; events: string[]; team_id: string | null;
  is_active: boolean; disabled_reason: string | null; secret_last4: string; created_at: Date; updated_at: Date;
}

export interface DeliveryRow {
  seq: string; id: string; event_id: string; event_type: string; status: 'pending' | 'succeeded' | 'failed';
  attempts: number; next_attempt_at: Date; last_attempt_at: Date | null; last_response_status: number | null;
  last_duration_ms: number | null; last_error: string | null; created_at: Date;
}

export interface AttemptRow { at: Date; response_status: number | null; duration_ms: number; error: string | null; response_excerpt: string | null }

export interface WebhookFields { url: string; description: string; events: string[]; team_id: string | null }

export const insertWebhook = (db: Tx, w: WebhookFields, secret: string, actorId: string, audit: Audit) =>
  one<WebhookRow>(db, 'webhooks/insert_webhook', [w.url, w.description, w.events, w.team_id, secret, actorId, ...audit]);

export const getWebhook = (db: Tx, id: string) => one<WebhookRow>(db, 'webhooks/get_webhook', [id]);

export const listWebhooks = (db: Tx, p: { after: string | null; limit: number }) =>
  query<WebhookRow>(db, 'webhooks/list_webhooks', [p.after, p.limit]);

/** Fields left undefined stay as they are; `team_id: null` clears the team. */
export const updateWebhook = (db: Tx, id: string, c: Partial<WebhookFields> & { is_active?: boolean }, actorId: string, audit: Audit) =>
  one<WebhookRow>(db, 'webhooks/update_webhook', [
    id, c.url ?? null, c.description ?? null, c.events ?? null, c.team_id !== undefined, c.team_id ?? null, c.is_active ?? null, actorId, ...audit,
  ]);

export const deleteWebhook = (db: Tx, id: string, actorId: string, audit: Audit) =>
  one<{ id: string }>(db, 'webhooks/delete_webhook', [id, actorId, ...audit]);

export const rotateWebhookSecret = (db: Tx, id: string, secret: string, actorId: string, audit: Audit) =>
  one<{ id: string; secret_last4: string; previous_secret_expires_at: Date }>(db, 'webhooks/rotate_webhook_secret', [id, secret, actorId, ...audit]);

export const pingWebhook = (db: Tx, id: string, actorId: string) => one<{ id: string }>(db, 'webhooks/ping_webhook', [id, actorId]);

/** Planned per call: with or without the status filter. */
export const listDeliveries = (db: Tx, webhookId: string, f: { status: string | null; after: string | null; limit: number }) =>
  query<DeliveryRow>(db, 'webhooks/list_webhook_deliveries', [webhookId, f.status, f.after, f.limit], true);

export const getDelivery = (db: Tx, webhookId: string, id: string) => one<DeliveryRow>(db, 'webhooks/get_webhook_delivery', [webhookId, id]);

export const listAttempts = (db: Tx, deliveryId: string) => query<AttemptRow>(db, 'webhooks/list_webhook_attempts', [deliveryId]);

export const redeliver = (db: Tx, webhookId: string, id: string) => one<DeliveryRow>(db, 'webhooks/redeliver_webhook_delivery', [webhookId, id]);

// The delivery worker's statements (src/worker/webhooks.ts).

export interface DueWebhook { id: string; url: string; secret: string; previous_secret: string | null }

export const lockFanOutWebhooks = (db: Tx, skip: string[], limit: number) => query<DueWebhook>(db, 'webhooks/lock_fan_out_webhooks', [skip, limit]);

export interface ClaimedDelivery {
  id: string; webhook_id: string; lease: string; attempts: number;
  event_id: string; type: string; created_at: Date; actor_id: string | null; actor_name: string | null;
  /** The event's data as JSON text. */
  data: string;
}

/** Room: how many new deliveries of each endpoint (locked by lockFanOutWebhooks in this transaction) to lease to `owner`. */
export async function fanOutEvents(db: Tx, limit: number, room: { id: string; n: number }[], owner: string, leaseMs: number) {
  const rows = await query<{ locked: number; events: number; deliveries: number } & ({ id: null } | ClaimedDelivery)>(db, 'webhooks/fan_out_events', [
    limit, room.map((r) => r.id), room.map((r) => r.n), owner, leaseMs,
  ]);
  const { locked, events, deliveries } = rows[0];
  return { locked, events, deliveries, leased: rows.filter((r): r is typeof r & ClaimedDelivery => r.id !== null) };
}

export const lockDueWebhooks = (db: Tx, skip: string[], limit: number) => query<DueWebhook>(db, 'webhooks/lock_due_webhooks', [skip, limit]);

export const claimDeliveries = (db: Tx, want: { id: string; n: number }[], owner: string, leaseMs: number) =>
  query<ClaimedDelivery>(db, 'webhooks/claim_webhook_deliveries', [want.map((w) => w.id), want.map((w) => w.n), owner, leaseMs]);

export type Outcome = 'succeeded' | 'retry' | 'failed' | 'gone' | 'release';

export interface AttemptResult {
  id: string; lease: string; at: Date; response_status: number | null; duration_ms: number; error: string | null;
  excerpt: string | null; outcome: Outcome; delay_ms: number;
}

export const recordAttempts = async (db: Tx, results: AttemptResult[], disableAfter: number) =>
  (await one<{ recorded: number; disabled: { id: string; url: string; reason: string }[] }>(db, 'webhooks/record_webhook_attempts', [
    results.map((r) => r.id), results.map((r) => r.lease), results.map((r) => r.at.toISOString()), results.map((r) => r.response_status),
    results.map((r) => r.duration_ms), results.map((r) => r.error), results.map((r) => r.excerpt), results.map((r) => r.outcome),
    results.map((r) => r.delay_ms), disableAfter,
  ]))!;

export const webhookBacklog = async (db: Tx) => (await one<{ pending: number; oldest_seconds: number }>(db, 'webhooks/webhook_backlog'))!;
