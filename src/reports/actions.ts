// The report operations: (db, actor, input) → figures, over what the actor may see.
import * as v from 'valibot';
import type { Sql } from '../db/index.ts';
import { reportSummary, resolveRange } from '../db/reports.ts';
import { getSlaPolicy } from '../db/sla.ts';
import { fail } from '../errors.ts';
import { listScope } from '../requests/policy.ts';
import type { Actor } from '../users/keys.ts';
import { dateOrTimestamp, FIRST_MS, isDate, LAST_MS, uuid } from '../validation.ts';

export const SummaryQuery = v.strictObject({
  from: v.optional(dateOrTimestamp()),
  to: v.optional(dateOrTimestamp()),
  team_id: v.optional(v.union([v.literal('none'), uuid()], 'must be a UUID or none')),
});
export type SummaryInput = v.InferOutput<typeof SummaryQuery>;

const DAY_MS = 86_400_000;

/** Reports are for agents (over what they may see) and admins (everything). */
export const mayReport = (actor: Actor) => actor.role !== 'EMPLOYEE';

/**
 * GET /reports/summary. `from`/`to` default to the last 30 days and may be at most 366
 * days apart; dates are midnights, and days are counted, in the SLA policy's time zone.
 */
export async function summary(db: Sql, actor: Actor, q: SummaryInput, now: number) {
  if (!mayReport(actor)) fail('forbidden', 'reports are for agents and admins');
  const tz = (await getSlaPolicy(db)).policy.timezone;
  const bound = (value: string) => ({ value, isDate: isDate(value) });
  const range = await resolveRange(db, q.from === undefined ? null : bound(q.from), bound(q.to ?? new Date(now).toISOString()), tz);
  // A date's midnight in the policy's zone, or the default 30 days before `to`, can fall
  // outside the years a time stamp may name (0001-01-01 east of UTC).
  for (const [path, at] of [['from', range.from_at], ['to', range.to_at]] as const) {
    if (!(at.getTime() >= FIRST_MS && at.getTime() <= LAST_MS)) fail('invalid_query', `${path} falls outside the years 0001 to 9999 in the SLA policy's time zone`, [{ path, message: 'is outside the years 0001 to 9999 in the SLA policy\'s time zone' }]);
  }
  const span = range.to_at.getTime() - range.from_at.getTime();
  if (span <= 0) fail('invalid_query', 'from must be before to', [{ path: 'from', message: 'must be before to' }]);
  if (span > 366 * DAY_MS) fail('invalid_query', 'from and to may be at most 366 days apart', [{ path: 'to', message: 'must be at most 366 days after from' }]);
  const { visible } = listScope(actor, null)!;
  const figures = await reportSummary(db, {
    from: range.from_at, to: range.to_at, team: q.team_id === undefined || q.team_id === 'none' ? null : q.team_id,
    noTeam: q.team_id === 'none', visible, tz, now: new Date(now),
  });
  return { from: range.from_at.toISOString(), to: range.to_at.toISOString(), ...figures };
}
