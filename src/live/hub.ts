// Live events for streams (GET /events/stream): one poller per process reads the outbox
// with the same (xid, seq) cursor as GET /events and keeps the newest events in a ring;
// each subscriber walks the ring from its own position, or the database when it is
// behind the ring (a resume with Last-Event-ID), so 200 open streams cost one query per
// poll, not 200. Every instance runs its own hub, so each streams every committed event.
import { type EventRow, listEvents, latestEventPosition, type Position } from '../db/events.ts';
import type { Sql } from '../db/index.ts';

const RING = 5000;
const PAGE = 500;

const after = (a: Position, b: Position) => {
  const x = BigInt(a.xid) - BigInt(b.xid);
  return x > 0n || (x === 0n && BigInt(a.seq) > BigInt(b.seq));
};

export interface Subscriber {
  /** Called with the events after the subscriber's position, in order, a batch at a time. */
  send(events: EventRow[]): void;
  close(): void;
}

/** The poller, shaped as a worker loop (src/worker/index.ts) without depending on the worker. */
export interface HubLoop { name: string; everyMs: number; run(services: { db: Sql }, signal: AbortSignal): Promise<void> }

export interface Hub {
  /** The worker loop that polls the outbox. */
  loop: HubLoop;
  /** Where a new stream starts: after the newest event visible now. */
  now(db: Sql): Promise<Position>;
  /** Delivers every event after `from` to `sub` until unsubscribe() or close(). */
  subscribe(db: Sql, from: Position, sub: Subscriber): () => void;
  /** Ends every stream (shutdown). */
  close(): void;
}

export function createHub(pollMs = 100): Hub {
  const ring: EventRow[] = [];
  let start: Position | null = null; // the ring holds every event after this position
  let head: Position | null = null; // ...up to this one
  const subs = new Map<Subscriber, { pos: Position; busy: boolean; again: boolean; closed: boolean }>();

  function fromRing(pos: Position): EventRow[] | null {
    if (!start || after(start, pos)) return null;
    let lo = 0;
    while (lo < ring.length && !after(ring[lo], pos)) lo++;
    return ring.slice(lo);
  }

  async function pump(db: Sql, sub: Subscriber): Promise<void> {
    const s = subs.get(sub);
    if (!s || s.closed) return;
    if (s.busy) { s.again = true; return; }
    s.busy = true;
    try {
      do {
        s.again = false;
        let batch = fromRing(s.pos);
        if (batch === null) {
          batch = await listEvents(db, { afterXid: s.pos.xid, afterSeq: s.pos.seq, types: null, since: null, limit: PAGE });
          if (batch.length === PAGE) s.again = true;
        }
        if (batch.length && !s.closed) {
          sub.send(batch);
          const last = batch[batch.length - 1];
          s.pos = { xid: last.xid, seq: last.seq };
        }
      } while (s.again && !s.closed);
    } catch {
      s.closed = true;
      sub.close();
    } finally {
      s.busy = false;
    }
  }

  let lastDb: Sql | null = null;
  const loop: HubLoop = {
    name: 'live-events',
    everyMs: pollMs,
    async run({ db }) {
      lastDb = db;
      if (subs.size === 0) {
        // Nobody listens: no query; the next stream starts from the database.
        head = start = null;
        ring.length = 0;
        return;
      }
      if (!head) head = start = (await latestEventPosition(db)) ?? { xid: '0', seq: '0' };
      for (;;) {
        const rows = await listEvents(db, { afterXid: head!.xid, afterSeq: head!.seq, types: null, since: null, limit: PAGE });
        if (rows.length === 0) break;
        ring.push(...rows);
        head = { xid: rows.at(-1)!.xid, seq: rows.at(-1)!.seq };
        if (rows.length < PAGE) break;
      }
      if (ring.length > RING) {
        const dropped = ring.splice(0, ring.length - RING);
        start = { xid: dropped.at(-1)!.xid, seq: dropped.at(-1)!.seq };
      }
      for (const sub of subs.keys()) void pump(db, sub);
    },
  };

  return {
    loop,
    async now(db) {
      return head ?? (await latestEventPosition(db)) ?? { xid: '0', seq: '0' };
    },
    subscribe(db, from, sub) {
      subs.set(sub, { pos: from, busy: false, again: false, closed: false });
      void pump(lastDb ?? db, sub);
      return () => {
        const s = subs.get(sub);
        if (s) s.closed = true;
        subs.delete(sub);
      };
    },
    close() {
      for (const [sub, s] of subs) { s.closed = true; sub.close(); }
      subs.clear();
    },
  };
}
