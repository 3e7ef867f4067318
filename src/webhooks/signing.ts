// Standard Webhooks 1.0 signatures: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`,
// key = the base64-decoded part of the secret after `whsec_`; during a rotation's overlap
// both secrets sign, space-separated, so a receiver with either one verifies.
import crypto from 'node:crypto';

/** `whsec_` + base64 of 32 random bytes, shown once. */
export const newWebhookSecret = () => `whsec_${crypto.randomBytes(32).toString('base64')}`;

// Each endpoint's keys, decoded once rather than on every attempt (a rotation brings a new one).
const keys = new Map<string, crypto.KeyObject>();

function keyOf(secret: string): crypto.KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= 10_000) keys.clear();
    keys.set(secret, (key = crypto.createSecretKey(Buffer.from(secret.slice('whsec_'.length), 'base64'))));
  }
  return key;
}

export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = keyOf(secret);
  return `v1,${crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The webhook-* headers of one attempt, signed with every secret given (newest first). */
export function webhookHeaders(secrets: string[], id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => sign(s, id, timestamp, body)).join(' '),
  };
}
