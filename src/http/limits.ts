// In-process rate limits. Each instance keeps its own buckets (see README, "Scaling out").
// Time comes from the injected clock (src/clock.ts).
import type { Clock } from '../clock.ts';

/** Token buckets: `rps` tokens a second up to `burst`. rps 0 turns the limit off. */
export function tokenBuckets(rps: number, burst: number, clock: Clock) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const capacity = Math.max(burst, 1);
  let sweepAt = clock.now() + 60_000;
  return {
    enabled: rps > 0,
    /** Takes one token; answers what the RateLimit-* headers need. */
    take(key: string, now = clock.now()): { ok: boolean; remaining: number; resetSeconds: number; retryAfter: number } {
      if (now > sweepAt) {
        // Full buckets carry no information: drop them so the map stays small.
        for (const [k, b] of buckets) if (b.tokens + ((now - b.at) / 1000) * rps >= capacity) buckets.delete(k);
        sweepAt = now + 60_000;
      }
      const b = buckets.get(key) ?? { tokens: capacity, at: now };
      b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * rps);
      b.at = now;
      const ok = b.tokens >= 1;
      if (ok) b.tokens -= 1;
      buckets.set(key, b);
      return {
        ok,
        remaining: Math.floor(b.tokens),
        resetSeconds: Math.ceil((capacity - b.tokens) / rps),
        retryAfter: ok ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / rps)),
      };
    },
  };
}

/** Failed authentications per IP in a sliding minute; `limit` 0 turns it off. */
export function failureWindow(limit: number, clock: Clock, windowMs = 60_000) {
  const hits = new Map<string, number[]>();
  const recent = (ip: string, now: number) => (hits.get(ip) ?? []).filter((t) => now - t < windowMs);
  return {
    /** Seconds until this IP may try again, or 0 when it may now. */
    blockedFor(ip: string, now = clock.now()): number {
      if (limit === 0) return 0;
      const list = recent(ip, now);
      if (list.length === 0) hits.delete(ip);
      return list.length >= limit ? Math.max(1, Math.ceil((list[0] + windowMs - now) / 1000)) : 0;
    },
    record(ip: string, now = clock.now()): void {
      if (limit === 0) return;
      const list = recent(ip, now);
      list.push(now);
      hits.set(ip, list.slice(-limit));
    },
  };
}
