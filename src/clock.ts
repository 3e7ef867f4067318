// Time, injected: every rule that depends on how much time has passed (the auth cache,
// rate limits, the failed-authentication window, background loops) asks a Clock, so a
// test moves time instead of sleeping (test/clock.test.ts).
export interface Clock { now(): number }

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until told to move: for tests. */
export function manualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}
