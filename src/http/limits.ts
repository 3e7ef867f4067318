// Rate limits: a token bucket per key, and failed authentications per client address in a
// sliding minute. Counted in PostgreSQL by default, so that every instance behind a load
// balancer shares them (RATE_LIMIT_STORE=postgres, sql/migrations/0010_shared_limits.sql),
// or in this process (memory: N instances allow N times the limit). Time comes from the
// injected clock (src/clock.ts).
import type { Clock } from '../clock.ts';
import type { Sql } from '../db/index.ts';
import { AUTH_WINDOW_MS, countAuthFailures, recordAuthFailure, takeTokens } from '../db/limits.ts';

export interface Take { ok: boolean; remaining: number; resetSeconds: number; retryAfter: number }

export interface Buckets {
  enabled: boolean;
  /** Takes one token; answers what the RateLimit-* headers need. */
  take(key: string): Promise<Take>;
}

export interface Failures {
  /** Seconds until this address may try again, or 0 when it may now. */
  blockedFor(ip: string): Promise<number>;
  record(ip: string): Promise<void>;
}

/** What a bucket holding `tokens` after a take tells the caller. */
function answer(ok: boolean, tokens: number, rps: number, capacity: number): Take {
  return {
    ok,
    remaining: Math.floor(tokens),
    resetSeconds: Math.ceil((capacity - tokens) / rps),
    retryAfter: ok ? 0 : Math.max(1, Math.ceil((1 - tokens) / rps)),
  };
}

/**
 * `rps` tokens a second up to `burst`, shared through PostgreSQL. rps 0 turns the limit off.
 *
 * One statement takes a token for a request; for a busy key it takes a few more at once
 * (a tenth of the rate, at most 10), which this instance hands to that key's next requests
 * for as long as they would have taken to refill (50 ms at least), and the key's requests that arrive while
 * a take is on its way wait for it rather than send their own. Tokens are taken from the
 * shared bucket before they are used, so over time a key never gets more than its rate,
 * however many instances serve it (a burst at most 9 a busy instance over `burst`); a token
 * an instance took and did not use in time is dropped (the limit is a little stricter for a
 * moment). Under a rate or burst of 20 every request takes its own.
 */
export function sharedBuckets(db: Sql, rps: number, burst: number, clock: Clock): Buckets {
  const capacity = Math.max(burst, 1);
  const lease = Math.max(1, Math.min(10, Math.floor(Math.min(rps, capacity) / 10)));
  // At least 50 ms, or at a high rate the spare tokens would expire before the next request.
  const leaseMs = Math.max(50, (lease / Math.max(rps, 1)) * 1000);
  const held = new Map<string, { left: number; tokens: number; until: number }>();
  const inFlight = new Map<string, Promise<{ tokens: number; taken: number }>>();
  let sweepAt = clock.now() + 60_000;
  const fromHeld = (key: string, now: number): Take | undefined => {
    const h = held.get(key);
    if (!h || h.left <= 0 || now >= h.until) return undefined;
    h.left--;
    return answer(true, h.tokens + h.left, rps, capacity);
  };
  return {
    enabled: rps > 0,
    async take(key) {
      for (;;) {
        const now = clock.now();
        if (now > sweepAt) {
          for (const [k, h] of held) if (h.until <= now) held.delete(k);
          sweepAt = now + 60_000;
        }
        const local = fromHeld(key, now);
        if (local) return local;
        const pending = inFlight.get(key);
        if (pending) {
          const { tokens, taken } = await pending;
          if (taken === 0) return answer(false, tokens, rps, capacity); // refused for all who waited
          continue; // its spare tokens, unless the others who waited used them first
        }
        const taking = takeTokens(db, key, rps, capacity, now, lease).finally(() => inFlight.delete(key));
        inFlight.set(key, taking);
        const { tokens, taken } = await taking;
        if (taken > 1) held.set(key, { left: taken - 1, tokens, until: now + leaseMs });
        return answer(taken >= 1, tokens + Math.max(taken - 1, 0), rps, capacity);
      }
    },
  };
}

/** Token buckets in this process. */
export function tokenBuckets(rps: number, burst: number, clock: Clock): Buckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const capacity = Math.max(burst, 1);
  let sweepAt = clock.now() + 60_000;
  const takeNow = (key: string): Take => {
    const now = clock.now();
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
    return answer(ok, b.tokens, rps, capacity);
  };
  return { enabled: rps > 0, take: async (key) => takeNow(key) };
}

/** Failed authentications per address in a sliding minute, shared through PostgreSQL; `limit` 0 turns it off. */
export function sharedFailureWindow(db: Sql, limit: number, clock: Clock, windowMs = AUTH_WINDOW_MS): Failures {
  return {
    async blockedFor(ip) {
      if (limit === 0) return 0;
      const now = clock.now();
      const { n, oldest } = await countAuthFailures(db, ip, now, windowMs);
      return n >= limit ? Math.max(1, Math.ceil((Number(oldest) + windowMs - now) / 1000)) : 0;
    },
    async record(ip) {
      if (limit === 0) return;
      await recordAuthFailure(db, ip, clock.now(), windowMs, limit);
    },
  };
}

/** Failed authentications per address in a sliding minute, in this process. */
export function failureWindow(limit: number, clock: Clock, windowMs = AUTH_WINDOW_MS): Failures {
  const hits = new Map<string, number[]>();
  const recent = (ip: string, now: number) => (hits.get(ip) ?? []).filter((t) => now - t < windowMs);
  return {
    async blockedFor(ip) {
      if (limit === 0) return 0;
      const now = clock.now();
      const list = recent(ip, now);
      if (list.length === 0) hits.delete(ip);
      return list.length >= limit ? Math.max(1, Math.ceil((list[0] + windowMs - now) / 1000)) : 0;
    },
    async record(ip) {
      if (limit === 0) return;
      const now = clock.now();
      const list = recent(ip, now);
      list.push(now);
      hits.set(ip, list.slice(-limit));
    },
  };
}
