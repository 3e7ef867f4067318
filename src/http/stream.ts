// GET /events/stream (API.md, "Events and webhooks"): the events this caller may see, live,
// as Server-Sent Events. `Last-Event-ID` (or ?last_event_id=) resumes after that event;
// a comment line every STREAM_HEARTBEAT_MS (15 s) keeps proxies from closing the stream;
// the stream ends within 30 s of the key being rotated or its user deactivated (the key is
// checked again at each heartbeat).
import * as v from 'valibot';
import { type EventRow, getEventPosition } from '../db/events.ts';
import { findActorByKeyHash } from '../db/users.ts';
import { maySeeEvent } from '../requests/policy.ts';
import { type Actor, hashApiKey } from '../users/keys.ts';
import { idOf, parse } from '../validation.ts';
import { extractKey } from './auth.ts';
import { actorOf, type Ctx, header, queryObject, type Res } from './context.ts';
import { eventView } from './events.ts';

/** A client this far behind is cut off; it resumes with Last-Event-ID and misses nothing. */
const MAX_BACKLOG = 4 * 1024 * 1024;

const StreamQuery = v.strictObject({ last_event_id: v.optional(v.string()) });

// An event's message is written once and sent to every stream that may see it: the hub
// hands all its streams the same row objects, and streams at the same place the same
// batch array (src/live/hub.ts), so an ADMIN's text for a batch is built once for all.
const messages = new WeakMap<EventRow, string>();
export function sseMessage(e: EventRow): string {
  let m = messages.get(e);
  if (m === undefined) messages.set(e, (m = `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(eventView(e))}\n\n`));
  return m;
}

// An ADMIN's batch is kept as bytes: a text is encoded to UTF-8 again at every write, and
// 200 ADMIN streams would encode the same batch 200 times (docs/benchmarks.md, "2026-12-01,
// fourth session").
const adminBatches = new WeakMap<readonly EventRow[], Buffer>();
/** The messages of a batch that `actor` may see, as one piece (one socket write). */
function sseBatch(actor: Actor, events: readonly EventRow[]): string | Buffer {
  if (actor.role === 'ADMIN') {
    let bytes = adminBatches.get(events);
    if (bytes === undefined) adminBatches.set(events, (bytes = Buffer.from(join(actor, events))));
    return bytes;
  }
  return join(actor, events);
}

function join(actor: Actor, events: readonly EventRow[]): string {
  let text = '';
  for (const e of events) if (maySeeEvent(actor, e.type, e.data)) text += sseMessage(e);
  return text;
}

/** GET /events/stream */
export async function getEventsStream(ctx: Ctx): Promise<Res> {
  let actor = actorOf(ctx);
  const q = parse(StreamQuery, queryObject(ctx), 'invalid_query');
  const { db, live } = ctx.services;
  const resumeFrom = header(ctx, 'last-event-id') ?? q.last_event_id;
  const id = resumeFrom === undefined ? null : idOf(resumeFrom.trim());
  // An id we no longer keep (or never gave out) resumes from now.
  const from = (id && (await getEventPosition(db, id))) || (await live.now(db));
  const keyHash = hashApiKey(extractKey(ctx.headers)!);
  return {
    status: 200,
    headers: { 'X-Accel-Buffering': 'no' },
    stream: { contentType: 'text/event-stream; charset=utf-8', write: (out, closed) => new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearInterval(beat);
        unsubscribe();
        resolve();
      };
      const unsubscribe = live.subscribe(db, from, {
        send(events) {
          if (done) return;
          if (out.backlog() > MAX_BACKLOG) return finish();
          const piece = sseBatch(actor, events);
          if (piece.length) out.write(piece);
        },
        close: finish,
      });
      const beat = setInterval(async () => {
        // The key, asked afresh: a rotated key or a deactivated user ends the stream.
        const current = await findActorByKeyHash(db, keyHash).catch(() => actor);
        if (!current) return finish();
        actor = current;
        out.write(': keep-alive\n\n');
      }, ctx.services.config.STREAM_HEARTBEAT_MS);
      out.write(': connected\n\n');
      closed.addEventListener('abort', finish, { once: true });
    }) },
  };
}
