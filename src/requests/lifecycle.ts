// The status machine (API.md, "Status machine"). The same machine lives in SQL
// (requests__guard, sql/migrations/0001_init.sql); test/status-machine.test.ts walks every
// pair through both.
import type { ErrorCode } from '../errors.ts';

export const STATUSES = ['NEW', 'IN_PROGRESS', 'DONE', 'CANCELED'] as const;
export type Status = (typeof STATUSES)[number];
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const MOVES: Record<Status, readonly Status[]> = {
  NEW: ['IN_PROGRESS', 'CANCELED'],
  IN_PROGRESS: ['DONE', 'CANCELED'],
  DONE: [],
  CANCELED: [],
};

export const isTerminal = (s: Status) => MOVES[s].length === 0;

/** The machine alone, in the order API.md gives: terminal, same status, not a move. */
export function transitionError(from: Status, to: Status): ErrorCode | null {
  if (isTerminal(from)) return 'status_is_terminal';
  if (from === to) return 'status_already_set';
  if (!MOVES[from].includes(to)) return 'invalid_status_transition';
  return null;
}

/** The audit log's `{ field: [old, new] }` for the fields that differ. */
export function changesOf(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const k of Object.keys(after)) if (before[k] !== after[k]) out[k] = [before[k], after[k]];
  return out;
}
