// Shared valibot pieces and the one function that turns a failed parse into a 422 or 400.
import * as v from 'valibot';
import { AppError, type ErrorCode } from './errors.ts';

const codePoints = (s: string) => [...s].length;

/** A trimmed string whose length in Unicode code points is within min..max. */
export const text = (min: number, max: number) =>
  v.pipe(
    v.string('must be a string'),
    v.trim(),
    v.check((s) => codePoints(s) >= min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`),
    v.check((s) => codePoints(s) <= max, `must be at most ${max} characters`),
  );

/** An untrimmed string (descriptions, comment bodies) of at most max code points. */
export const longText = (min: number, max: number) =>
  v.pipe(
    v.string('must be a string'),
    v.check((s) => codePoints(s) >= min, 'must not be empty'),
    v.check((s) => codePoints(s) <= max, `must be at most ${max} characters`),
  );

export const email = () =>
  v.pipe(
    v.string('must be a string'),
    v.trim(),
    v.toLowerCase(),
    v.check((s) => codePoints(s) <= 254, 'must be at most 254 characters'),
    v.email('must be a valid email address'),
  );

/** The keyset-pagination query fields every list accepts (checked by pageArgs). */
export const PAGE_FIELDS = { limit: v.optional(v.string()), cursor: v.optional(v.string()) };

/** A UUID, lower-cased: ids are compared as strings (policy, caches, idempotency scopes). */
export const uuid = (message = 'must be a UUID') => v.pipe(v.string(message), v.uuid(message), v.toLowerCase());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** For path parameters: anything that is not a UUID cannot name a row (404, not 422). */
export const isUuid = (s: string) => UUID.test(s);

/** A path parameter as the id it names (lower-cased), or null when it cannot name a row. */
export const idOf = (s: string): string | null => (UUID.test(s) ? s.toLowerCase() : null);

// The years PostgreSQL and every client agree on: 0001..9999 (year 0 does not exist
// in PostgreSQL, and JavaScript would take it).
export const FIRST_MS = Date.parse('0001-01-01T00:00:00Z');
export const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A date alone (no time of day), as rfc3339 gives it back. */
export const isDate = (s: string) => DATE.test(s);
const STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2})))?$/i;

/** Milliseconds since the epoch of a UTC date and time; years below 100 taken as written (Date.UTC would add 1900). */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, sec: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, sec, 0);
  return t.getTime();
}

const daysIn = (y: number, mo: number) => new Date(utcMs(y, mo + 1, 0, 0, 0, 0)).getUTCDate();

/**
 * A date alone as it was written, a time stamp as the same instant in UTC with its
 * fraction kept (`2026-11-01T10:00:00.5+16:00` → `2026-10-31T18:00:00.5Z`), or null
 * when it is neither: a day past its month's end, hour 24, an offset's hours past 23.
 * Checked here, field by field, because the database is stricter than Date.parse (it
 * takes no offset past ±15:59) and more lenient (it rolls 24:00 into the next day): a bad
 * value that reached it was a 422, or a CSV cut off after its first line.
 */
export function rfc3339(s: string): string | null {
  const m = STAMP.exec(s);
  if (!m) return null;
  const [y, mo, d] = [m[1], m[2], m[3]].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return null;
  if (m[4] === undefined) return utcMs(y, mo, d, 0, 0, 0) >= FIRST_MS ? s : null;
  const [h, mi, sec] = [m[4], m[5], m[6] ?? '0'].map(Number);
  if (h > 23 || mi > 59 || sec > 59) return null;
  const [oh, om] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (oh > 23 || om > 59) return null;
  const ms = utcMs(y, mo, d, h, mi, sec) - (m[8] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  if (!(ms >= FIRST_MS && ms <= LAST_MS)) return null;
  // Microseconds at most, as PostgreSQL keeps them: it would round .9999999 up into the next second (and year).
  return `${new Date(ms).toISOString().slice(0, 19)}${(m[7] ?? '').slice(0, 7)}Z`;
}

/** A time stamp checked once by rfc3339, a date given on as `date` says. */
const stamp = (date: (d: string) => string) =>
  v.pipe(
    v.string(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const t = rfc3339(dataset.value);
      if (t === null) {
        addIssue({ message: 'must be an RFC 3339 time stamp in the years 0001 to 9999' });
        return NEVER;
      }
      return isDate(t) ? date(t) : t;
    }),
  );

/**
 * A query's time stamp: RFC 3339 (seconds may be left out; a leap second is not taken) or
 * a date alone, in the years 0001..9999 (UTC), given on in UTC: a date as its midnight
 * there, whatever the database session's zone.
 */
export const timestamp = () => stamp((d) => `${d}T00:00:00Z`);

/** A report's bound: as `timestamp`, but a date stays a date (the report takes its midnight in the SLA policy's zone). */
export const dateOrTimestamp = () => stamp((d) => d);

export function parse<S extends v.GenericSchema>(schema: S, input: unknown, code: ErrorCode = 'validation_failed'): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortPipeEarly: true });
  if (result.success) return result.output;
  const errors = result.issues.map((issue) => {
    const path = v.getDotPath(issue) ?? '';
    if (issue.received === 'undefined') return { path, message: 'is required' };
    if (issue.type === 'strict_object') return { path, message: path && issue.expected === 'never' ? 'is not a known field' : 'must be a JSON object' };
    return { path, message: issue.message };
  });
  const where = code === 'invalid_query' ? 'query parameters' : 'request body';
  throw new AppError(code, `the ${where} failed validation: ${errors.map((e) => `${e.path || 'body'} ${e.message}`).join('; ')}`, errors);
}
