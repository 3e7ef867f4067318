// Staying up when things go wrong: a database outage, a graceful shutdown, and several
// instances on one database. These start real server processes and a real cluster.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createApp } from '../src/app.ts';
import { manualClock } from '../src/clock.ts';
import { startEmbedded } from '../src/db/embedded.ts';
import { connect } from '../src/db/index.ts';
import { setLogLevel } from '../src/log.ts';
import { migrate } from '../src/migrate.ts';
import { freshDatabase, problem, request, spawnServer, startApp, testConfig } from './helpers.ts';

describe('a database outage', () => {
  test('routes answer 503 quickly while PostgreSQL is down, readiness follows, and the same process recovers', async () => {
    const cluster = await startEmbedded();
    const db = connect(cluster.url, { max: 4 });
    const clock = manualClock();
    const { server } = createApp(testConfig(), db, { clock });
    const write = process.stdout.write;
    try {
      await migrate(db);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const boot = await request(base, 'POST', '/users', { body: { email: 'outage@example.com', full_name: 'O' }, headers: { 'X-Bootstrap-Key': 'bootstrap-key-for-tests-0123456789' } });
      const key = boot.body.api_key;
      assert.equal((await request(base, 'GET', '/health/ready')).status, 200);

      await cluster.stop();
      // Capture what the server logs during the outage (JSON lines on stdout; the tests
      // otherwise run silent).
      setLogLevel('warn');
      const logged: string[] = [];
      process.stdout.write = ((chunk: string | Uint8Array) => logged.push(String(chunk)) > 0) as typeof process.stdout.write;
      const started = Date.now();
      const ready = await request(base, 'GET', '/health/ready');
      assert.deepEqual([ready.status, ready.body], [503, { status: 'unavailable', database: 'unavailable' }]);
      assert.equal((await request(base, 'GET', '/health/live')).status, 200);
      // A key not seen before must be checked against the database, which is gone.
      const fresh = await request(base, 'GET', '/requests', { key: 'sfk_never_seen_before_0000000000000000000000' });
      problem(fresh, 503, 'database_unavailable');
      assert.equal(fresh.headers['retry-after'], '1');
      clock.advance(1100); // past the cached authentication's second
      // Every call answers within 3 s however long the outage lasts: the driver's reconnect
      // backoff grows with each failure and would otherwise hold writes for up to 20 s.
      const within3s = async (method: string, path: string, body?: unknown) => {
        const t = Date.now();
        problem(await request(base, method, path, { key, body }), 503, 'database_unavailable');
        assert.ok(Date.now() - t < 3000, `${method} ${path} during the outage took ${Date.now() - t} ms`);
      };
      for (let i = 0; i < 6; i++) {
        await within3s('POST', '/requests', { title: 'during outage' });
        await within3s('GET', '/requests');
      }
      assert.ok(Date.now() - started < 30_000);
      process.stdout.write = write;
      setLogLevel('silent');
      const outageLines = logged.join('').split('\n').filter((l) => l.includes('"database unavailable"'));
      assert.ok(outageLines.length >= 2, 'each 503 is logged');
      for (const line of outageLines) {
        const entry = JSON.parse(line);
        assert.equal(entry.level, 'warn');
        assert.ok(entry.error_code || entry.error, 'says what failed');
        assert.equal(entry.stack, undefined);
        assert.doesNotMatch(line, /\bat .*\.(ts|js):\d+|select |insert /i, 'no stack frame, no SQL');
      }

      await cluster.start();
      let back = await request(base, 'GET', '/health/ready');
      for (let i = 0; i < 50 && back.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        back = await request(base, 'GET', '/health/ready');
      }
      assert.equal(back.status, 200);
      const created = await request(base, 'POST', '/requests', { key, body: { title: 'after outage' } });
      assert.equal(created.status, 201);
    } finally {
      process.stdout.write = write;
      setLogLevel('silent');
      server.close();
      await db.end({ timeout: 1 });
      await cluster.close();
    }
  });
});

