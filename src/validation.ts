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
const FIRST_MS = Date.parse('0001-01-01T00:00:00Z');
const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** An RFC 3339 time stamp (a date alone is accepted as its midnight UTC) in the years 0001..9999 (UTC). */
export const timestamp = () =>
  v.pipe(
    v.string(),
    v.check((s) => {
      if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/i.test(s)) return false;
      const ms = Date.parse(s);
      return ms >= FIRST_MS && ms <= LAST_MS;
    }, 'must be an RFC 3339 time stamp in the years 0001 to 9999'),
  );

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
