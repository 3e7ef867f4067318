// The live-event hub behind GET /events/stream (src/live/hub.ts), polled by hand: every
// subscriber gets every event after its position once and in order, whether it reads the
// ring or, behind it, the database, and subscribers at the same place share each batch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type EventRow, listEvents, type Position } from '../src/db/events.ts';
import { after, createHub, type Subscriber } from '../src/live/hub.ts';
import { useApp, type TestApp } from './helpers.ts';

describe('the live hub', () => {
  const app = useApp();

  /** A subscriber that keeps every batch it is sent. */
  function recorder() {
    const batches: (readonly EventRow[])[] = [];
    let closed = false;
    const sub: Subscriber = { send: (events) => { batches.push(events); }, close: () => { closed = true; } };
    return { sub, batches, ids: () => batches.flat().map((e) => e.id), closed: () => closed };
  }

  /** Every event after `from` once at least `n` of them are visible (other files' transactions hold some back a while). */
  async function visibleAfter(db: TestApp['db'], from: Position, n: number): Promise<EventRow[]> {
    for (let i = 0; ; i++) {
      const rows = await listEvents(db, { afterXid: from.xid, afterSeq: from.seq, types: null, since: null, limit: 10_000 });
      if (rows.length >= n || i === 100) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('positions compare as numbers, also across a change in the number of digits', () => {
    assert.equal(after({ xid: '1000', seq: '1' }, { xid: '999', seq: '7' }), true);
    assert.equal(after({ xid: '999', seq: '10' }, { xid: '999', seq: '9' }), true);
    assert.equal(after({ xid: '999', seq: '9' }, { xid: '999', seq: '9' }), false);
    assert.equal(after({ xid: '99', seq: '100' }, { xid: '100', seq: '1' }), false);
  });

  test('a subscriber starting after the newest event the hub has polled gets only what follows its position', async () => {
    const db = app().serverDb;
    const emp = await app().user('EMPLOYEE');
    const hub = createHub();
    const signal = new AbortController().signal;
    const early = recorder(); const ahead = recorder();
    const from = await hub.now(db);
    const unsubscribe = [hub.subscribe(db, from, early.sub)];
    try {
      await hub.loop.run({ db }, signal);
      const polled = await hub.now(db);
      for (let i = 0; i < 5; i++) await app().call('POST', '/requests', { key: emp.key, body: { title: `ahead ${i}` } });
      const seen = await visibleAfter(app().db, polled, 5);
      // A stream opened now (Last-Event-ID of the newest event) is ahead of the hub's last poll.
      const at = { xid: seen.at(-1)!.xid, seq: seen.at(-1)!.seq };
      unsubscribe.push(hub.subscribe(db, at, ahead.sub));
      await app().call('POST', '/requests', { key: emp.key, body: { title: 'ahead next' } });
      const all = await visibleAfter(app().db, from, seen.length + 1);
      for (let i = 0; i < 200 && (ahead.ids().length < 1 || early.ids().length < all.length); i++) {
        await hub.loop.run({ db }, signal);
        await new Promise((r) => setTimeout(r, 10));
      }
      await hub.loop.run({ db }, signal);
      const after = all.slice(all.findIndex((e) => e.id === seen.at(-1)!.id) + 1);
      assert.deepEqual(ahead.ids(), after.map((e) => e.id), 'nothing up to its position, then everything');
      assert.deepEqual(early.ids(), all.map((e) => e.id));
    } finally {
      for (const u of unsubscribe) u();
      hub.close();
    }
  });

  for (const ringSize of [5000, 8]) {
    test(`many events in one poll reach every subscriber once and in order, from wherever it starts (a ring of ${ringSize}${ringSize < 40 ? ', which they fall behind and read the database' : ''})`, async () => {
      const db = app().serverDb;
      const emp = await app().user('EMPLOYEE');
      const hub = createHub(100, ringSize);
      const signal = new AbortController().signal;
      const start = await hub.now(db);
      const early = recorder(); const twin = recorder(); const late = recorder();
      const unsubscribe = [hub.subscribe(db, start, early.sub), hub.subscribe(db, start, twin.sub)];
      const settle = async (want: () => boolean) => {
        for (let i = 0; i < 200 && !want(); i++) { await hub.loop.run({ db }, signal); await new Promise((r) => setTimeout(r, 10)); }
      };
      try {
        await hub.loop.run({ db }, signal);
        await Promise.all(Array.from({ length: 40 }, (_, i) => app().call('POST', '/requests', { key: emp.key, body: { title: `hub ${i}` } })));
        const expected = await visibleAfter(app().db, start, 40);
        await settle(() => early.ids().length >= expected.length && twin.ids().length >= expected.length);
        const big = early.batches.find((b) => b.length >= 40);
        assert.ok(big, `one batch carries the 40 (batches of ${early.batches.map((b) => b.length)})`);
        // Subscribers at the same place get the very same batch (src/http/stream.ts writes an admin's text once).
        if (ringSize >= 40) assert.ok(twin.batches.includes(big), 'the twin got the same array');
        // A stream resuming from the tenth event (Last-Event-ID).
        unsubscribe.push(hub.subscribe(db, { xid: expected[9].xid, seq: expected[9].seq }, late.sub));
        await settle(() => late.ids().length >= expected.length - 10);
        // More after that: everyone carries on from where they are.
        await Promise.all(Array.from({ length: 5 }, (_, i) => app().call('POST', '/requests', { key: emp.key, body: { title: `hub more ${i}` } })));
        const all = await visibleAfter(app().db, start, expected.length + 5);
        await settle(() => [early, twin, late].every((r) => r.ids().length + (r === late ? 10 : 0) >= all.length));
        await hub.loop.run({ db }, signal); // one more poll delivers nothing twice
        const ids = all.map((e) => e.id);
        assert.deepEqual(early.ids(), ids);
        assert.deepEqual(twin.ids(), ids);
        assert.deepEqual(late.ids(), ids.slice(10));
        assert.equal(early.closed() || twin.closed() || late.closed(), false);
      } finally {
        for (const u of unsubscribe) u();
        hub.close();
      }
    });
  }
});
