// What a handler receives and returns. Handlers never touch the socket.
import type { IncomingHttpHeaders } from 'node:http';
import * as v from 'valibot';
import { AppError, fail } from '../errors.ts';
import type { Services } from '../services.ts';
import type { Actor } from '../users/keys.ts';
import { PAGE_FIELDS, parse } from '../validation.ts';

export type { Services };

export interface Ctx {
  method: string;
  path: string;
  route: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The request body, unread, on routes that stream it themselves (`body: 'raw'`, an upload); null elsewhere. */
  stream: AsyncIterable<Buffer> | null;
  requestId: string;
  ip: string;
  userAgent: string | null;
  /** Set by the server for every route that needs a key; null only on public routes and bootstrap. */
  actor: Actor | null;
  /** A bootstrap call whose X-Bootstrap-Key the server has checked (API.md, "bootstrap"). */
  bootstrap: boolean;
  services: Services;
}

export interface Res {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** An RFC 9457 problem (application/problem+json). */
  problem?: boolean;
  /** A body already serialised: the docs page, metrics, or JSON text (see jsonText). */
  raw?: { contentType: string; text: string };
  /**
   * A body written while it is produced (an event stream, a CSV export): the server sends
   * the head, then hands `write` over until the promise settles; `closed` aborts when the
   * client goes away. `backlog` is what the socket has not sent yet (slow clients).
   */
  stream?: {
    contentType: string;
    write: (out: { write(text: string | Uint8Array): boolean; drained(): Promise<void>; backlog(): number }, closed: AbortSignal) => Promise<void>;
  };
  /**
   * Bytes sent as they come (a download): `body` is called only when the bytes are
   * sent (not for HEAD) and yields `length` bytes in all; the server writes each piece
   * once the client has taken the one before.
   */
  bytes?: { contentType: string; length: number; body: () => AsyncIterable<Uint8Array> };
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Res => ({ status, body, headers });
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** JSON written elsewhere (a request's JSON comes from PostgreSQL), sent as it is. */
export const jsonText = (status: number, text: string, headers?: Record<string, string>): Res =>
  ({ status, headers, raw: { contentType: JSON_CONTENT_TYPE, text } });

/** The authenticated caller; the server guarantees it on routes that require a key. */
export function actorOf(ctx: Ctx): Actor {
  if (!ctx.actor) throw new AppError('missing_api_key', 'this route needs an API key in X-API-Key');
  return ctx.actor;
}

export function header(ctx: Ctx, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The query string as a plain object; a repeated parameter is refused. */
export function queryObject(ctx: Ctx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of ctx.query) {
    if (key in out) fail('invalid_query', `query parameter ${key} is given more than once`, [{ path: key, message: 'is given more than once' }]);
    if (key.includes('\u0000') || value.includes('\u0000')) {
      fail('invalid_query', `query parameter ${key} contains a NUL character`, [{ path: key, message: 'must not contain NUL characters' }]);
    }
    out[key] = value;
  }
  return out;
}

/** A route that takes no query parameters refuses any (400 invalid_query). */
export const noQuery = (ctx: Ctx) => parse(v.strictObject({}), queryObject(ctx), 'invalid_query');

/** A route that takes no body accepts none or `{}`. */
export const noBody = (ctx: Ctx) => parse(v.optional(v.strictObject({})), ctx.body);

/** A list whose only query parameters are limit and cursor. */
export const pageQuery = (ctx: Ctx) => pageArgs(parse(v.strictObject(PAGE_FIELDS), queryObject(ctx), 'invalid_query'));

/** Audit context of this call: who, from where, under which request id. */
export const auditMeta = (ctx: Ctx) => [ctx.requestId, ctx.ip, ctx.userAgent] as const;

const INT64_MAX = 9223372036854775807n;

/** `limit` of a list: 1..100, default 50. */
export function pageLimit(given: string | undefined): number {
  if (given === undefined) return 50;
  if (!/^\d{1,3}$/.test(given) || Number(given) < 1 || Number(given) > 100) {
    fail('invalid_query', 'limit must be a whole number from 1 to 100', [{ path: 'limit', message: 'must be 1..100' }]);
  }
  return Number(given);
}

// Keyset pagination: the cursor is an opaque token around the last row's sequence number.
export function pageArgs(q: { limit?: string; cursor?: string }): { limit: number; after: string | null } {
  const limit = pageLimit(q.limit);
  let after: string | null = null;
  if (q.cursor !== undefined) {
    const decoded = /^[A-Za-z0-9_-]{1,40}$/.test(q.cursor) ? Buffer.from(q.cursor, 'base64url').toString('utf8') : '';
    const m = /^s:(\d{1,19})$/.exec(decoded);
    // A cursor holds a bigint sequence number: anything past int64 was not given out here.
    if (!m || BigInt(m[1]) > INT64_MAX) fail('invalid_query', 'cursor is not one this API gave out', [{ path: 'cursor', message: 'is malformed' }]);
    after = m[1];
  }
  return { limit, after };
}

/** rows were fetched with limit + 1: the extra row only says there is a next page. */
export function page<T extends { seq: string }, U>(rows: T[], limit: number, view: (row: T) => U) {
  return { items: rows.slice(0, limit).map(view), next_cursor: nextCursor(rows, limit) };
}

/** The same page written as JSON text, from rows that carry their own JSON. */
export function pageText<T extends { seq: string }>(rows: T[], limit: number, view: (row: T) => string): string {
  return `{"items":[${rows.slice(0, limit).map(view).join(',')}],"next_cursor":${JSON.stringify(nextCursor(rows, limit))}}`;
}

const nextCursor = (rows: { seq: string }[], limit: number) =>
  rows.length > limit ? Buffer.from(`s:${rows[limit - 1].seq}`).toString('base64url') : null;
