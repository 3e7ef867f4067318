// Retention: Idempotency-Key records after 24 hours (API.md, "Idempotency"), events
// after EVENT_RETENTION_DAYS, and the shared limits' idle rows. Deletes by age are safe
// when several instances run them.
import { purgeEvents } from '../db/events.ts';
import { purgeIdempotencyKeys } from '../db/idempotency.ts';
import { AUTH_WINDOW_MS, purgeLimits } from '../db/limits.ts';
import type { Loop } from './index.ts';

export const purge: Loop = {
  name: 'purge',
  everyMs: 3_600_000,
  async run({ db, config, clock }) {
    await purgeIdempotencyKeys(db);
    await purgeEvents(db, config.EVENT_RETENTION_DAYS);
    if (config.RATE_LIMIT_STORE === 'postgres') {
      // A bucket untouched this long is full again, so forgetting it changes nothing.
      const refillMs = config.RATE_LIMIT_RPS > 0 ? (Math.max(config.RATE_LIMIT_BURST, 1) / config.RATE_LIMIT_RPS) * 1000 : 0;
      await purgeLimits(db, clock.now(), Math.max(3_600_000, refillMs), AUTH_WINDOW_MS);
    }
  },
};
