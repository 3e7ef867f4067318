// The report operations: (db, actor, input) → figures, over what the actor may see.
import * as v from 'valibot';
import type { Sql } from '../db/index.ts';
import { reportSummary, resolveRange } from '../db/reports.ts';
import { getSlaPolicy } from '../db/sla.ts';
import { fail } from '../errors.ts';
import { listScope } from '../requests/policy.ts';
import type { Actor } from '../users/keys.ts';
import { dateOrTimestamp, FIRST_MS, isDate, LAST_MS, rfc3339, uuid } from '../validation.ts';

export const SummaryQuery = v.strictObject({
  from: v.optional(dateOrTimestamp()),
  to: v.optional(dateOrTimestamp()),
  team_id: v.optional(v.union([v.literal('none'), uuid()], 'must be a UUID or none')),
});
export type SummaryInput = v.InferOutput<typeof SummaryQuery>;

const DAY_MS = 86_400_000;

/**
 * The default `from`: before a date, the date 30 days earlier (both then midnights of the
 * policy's zone, so the range is 30 of its days); before a time stamp, 30 × 24 hours.
 * Both are in the form validation.ts gives (a date, or a UTC time stamp).
 */
function thirtyDaysBefore(to: string): string {
  const d = new Date(isDate(to) ? `${to}T00:00:00Z` : to);
  d.setUTCDate(d.getUTCDate() - 30);
  return isDate(to) ? d.toISOString().slice(0, 10) : d.toISOString();
}

/** Reports are for agents (over what they may see) and admins (everything). */
export const mayReport = (actor: Actor) => actor.role !== 'EMPLOYEE';

/**
 * GET /reports/summary. `from`/`to` default to the last 30 days and may be at most 366
 * days apart; dates are midnights, and days are counted, in the SLA policy's time zone.
 */
export async function summary(db: Sql, actor: Actor, q: SummaryInput, now: number) {
  if (!mayReport(actor)) fail('forbidden', 'reports are for agents and admins');
  const tz = (await getSlaPolicy(db)).policy.timezone;
  const to = q.to ?? new Date(now).toISOString();
  const from = q.from ?? thirtyDaysBefore(to);
  if (rfc3339(from) === null) fail('invalid_query', 'from (by default 30 days before to) must be in the years 0001 to 9999', [{ path: 'to', message: 'leaves no 30 days before it in the years 0001 to 9999' }]);
  const range = await resolveRange(db, { value: from, isDate: isDate(from) }, { value: to, isDate: isDate(to) }, tz);
  // A date's midnight in the policy's zone can fall outside the years a time stamp may name (0001-01-01 east of UTC).
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
