// SLA timers (API.md, "SLA"): sla.warning at warning_percent of a clock's business time and
// sla.breached at its due time, each exactly once per request and metric, sent by
// whichever instance gets there first (sql/queries/sla/fire_sla_timers.sql); on start,
// whatever came due while every instance was down. Time is the service's clock, so a test
// moves it instead of waiting.
import { fireSlaTimers } from '../db/sla.ts';
import type { Loop } from './index.ts';

const BATCH = 100;

export const slaTimers = (everyMs: number): Loop => ({
  name: 'sla',
  everyMs,
  async run({ db, clock, metrics }, signal) {
    for (;;) {
      const fired = await fireSlaTimers(db, new Date(clock.now()), BATCH);
      for (const t of fired) metrics.slaFired(t.kind, t.metric, t.priority);
      if (fired.length < BATCH || signal.aborted) return;
    }
  },
});
