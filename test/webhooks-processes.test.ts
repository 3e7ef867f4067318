// Webhook delivery across processes and outages: two server processes on one database
// deliver each event once; a process killed with SIGKILL mid-attempt loses nothing (its
// lease runs out and the next process delivers); a PostgreSQL outage pauses delivery and it
// resumes by itself.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createApp } from '../src/app.ts';
import { startEmbedded } from '../src/db/embedded.ts';
import { connect } from '../src/db/index.ts';
import { migrate } from '../src/migrate.ts';
import { freshDatabase, request, spawnServer, startApp, testConfig } from './helpers.ts';
import { eventually, receiver, verified } from './webhooks-receiver.ts';

const ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '30', WEBHOOK_RETRY_SCHEDULE: '200ms,200ms',
  WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_LEASE_MS: '2500',
};

describe('several server processes', () => {
  test('two server processes on one database deliver each event once, at most WEBHOOK_CONCURRENCY at a time to an endpoint', async () => {
    const dbUrl = await freshDatabase();
    const app = await startApp({}, dbUrl);
    // Answers take a few ms, so attempts overlap and both processes' fan-out and claims race.
    const rx = await receiver((n) => ({ status: 200, delayMs: n % 7 }));
    const env = { DATABASE_URL: dbUrl, ...ENV, WEBHOOK_CONCURRENCY: '3' };
    const [one, two] = await Promise.all([spawnServer(env), spawnServer(env)]);
    try {
      const admin = await app.user('ADMIN');
      const emp = await app.user('EMPLOYEE');
      const w = (await request(one.base, 'POST', '/webhooks', { key: admin.key, body: { url: rx.url, events: ['request.created', 'comment.created'] } })).body;
      // 200 creates, 32 at a time, half through each process, then 10 comments.
      const made: { status: number; body: any }[] = [];
      await Promise.all(Array.from({ length: 32 }, async (_, lane) => {
        for (let i = lane; i < 200; i += 32) {
          made.push(await request(i % 2 ? one.base : two.base, 'POST', '/requests', { key: emp.key, body: { title: `twice? ${i}` } }));
        }
      }));
      assert.ok(made.every((r) => r.status === 201));
      for (const r of made.slice(0, 10)) assert.equal((await request(two.base, 'POST', `/requests/${r.body.id}/comments`, { key: emp.key, body: { body: 'and a comment' } })).status, 201);
      await rx.waitFor(210, 30_000);
      // Let any duplicate arrive that would.
      await new Promise((r) => setTimeout(r, 1000));
      const ids = rx.got.map((r) => String(r.headers['webhook-id']));
      assert.equal(ids.length, 210);
      assert.equal(new Set(ids).size, 210, 'each event delivered once');
      const created = new Set(rx.got.filter((r) => r.json.type === 'request.created').map((r) => r.json.data.request.id));
      assert.ok(made.every((r) => created.has(r.body.id)), 'every acknowledged create was delivered');
      const madeIds = made.map((r) => r.body.id as string);
      const [stored] = await app.db`
        select (select count(*)::int from requests where id = any(${madeIds}::uuid[])) as requests,
               (select count(*)::int from audit_logs where action = 'request.created' and entity_id = any(${madeIds}::uuid[])) as audited,
               (select count(*)::int from events where type = 'request.created' and request_id = any(${madeIds}::uuid[])) as events`;
      assert.deepEqual(stored, { requests: 200, audited: 200, events: 200 }, 'every acknowledged create is stored with its audit row and event');
      for (const r of rx.got) verified(w.secret, r);
      assert.ok(rx.maxInFlight() <= 3, `at most WEBHOOK_CONCURRENCY=3 attempts in flight over both processes, saw ${rx.maxInFlight()}`);
      const rows = await app.db`
        select d.attempts, d.status, (select count(*)::int from webhook_attempts a where a.delivery_id = d.id) as attempt_rows
        from webhook_deliveries d where d.webhook_id = ${w.id}`;
      assert.equal(rows.length, 210);
      assert.ok(rows.every((d) => d.attempts === 1 && d.status === 'succeeded' && d.attempt_rows === 1));
    } finally {
      one.child.kill('SIGTERM');
      two.child.kill('SIGTERM');
      await Promise.all([one.exited, two.exited]);
      await rx.close();
      await app.close();
    }
  });

  test('a process killed with SIGKILL mid-attempt loses nothing: after its lease runs out the next process delivers', async () => {
    const dbUrl = await freshDatabase();
    const app = await startApp({}, dbUrl);
    // The first attempt hangs (the process dies during it); the next is answered.
    const rx = await receiver((n) => (n === 1 ? 'hang' : { status: 200 }));
    let first = await spawnServer({ DATABASE_URL: dbUrl, ...ENV, WEBHOOK_TIMEOUT_MS: '1500' });
    let second: typeof first | undefined;
    try {
      const admin = await app.user('ADMIN');
      const w = (await request(first.base, 'POST', '/webhooks', { key: admin.key, body: { url: rx.url, events: ['webhook.ping'] } })).body;
      const ping = (await request(first.base, 'POST', `/webhooks/${w.id}/ping`, { key: admin.key })).body.event_id;
      await rx.waitFor(1);
      const [claim] = await app.db`select leased_until, attempts from webhook_deliveries where event_id = ${ping}`;
      assert.ok(claim.leased_until, 'the attempt is under a lease');
      first.child.kill('SIGKILL');
      await first.exited;
      second = await spawnServer({ DATABASE_URL: dbUrl, ...ENV });
      const [, again] = await rx.waitFor(2, 20_000);
      assert.equal(again.headers['webhook-id'], ping, 'the same delivery, once its lease ran out');
      assert.ok(again.at >= claim.leased_until.getTime() - 50, 'not before the lease ran out');
      verified(w.secret, again);
      const d = await eventually('the delivery is recorded', async () => {
        const [row] = await app.db`select status, attempts from webhook_deliveries where event_id = ${ping}`;
        return row.status === 'succeeded' && row;
      });
      // The killed process's attempt left no result: one attempt recorded, by the second process.
      assert.equal(d.attempts, 1);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(rx.got.length, 2);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      await second?.exited;
      await rx.close();
      await app.close();
    }
  });

  test('SIGTERM lets an attempt in flight finish, records it, and exits 0', async () => {
    const dbUrl = await freshDatabase();
    const app = await startApp({}, dbUrl);
    const slow = await receiver(() => 'hang');
    const proc = await spawnServer({ DATABASE_URL: dbUrl, ...ENV, WEBHOOK_TIMEOUT_MS: '1500', SHUTDOWN_TIMEOUT_MS: '5000' });
    try {
      const admin = await app.user('ADMIN');
      const w = (await request(proc.base, 'POST', '/webhooks', { key: admin.key, body: { url: slow.url, events: ['webhook.ping'] } })).body;
      const ping = (await request(proc.base, 'POST', `/webhooks/${w.id}/ping`, { key: admin.key })).body.event_id;
      await slow.waitFor(1);
      proc.child.kill('SIGTERM');
      assert.equal(await proc.exited, 0);
      // It waited for the attempt (which timed out after 1.5 s), then recorded it and gave up its claim.
      const [row] = await app.db`select attempts, status, last_error, leased_until from webhook_deliveries where event_id = ${ping}`;
      assert.deepEqual([row.attempts, row.status, row.last_error, row.leased_until], [1, 'pending', 'timed out after 1500 ms', null]);
    } finally {
      proc.child.kill('SIGKILL');
      await slow.close();
      await app.close();
    }
  });
});

