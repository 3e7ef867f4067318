// What an attempt's answer means for its delivery (API.md, "Events and webhooks"): a 2xx
// succeeds; 410 disables the endpoint; 429 and 503 wait as Retry-After says (at most an
// hour); anything else, a redirect, a timeout or a refused address waits the next step of
// WEBHOOK_RETRY_SCHEDULE with ±10% jitter, and after its last step the delivery is failed.
import type { Outcome } from '../db/webhooks.ts';

const HOUR_MS = 3_600_000;

/** Retry-After as milliseconds (seconds or an HTTP date), at most an hour; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, nowMs: number): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d{1,10}$/.test(value)) return Math.min(Number(value) * 1000, HOUR_MS);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(at - nowMs, 0), HOUR_MS);
}

/** ±10%, so that endpoints that failed together are not all retried at the same moment. */
export const jitter = (ms: number, random = Math.random) => Math.round(ms * (0.9 + 0.2 * random()));

export interface Verdict { outcome: Exclude<Outcome, 'release'>; delayMs: number }

/**
 * `attempts` counts this one too. A schedule of n waits allows n + 1 attempts in all.
 * `status` is null when no answer came (timeout, refused connection, refused address).
 */
export function verdict(status: number | null, retryAfter: string | undefined, attempts: number, schedule: number[], nowMs: number, random = Math.random): Verdict {
  if (status !== null && status >= 200 && status < 300) return { outcome: 'succeeded', delayMs: 0 };
  if (status === 410) return { outcome: 'gone', delayMs: 0 };
  if (attempts > schedule.length) return { outcome: 'failed', delayMs: 0 };
  const asked = status === 429 || status === 503 ? retryAfterMs(retryAfter, nowMs) : null;
  return { outcome: 'retry', delayMs: asked ?? jitter(schedule[attempts - 1], random) };
}
