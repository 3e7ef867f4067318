// The worker slot: background loops start and stop with the process, pause while
// PostgreSQL is away and resume by themselves, and stop gracefully.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock } from '../src/clock.ts';
import { startEmbedded } from '../src/db/embedded.ts';
import { connect, query } from '../src/db/index.ts';
import { createHub } from '../src/live/hub.ts';
import { createMetrics } from '../src/metrics.ts';
import { migrate } from '../src/migrate.ts';
import type { Services } from '../src/services.ts';
import { AppError } from '../src/errors.ts';
import { createWorker, type Loop } from '../src/worker/index.ts';
import { spawnServer, startApp, testConfig } from './helpers.ts';

const until = async (what: string, ok: () => boolean, ms = 15_000) => {
  for (const end = Date.now() + ms; !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the worker slot', () => {
  test('a loop pauses while PostgreSQL is down, resumes by itself when it is back, and stops gracefully', async () => {
    const cluster = await startEmbedded();
    const db = connect(cluster.url, { max: 2, txMax: 2, acquireTimeoutMs: 500 });
    const services: Services = {
      db, config: testConfig(), metrics: createMetrics(() => ({ inUse: 0, waiting: 0, max: 0 })), clock: manualClock(), live: createHub(), forgetUser: () => {},
    };
    let ok = 0;
    let failed = 0;
    const loop: Loop = {
      name: 'ping', everyMs: 20,
      async run({ db }) {
        try {
          await query(db, 'system/ping');
          ok++;
        } catch (err) {
          failed++;
          throw err;
        }
      },
    };
    const worker = createWorker(services, [loop], 50);
    try {
      await migrate(db);
      worker.start();
      await until('the loop ran', () => ok >= 3);
      await cluster.stop();
      await until('the worker paused', () => worker.paused());
      const failures = failed;
      const okBefore = ok;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(failed, failures, 'a paused worker does not run its loops');
      assert.equal(ok, okBefore);
      await cluster.start();
      await until('the worker resumed', () => !worker.paused() && ok > okBefore);
    } finally {
      await worker.stop(1000);
      const stoppedAt = ok;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(ok, stoppedAt, 'nothing runs after stop');
      await db.end({ timeout: 1 });
      await cluster.close();
    }
  });

  test('stop lets a run in flight finish', async () => {
    const app = await startApp();
    let finished = false;
    const slow: Loop = { name: 'slow', everyMs: 60_000, async run() { await new Promise((r) => setTimeout(r, 200)); finished = true; } };
    const services = { db: app.db, config: app.config, metrics: createMetrics(() => ({ inUse: 0, waiting: 0, max: 0 })), clock: manualClock(), live: createHub(), forgetUser: () => {} };
    const worker = createWorker(services, [slow]);
    try {
      worker.start();
      await new Promise((r) => setTimeout(r, 20));
      await worker.stop(5000);
      assert.equal(finished, true);
    } finally {
      await app.close();
    }
  });

  test('resuming after an outage never starts a second run of a loop still running, nor leaves a timer behind', async () => {
    const app = await startApp();
    const services = { db: app.db, config: app.config, metrics: createMetrics(() => ({ inUse: 0, waiting: 0, max: 0 })), clock: manualClock(), live: createHub(), forgetUser: () => {} };
    let active = 0;
    let most = 0;
    let runs = 0;
    let failed = false;
    const slow: Loop = {
      name: 'slow', everyMs: 3_600_000,
      async run() {
        runs++;
        most = Math.max(most, ++active);
        await new Promise((r) => setTimeout(r, 300));
        active--;
      },
    };
    // Fails once as if the database were away; the ping (it is not away) resumes the worker at once.
    const flaky: Loop = {
      name: 'flaky', everyMs: 10,
      async run() {
        if (!failed) { failed = true; throw new AppError('database_unavailable', 'gone for a moment'); }
      },
    };
    const worker = createWorker(services, [slow, flaky], 20);
    try {
      worker.start();
      await until('the worker paused and resumed', () => failed && !worker.paused());
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(most, 1, 'one run of a loop at a time');
      assert.equal(runs, 1, 'the run in flight planned its own successor (an hour later)');
    } finally {
      await worker.stop(1000);
      await app.close();
    }
  });

  test('the server process runs the retention purge: expired Idempotency-Key records and old events go', async () => {
    const app = await startApp();
    try {
      const emp = await app.user('EMPLOYEE');
      await app.call('POST', '/requests', { key: emp.key, body: { title: 'kept' }, headers: { 'Idempotency-Key': 'fresh' } });
      await app.call('POST', '/requests', { key: emp.key, body: { title: 'old' }, headers: { 'Idempotency-Key': 'stale' } });
      await app.db`update idempotency_keys set created_at = now() - interval '25 hours' where key = 'stale'`;
      // An event from before the retention period (events are never updated, so one is written old).
      await app.db`insert into events (type, data, created_at) values ('user.updated', '{"old": true}', now() - interval '31 days')`;
      const proc = await spawnServer({ DATABASE_URL: app.dbUrl });
      try {
        let left = { keys: -1, old: -1 };
        for (let i = 0; i < 100 && !(left.keys === 1 && left.old === 0); i++) {
          if (i) await new Promise((r) => setTimeout(r, 100));
          const [row] = await app.db`select (select count(*)::int from idempotency_keys) as keys,
            (select count(*)::int from events where data ? 'old') as old`;
          left = { keys: row.keys, old: row.old };
        }
        assert.deepEqual(left, { keys: 1, old: 0 });
        const [{ n }] = await app.db`select count(*)::int as n from events where type = 'request.created'`;
        assert.equal(n, 2, 'recent events stay');
      } finally {
        proc.child.kill('SIGTERM');
        assert.equal(await proc.exited, 0);
      }
    } finally {
      await app.close();
    }
  });
});
