// GET /events (API.md, "Events and webhooks"): the outbox, oldest first, for admins. The
// cursor is the (xid, seq) of the last event returned (sql/queries/events/list_events.sql),
// so a client that polls with it gets exactly the newer events, even those whose
// transaction committed after a later one's.
import * as v from 'valibot';
import { type EventRow, listEvents } from '../db/events.ts';
import { fail } from '../errors.ts';
import { type Event, EVENT_TYPES, isEventType } from '../events.ts';
import { parse, timestamp } from '../validation.ts';
import { actorOf, type Ctx, json, pageLimit, queryObject } from './context.ts';

const EventsQuery = v.strictObject({
  type: v.optional(v.pipe(
    v.string(),
    v.transform((s) => s.split(',').map((x) => x.trim())),
    v.check((types) => types.every(isEventType), `must be a comma list of ${EVENT_TYPES.join(', ')}`),
  )),
  since: v.optional(timestamp()),
  limit: v.optional(v.string()),
  cursor: v.optional(v.string()),
});

const UINT64_MAX = 18446744073709551615n;
const INT64_MAX = 9223372036854775807n;

function eventCursor(given: string | undefined): { xid: string; seq: string } | null {
  if (given === undefined) return null;
  const decoded = /^[A-Za-z0-9_-]{1,60}$/.test(given) ? Buffer.from(given, 'base64url').toString('utf8') : '';
  const m = /^x:(\d{1,20}):(\d{1,19})$/.exec(decoded);
  if (!m || BigInt(m[1]) > UINT64_MAX || BigInt(m[2]) > INT64_MAX) {
    fail('invalid_query', 'cursor is not one this API gave out', [{ path: 'cursor', message: 'is malformed' }]);
  }
  return { xid: m[1], seq: m[2] };
}

const toCursor = (e: { xid: string; seq: string }) => Buffer.from(`x:${e.xid}:${e.seq}`).toString('base64url');

export const eventView = (e: EventRow): Event => ({
  id: e.id, type: e.type, created_at: e.created_at.toISOString(),
  actor: e.actor_id ? { id: e.actor_id, full_name: e.actor_name! } : null, data: e.data,
} as Event);

/** GET /events — ADMIN only; `next_cursor` points after the last event, or stays where it was on an empty page. */
export async function getEvents(ctx: Ctx) {
  const actor = actorOf(ctx);
  const q = parse(EventsQuery, queryObject(ctx), 'invalid_query');
  const limit = pageLimit(q.limit);
  const after = eventCursor(q.cursor);
  if (actor.role !== 'ADMIN') fail('forbidden', 'only an ADMIN may read the event log');
  const rows = await listEvents(ctx.services.db, {
    afterXid: after?.xid ?? null, afterSeq: after?.seq ?? null, types: q.type ?? null, since: q.since ?? null, limit,
  });
  const last = rows.at(-1);
  return json(200, { items: rows.map(eventView), next_cursor: last ? toCursor(last) : q.cursor ?? null });
}
