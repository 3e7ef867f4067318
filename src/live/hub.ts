// Live events for streams (GET /events/stream): one poller per process reads the outbox
// with the same (xid, seq) cursor as GET /events and keeps the newest events in a ring;
// each subscriber walks the ring from its own position, or the database when it is
// behind the ring (a resume with Last-Event-ID), so 200 open streams cost one query per
// poll, not 200. Every instance runs its own hub, so each streams every committed event.
//
// Per poll and subscriber the work is constant: a subscriber on the ring keeps the ring
// index of its next event (positions are compared only to place a new or late subscriber,
// by binary search), and subscribers at the same index get the same batch array, so a
// stream can write a batch's messages once for all of them (src/http/stream.ts).
import { type EventRow, listEvents, latestEventPosition, type Position } from '../db/events.ts';
import type { Sql } from '../db/index.ts';

const RING = 5000;
const PAGE = 500;

/** Unsigned decimal texts (xid8, bigint) compared as numbers, without parsing them. */
const cmpDigits = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
/** True when `a` comes after `b` in the outbox's (xid, seq) order. */
export const after = (a: Position, b: Position) => (cmpDigits(a.xid, b.xid) || cmpDigits(a.seq, b.seq)) > 0;

export interface Subscriber {
  /**
   * Called with the events after the subscriber's position, in order, a batch at a time.
   * Subscribers at the same place in the same poll get the same array: do not change it.
   */
  send(events: readonly EventRow[]): void;
  close(): void;
}

/** The poller, shaped as a worker loop (src/worker/index.ts) without depending on the worker. */
export interface HubLoop { name: string; everyMs: number; run(services: { db: Sql }, signal: AbortSignal): Promise<void> }

export interface Hub {
  /** The worker loop that polls the outbox. */
  loop: HubLoop;
  /** Where a new stream starts: after the newest event visible now (the database is asked). */
  now(db: Sql): Promise<Position>;
  /** Delivers every event after `from` to `sub` until unsubscribe() or close(). */
  subscribe(db: Sql, from: Position, sub: Subscriber): () => void;
  /** Ends every stream (shutdown). */
  close(): void;
}

interface State {
  /** The last event delivered (or the start). */
  pos: Position;
  /** The ring index (absolute, see `base`) of the next event to deliver; null: not placed on the ring yet. */
  next: number | null;
  busy: boolean; again: boolean; closed: boolean;
}

/** `ringSize`: how many of the newest events the ring keeps (small in tests, to fall behind it). */
export function createHub(pollMs = 100, ringSize = RING): Hub {
  const ring: EventRow[] = [];
  let base = 0; // the absolute index of ring[0]: indexes stay valid while old events are dropped
  let start: Position | null = null; // the ring holds every event after this position
  let head: Position | null = null; // ...up to this one
  let batches = new Map<number, readonly EventRow[]>(); // ring[index - base ..], shared until the ring changes
  const subs = new Map<Subscriber, State>();

  /** The absolute ring index of the first event after `pos`, which lies between start and head. */
  function place(pos: Position): number {
    let lo = 0; let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (after(ring[mid], pos)) hi = mid; else lo = mid + 1;
    }
    return base + lo;
  }

  /** The subscriber's events from the ring; null when it is behind the ring (read the database). */
  function fromRing(s: State): readonly EventRow[] | null {
    if (s.next === null || s.next < base) {
      s.next = null;
      if (!start || !head || after(start, s.pos)) return null;
      // Ahead of the last poll (it read the database, or started from a newer position):
      // the events up to its position are still to come into the ring, so wait for them.
      if (after(s.pos, head)) return [];
      s.next = place(s.pos);
    }
    const from = s.next;
    let batch = batches.get(from);
    if (!batch) batches.set(from, (batch = ring.slice(from - base)));
    return batch;
  }

  async function pump(db: Sql, sub: Subscriber): Promise<void> {
    const s = subs.get(sub);
    if (!s || s.closed) return;
    if (s.busy) { s.again = true; return; }
    s.busy = true;
    try {
      do {
        s.again = false;
        let batch = fromRing(s);
        if (batch === null) {
          batch = await listEvents(db, { afterXid: s.pos.xid, afterSeq: s.pos.seq, types: null, since: null, limit: PAGE });
          if (batch.length === PAGE) s.again = true;
        }
        if (batch.length && !s.closed) {
          sub.send(batch);
          const last = batch[batch.length - 1];
          s.pos = { xid: last.xid, seq: last.seq };
          if (s.next !== null) s.next += batch.length;
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
        base += ring.length;
        ring.length = 0;
        batches = new Map();
        return;
      }
      if (!head) head = start = (await latestEventPosition(db)) ?? { xid: '0', seq: '0' };
      for (;;) {
        const rows = await listEvents(db, { afterXid: head!.xid, afterSeq: head!.seq, types: null, since: null, limit: PAGE });
        if (rows.length === 0) break;
        for (const row of rows) ring.push(row);
        batches = new Map();
        head = { xid: rows.at(-1)!.xid, seq: rows.at(-1)!.seq };
        if (rows.length < PAGE) break;
      }
      if (ring.length > ringSize) {
        const dropped = ring.splice(0, ring.length - ringSize);
        base += dropped.length;
        start = { xid: dropped.at(-1)!.xid, seq: dropped.at(-1)!.seq };
        batches = new Map();
      }
      for (const sub of subs.keys()) void pump(db, sub);
    },
  };

  return {
    loop,
    async now(db) {
      // Asked afresh, not the last poll's head, which may be a poll behind: a stream opened
      // right after a commit must not replay it. A position ahead of the ring waits for it.
      return (await latestEventPosition(db)) ?? { xid: '0', seq: '0' };
    },
    subscribe(db, from, sub) {
      subs.set(sub, { pos: from, next: null, busy: false, again: false, closed: false });
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
