// The SLA policy (API.md, "SLA") as a valibot schema: validated and normalised — ranges
// sorted, holidays sorted and unique, every day and priority present, defaults filled in —
// so what is stored, snapshotted and shown is one canonical document.
import * as v from 'valibot';
import { type Range, weeklyBusinessMinutes } from './calendar.ts';

/** The days in the order the API writes them. */
export const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** The priorities in the order the API writes them. */
export const TARGET_PRIORITIES = ['URGENT', 'HIGH', 'NORMAL', 'LOW'] as const;
/** A target holds at most a year of minutes, and at most this many weeks of business time (calendar.ts MAX_DAYS). */
export const MAX_TARGET_MINUTES = 525_600;
export const MAX_TARGET_WEEKS = 520;

const time = v.pipe(
  v.string('must be a time "HH:MM"'),
  v.regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time from "00:00" to "24:00" (HH:MM)'),
);
const range = v.pipe(
  v.strictTuple([time, time], 'must be a range ["HH:MM", "HH:MM"]'),
  v.check(([start, end]) => start < end, 'must start before it ends'),
);
const day = v.pipe(
  v.array(range, 'must be a list of ranges ["HH:MM", "HH:MM"]'),
  v.maxLength(48, 'must hold at most 48 ranges'),
  v.transform((ranges): Range[] => [...ranges].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  v.check((ranges) => ranges.every((r, i) => i === 0 || ranges[i - 1][1] <= r[0]), 'must not overlap'),
);

/** A name Intl knows, as written (Asia/Kolkata stays so); only its case is corrected (europe/berlin). */
function zoneName(name: string): string | null {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
  } catch {
    return null;
  }
}
const ZONE_MESSAGE = 'must be an IANA time zone such as Europe/Berlin';
const timezone = v.pipe(
  v.string(ZONE_MESSAGE),
  v.regex(/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/, ZONE_MESSAGE),
  v.maxLength(64, ZONE_MESSAGE),
  v.check((s) => zoneName(s) !== null, ZONE_MESSAGE),
  v.transform((s) => zoneName(s)!),
);

const isoDate = v.pipe(
  v.string('must be a date "YYYY-MM-DD"'),
  v.regex(/^(?!0000)\d{4}-\d{2}-\d{2}$/, 'must be a date "YYYY-MM-DD"'),
  v.check((s) => {
    const t = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(s);
  }, 'must be a date that exists'),
);

const minutes = v.pipe(
  v.number('must be a whole number of minutes'),
  v.integer('must be a whole number of minutes'),
  v.minValue(1, 'must be at least 1'),
  v.maxValue(MAX_TARGET_MINUTES, `must be at most ${MAX_TARGET_MINUTES} (a year)`),
);
const target = v.nullable(v.strictObject(
  { first_response_minutes: minutes, resolution_minutes: minutes },
  'must be { first_response_minutes, resolution_minutes } or null',
));

export const SlaPolicySchema = v.pipe(
  v.strictObject({
    timezone,
    business_hours: v.strictObject({
      mon: v.optional(day, []), tue: v.optional(day, []), wed: v.optional(day, []), thu: v.optional(day, []),
      fri: v.optional(day, []), sat: v.optional(day, []), sun: v.optional(day, []),
    }),
    holidays: v.optional(v.pipe(
      v.array(isoDate, 'must be a list of dates "YYYY-MM-DD"'),
      v.maxLength(1000, 'must hold at most 1000 dates'),
      v.transform((dates) => [...new Set(dates)].sort()),
    ), []),
    targets: v.optional(v.strictObject({
      URGENT: v.optional(target, null), HIGH: v.optional(target, null), NORMAL: v.optional(target, null), LOW: v.optional(target, null),
    }), () => ({ URGENT: null, HIGH: null, NORMAL: null, LOW: null })),
    warning_percent: v.optional(v.pipe(
      v.number('must be a whole number from 1 to 99'), v.integer('must be a whole number from 1 to 99'),
      v.minValue(1, 'must be at least 1'), v.maxValue(99, 'must be at most 99'),
    ), 80),
  }),
  // Every target must fit in the business hours: none at all cannot hold one, and a
  // sliver of a week cannot hold a year (calendar.ts MAX_DAYS bounds the search).
  v.forward(
    v.check((p) => {
      const week = weeklyBusinessMinutes(p.business_hours);
      return Object.values(p.targets).every((t) => t === null || Math.max(t.first_response_minutes, t.resolution_minutes) <= MAX_TARGET_WEEKS * week);
    }, `every target must fit in ${MAX_TARGET_WEEKS} weeks of the business hours (and a target needs some business hours)`),
    ['targets'],
  ),
);
export type SlaPolicy = v.InferOutput<typeof SlaPolicySchema>;
export type SlaTarget = NonNullable<SlaPolicy['targets']['URGENT']>;

/** The policy in the API's order (a jsonb column gives its keys back in its own order). */
export function policyView(p: SlaPolicy): SlaPolicy {
  const t = (x: SlaTarget | null) => (x ? { first_response_minutes: x.first_response_minutes, resolution_minutes: x.resolution_minutes } : null);
  return {
    timezone: p.timezone,
    business_hours: Object.fromEntries(WEEK.map((d) => [d, p.business_hours[d] ?? []])) as SlaPolicy['business_hours'],
    holidays: p.holidays,
    targets: Object.fromEntries(TARGET_PRIORITIES.map((k) => [k, t(p.targets[k] ?? null)])) as SlaPolicy['targets'],
    warning_percent: p.warning_percent,
  };
}
