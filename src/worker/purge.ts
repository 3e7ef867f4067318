// Retention: Idempotency-Key records after 24 hours (API.md, "Idempotency") and events
// after EVENT_RETENTION_DAYS. Deletes by age are safe when several instances run them.
import { purgeEvents } from '../db/events.ts';
import { purgeIdempotencyKeys } from '../db/idempotency.ts';
import type { Loop } from './index.ts';

export const purge: Loop = {
  name: 'purge',
  everyMs: 3_600_000,
  async run({ db, config }) {
    await purgeIdempotencyKeys(db);
    await purgeEvents(db, config.EVENT_RETENTION_DAYS);
  },
};
