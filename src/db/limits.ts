// One typed function per statement in sql/queries/limits (the shared limits, 0010_shared_limits.sql).
import { one, query, type Tx } from './index.ts';

/** The sliding window the failed-authentication limit counts in. */
export const AUTH_WINDOW_MS = 60_000;

export const takeTokens = async (db: Tx, key: string, rps: number, capacity: number, now: number, most: number) =>
  (await one<{ tokens: number; taken: number }>(db, 'limits/take_token', [key, rps, capacity, now, most]))!;

export const countAuthFailures = async (db: Tx, ip: string, now: number, windowMs: number) =>
  (await one<{ n: number; oldest: string | null }>(db, 'limits/count_auth_failures', [ip, now, windowMs]))!;

export const recordAuthFailure = (db: Tx, ip: string, now: number, windowMs: number, keep: number) =>
  query(db, 'limits/record_auth_failure', [ip, now, windowMs, keep]);

export const purgeLimits = (db: Tx, now: number, bucketIdleMs: number, windowMs: number) =>
  query(db, 'limits/purge_limits', [now, bucketIdleMs, windowMs]);
