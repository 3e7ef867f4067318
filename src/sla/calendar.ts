// Business-minute arithmetic (API.md, "SLA"): pure, no clock, no database. Minutes count
// only inside the policy's business hours, read as wall-clock times in its time zone, on
// days that are not holidays (dates in that zone). A business minute is a real minute:
// hours that span a DST change are as long as the clock says (09:00–18:00 is 9 hours on
// any day; 00:00–24:00 is 23 or 25 on the days of the change), so 24×7 is elapsed time.
//
// The database computes due times with the same rules (sla_add_business_minutes in
// sql/migrations/0008_sla.sql) inside the statement that files or re-prioritises a
// request; test/sla-calendar.test.ts runs every case through both.

export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Day = (typeof DAYS)[number];

/** "HH:MM", 00:00..24:00; a range is [start, end) with start < end. */
export type Range = readonly [string, string];

export interface Calendar {
  /** An IANA time zone, e.g. Europe/Berlin. */
  timezone: string;
  business_hours: Readonly<Record<Day, readonly Range[]>>;
  /** Dates (YYYY-MM-DD) in the time zone on which no business minute passes. */
  holidays: readonly string[];
}

/**
 * No valid policy needs more days than this to place a due time: a target holds at most 520
 * weeks of business time (src/sla/schemas.ts), and each of at most 1000 holidays can push it
 * back by at most a week (3640 + 7000 days).
 */
export const MAX_DAYS = 11_000;

const MINUTE = 60_000;
const DAY_MS = 86_400_000;

interface LocalDate { y: number; m: number; d: number }

const formats = new Map<string, Intl.DateTimeFormat>();
function format(timezone: string): Intl.DateTimeFormat {
  let f = formats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(timezone, f);
  }
  return f;
}

/** The wall clock in `timezone` at instant `ms`, written as if it were UTC (ms, whole seconds). */
function wallClock(ms: number, timezone: string): number {
  const p: Record<string, number> = {};
  for (const { type, value } of format(timezone).formatToParts(ms)) if (type !== 'literal') p[type] = Number(value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** The zone's UTC offset at instant `ms`, in ms. */
const offsetAt = (ms: number, timezone: string) => wallClock(ms, timezone) - (ms - (((ms % 1000) + 1000) % 1000));

/** The calendar date in `timezone` at instant `ms`. */
export function localDate(ms: number, timezone: string): LocalDate {
  const w = new Date(wallClock(ms, timezone));
  return { y: w.getUTCFullYear(), m: w.getUTCMonth() + 1, d: w.getUTCDate() };
}

/**
 * The instant at which the wall clock in `timezone` reads `minute` minutes after midnight
 * of `date` (1440 is the next midnight). As PostgreSQL's `timestamp at time zone` reads
 * it, so both sides agree: a time the clock skips (spring forward) is read with the
 * offset before the change, a time it shows twice (fall back) as the later of the two —
 * in both cases the later of the two candidate instants.
 */
export function zonedInstant(date: LocalDate, minute: number, timezone: string): number {
  const wall = Date.UTC(date.y, date.m - 1, date.d) + minute * MINUTE;
  const candidates = [wall - offsetAt(wall - DAY_MS, timezone), wall - offsetAt(wall + DAY_MS, timezone)];
  const valid = candidates.filter((t) => t + offsetAt(t, timezone) === wall);
  return valid.length === 1 ? valid[0] : Math.max(...candidates);
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const isoDate = ({ y, m, d }: LocalDate) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const nextDay = ({ y, m, d }: LocalDate): LocalDate => {
  const t = new Date(Date.UTC(y, m - 1, d + 1));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};
const weekday = ({ y, m, d }: LocalDate): Day => DAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];

/** The business intervals [from, to) (instants, ms) from `start` on, day by day; at most MAX_DAYS days. */
function* businessIntervals(start: number, cal: Calendar): Generator<[number, number]> {
  const holidays = new Set(cal.holidays);
  let day = localDate(start, cal.timezone);
  for (let i = 0; i < MAX_DAYS; i++, day = nextDay(day)) {
    if (holidays.has(isoDate(day))) continue;
    for (const [s, e] of cal.business_hours[weekday(day)]) {
      const from = Math.max(start, zonedInstant(day, minutesOf(s), cal.timezone));
      const to = zonedInstant(day, minutesOf(e), cal.timezone);
      if (to > from) yield [from, to];
    }
  }
}

/**
 * The instant `minutes` business minutes after `start` (ms since the epoch): a due time.
 * Fractions count (a warning at 80 % of 1 minute is 48 s in). A due time that falls on
 * the end of a business interval is that end, not the next morning.
 */
export function addBusinessMinutes(start: number, minutes: number, cal: Calendar): number {
  let remaining = Math.round(minutes * MINUTE);
  if (remaining <= 0) return start;
  for (const [from, to] of businessIntervals(start, cal)) {
    if (remaining <= to - from) return from + remaining;
    remaining -= to - from;
  }
  throw new RangeError(`the business hours do not hold ${minutes} minutes within ${MAX_DAYS} days`);
}

/** The warning instant: `percent` % of the business time from `start` to its due time. */
export const warningAt = (start: number, minutes: number, percent: number, cal: Calendar) =>
  addBusinessMinutes(start, (minutes * percent) / 100, cal);

/** The inverse: business minutes from `start` to `end` (0 when end ≤ start). */
export function businessMinutesBetween(start: number, end: number, cal: Calendar): number {
  let ms = 0;
  for (const [from, to] of businessIntervals(start, cal)) {
    if (from >= end) break;
    ms += Math.min(to, end) - from;
  }
  return ms / MINUTE;
}

/** Business minutes in a week without holidays: what bounds a target (src/sla/schemas.ts). */
export function weeklyBusinessMinutes(hours: Calendar['business_hours']): number {
  return DAYS.reduce((n, day) => n + hours[day].reduce((m, [s, e]) => m + minutesOf(e) - minutesOf(s), 0), 0);
}