describe('a PostgreSQL outage', () => {
  test('pauses delivery; an attempt that finished meanwhile is recorded once it is back, and delivery resumes by itself', async () => {
    const cluster = await startEmbedded();
    const db = connect(cluster.url, { max: 4, txMax: 2, acquireTimeoutMs: 500 });
    const { server, worker } = createApp(testConfig({ ...ENV, WEBHOOK_TIMEOUT_MS: '4000', WEBHOOK_LEASE_MS: '8000' }), db);
    // The second delivery is answered only after the database has gone away.
    const rx = await receiver((n) => (n === 2 ? { status: 200, delayMs: 1500 } : { status: 200 }));
    try {
      await migrate(db);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const boot = await request(base, 'POST', '/users', { body: { email: 'hooks@example.com', full_name: 'H' }, headers: { 'X-Bootstrap-Key': 'bootstrap-key-for-tests-0123456789' } });
      const key = boot.body.api_key;
      const w = (await request(base, 'POST', '/webhooks', { key, body: { url: rx.url, events: ['request.created'] } })).body;
      worker.start();
      await request(base, 'POST', '/requests', { key, body: { title: 'before the outage' } });
      await rx.waitFor(1);
      const during = (await request(base, 'POST', '/requests', { key, body: { title: 'answered during the outage' } })).body;
      await rx.waitFor(2);

      await cluster.stop();
      await eventually('the worker paused', async () => worker.paused());
      await new Promise((r) => setTimeout(r, 1500)); // the answer comes while the database is down
      assert.equal(worker.paused(), true);
      await cluster.start();
      await eventually('the worker resumed', async () => !worker.paused(), 20_000);
      const after = (await request(base, 'POST', '/requests', { key, body: { title: 'after the outage' } })).body;
      await rx.until('the request made after the outage arrived', () => rx.got.some((g) => g.json.data.request.id === after.id), 20_000);
      for (const r of rx.got) verified(w.secret, r);
      const [row] = await db`select d.status, d.attempts from webhook_deliveries d join events e on e.id = d.event_id where e.request_id = ${during.id}`;
      assert.deepEqual([row.status, row.attempts], ['succeeded', 1], 'its result waited for the database, and it was not sent again');
      assert.equal(rx.got.filter((g) => g.json.data.request.id === during.id).length, 1);
    } finally {
      await worker.stop(1000);
      server.closeAllConnections();
      server.close();
      await rx.close();
      await db.end({ timeout: 1 });
      await cluster.close();
    }
  });
});