describe('graceful shutdown', () => {
  test('on SIGTERM a request in flight completes, new connections are refused, and the process exits 0', async () => {
    const app = await startApp();
    const proc = await spawnServer({ DATABASE_URL: app.dbUrl, SHUTDOWN_TIMEOUT_MS: '5000' });
    try {
      const emp = await app.user('EMPLOYEE');
      const created = await request(proc.base, 'POST', '/requests', { key: emp.key, body: { title: 'in flight' } });
      // Hold the row so the next edit waits inside the server, then stop the server.
      const holder = await app.db.reserve();
      await holder`begin`;
      await holder`select 1 from requests where id = ${created.body.id} for update`;
      const inFlight = request(proc.base, 'PATCH', `/requests/${created.body.id}`, { key: emp.key, body: { title: 'finished during shutdown' } });
      await new Promise((r) => setTimeout(r, 300));
      proc.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      await assert.rejects(request(proc.base, 'GET', '/health'), { code: 'ECONNREFUSED' });
      await holder`commit`;
      holder.release();
      const done = await inFlight;
      assert.equal(done.status, 200);
      assert.equal(done.body.title, 'finished during shutdown');
      assert.equal(await proc.exited, 0);
    } finally {
      proc.child.kill('SIGKILL');
      await app.close();
    }
  });
});

describe('several instances on one database', () => {
  test('two server processes race the same status change: exactly one wins', async () => {
    const dbUrl = await freshDatabase();
    const app = await startApp({}, dbUrl);
    const [one, two] = await Promise.all([spawnServer({ DATABASE_URL: dbUrl }), spawnServer({ DATABASE_URL: dbUrl })]);
    try {
      const emp = await app.user('EMPLOYEE');
      const agents = await Promise.all(Array.from({ length: 10 }, () => app.user('AGENT')));
      const req = await request(one.base, 'POST', '/requests', { key: emp.key, body: { title: 'two instances' } });
      const replies = await Promise.all(agents.map((a, i) =>
        request(i % 2 ? one.base : two.base, 'PATCH', `/requests/${req.body.id}/status`, { key: a.key, body: { status: 'IN_PROGRESS' } })));
      assert.equal(replies.filter((r) => r.status === 200).length, 1);
      assert.equal(replies.filter((r) => r.status === 409).length, 9);
      // A key rotated through one instance stops working on the other within a second.
      const rotated = await request(one.base, 'POST', '/users/me/api-key/rotate', { key: emp.key });
      assert.equal(rotated.status, 200);
      // Another process has its own clock: wait (bounded) for its cached answer to lapse.
      let other = await request(two.base, 'GET', '/users/me', { key: emp.key });
      for (let i = 0; i < 30 && other.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        other = await request(two.base, 'GET', '/users/me', { key: emp.key });
      }
      problem(other, 401, 'invalid_api_key');
    } finally {
      one.child.kill('SIGTERM');
      two.child.kill('SIGTERM');
      await Promise.all([one.exited, two.exited]);
      await app.close();
    }
  });
});

describe('WEB_CONCURRENCY', () => {
  test('two worker processes share the port, serve the API, and stop cleanly on SIGTERM', async () => {
    const app = await startApp();
    const proc = await spawnServer({ DATABASE_URL: app.dbUrl, WEB_CONCURRENCY: '2' });
    try {
      const emp = await app.user('EMPLOYEE');
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => request(proc.base, 'POST', '/requests', { key: emp.key, body: { title: `worker ${i}` } })));
      assert.deepEqual(replies.map((r) => r.status), Array(8).fill(201));
      const listening = () => (proc.output().match(/"msg":"listening"/g) ?? []).length;
      for (let i = 0; i < 50 && listening() < 2; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(listening(), 2, 'two workers listening');
      proc.child.kill('SIGTERM');
      assert.equal(await proc.exited, 0);
    } finally {
      proc.child.kill('SIGKILL');
      await app.close();
    }
  });
});
