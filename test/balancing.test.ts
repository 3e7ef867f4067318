// Several instances behind a load balancer (issue 21, points 2–4): a key's rate limit and
// an address's failed-authentication limit are the configured ones however many instances
// serve them; behind nginx the audit ip and the limits see the real client, and a header
// from anyone else is ignored; nginx's own error pages are the API's problem documents.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, test } from 'node:test';
import { manualClock } from '../src/clock.ts';
import { installed, startNginx } from './fleet.ts';
import { freshDatabase, problem, request, startApp, type TestApp } from './helpers.ts';

describe('shared limits', () => {
  test('a key gets its configured rate however many instances serve it: three instances, 5/s with a burst of 5, offered 30/s for 10 s, allow 55 (±10%)', async (t) => {
    const dbUrl = await freshDatabase();
    const run = async (store: string) => {
      const clock = manualClock();
      const env = { RATE_LIMIT_RPS: '5', RATE_LIMIT_BURST: '5', RATE_LIMIT_STORE: store };
      const apps = await Promise.all([0, 1, 2].map(() => startApp(env, dbUrl, { clock })));
      try {
        const { key } = await apps[0].user('EMPLOYEE');
        let allowed = 0;
        // 100 steps of 100 ms, three calls a step, one to each instance.
        for (let step = 0; step < 100; step++) {
          const replies = await Promise.all(apps.map((app) => app.call('GET', '/users/me', { key })));
          for (const r of replies) {
            if (r.status === 200) allowed++;
            else problem(r, 429, 'rate_limited');
          }
          clock.advance(100);
        }
        return allowed;
      } finally {
        await Promise.all(apps.map((app) => app.close()));
      }
    };
    const shared = await run('postgres');
    assert.ok(shared >= 55 * 0.9 && shared <= 55 * 1.1, `allowed ${shared}`);
    // The limit per process, for contrast: each instance lets the key have its own 55.
    const perProcess = await run('memory');
    assert.ok(perProcess > 2 * 55, `memory allowed ${perProcess}`);
    t.diagnostic(`allowed: ${shared} shared, ${perProcess} with RATE_LIMIT_STORE=memory`);
  });

  test('a busy key whose instances take a few tokens at a time still gets its configured rate: three instances, 50/s with a burst of 100, offered 300/s for 10 s, allow 595 (at most, and within 10%)', async (t) => {
    const dbUrl = await freshDatabase();
    const clock = manualClock();
    const env = { RATE_LIMIT_RPS: '50', RATE_LIMIT_BURST: '100' };
    const apps = await Promise.all([0, 1, 2].map(() => startApp(env, dbUrl, { clock })));
    try {
      const { key } = await apps[0].user('EMPLOYEE');
      let allowed = 0;
      for (let step = 0; step < 100; step++) {
        const replies = await Promise.all(apps.flatMap((app) => Array.from({ length: 10 }, () => app.call('GET', '/users/me', { key }))));
        for (const r of replies) if (r.status === 200) allowed++; else problem(r, 429, 'rate_limited');
        clock.advance(100);
      }
      const statements = (await apps[0].db`select (n_tup_upd + n_tup_ins)::int as n from pg_stat_user_tables where relname = 'rate_limit_buckets'`)[0]?.n ?? 0;
      const limit = 100 + 50 * 9.9;
      assert.ok(allowed <= limit && allowed >= limit * 0.9, `allowed ${allowed} of ${limit}`);
      t.diagnostic(`allowed ${allowed} of ${limit}; the bucket was written about ${statements} times for ${100 * 30} calls`);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  test('a rotated key stops working at once on the instance that rotated it and within a second on the others', async () => {
    const dbUrl = await freshDatabase();
    const clock = manualClock();
    const [a, b] = await Promise.all([startApp({}, dbUrl, { clock }), startApp({}, dbUrl, { clock })]);
    try {
      const u = await a.user('EMPLOYEE');
      assert.equal((await b.call('GET', '/users/me', { key: u.key })).status, 200, 'b has the key cached');
      assert.equal((await a.call('POST', '/users/me/api-key/rotate', { key: u.key })).status, 200);
      problem(await a.call('GET', '/users/me', { key: u.key }), 401, 'invalid_api_key');
      clock.advance(1001);
      problem(await b.call('GET', '/users/me', { key: u.key }), 401, 'invalid_api_key');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

const noNginx = !installed('nginx') && 'nginx is not installed (apt-get install nginx-light)';

describe('behind nginx (deploy/nginx.conf) with TRUSTED_PROXIES', { skip: noNginx }, () => {
  const auditIp = async (app: TestApp, id: string) =>
    (await app.db`select ip from audit_logs where entity_id = ${id} and action = 'request.created'`)[0].ip;

  test('the audit ip and the failed-authentication limit are the real client\'s, across two instances; a header sent straight to an instance is ignored', async () => {
    const app = await startApp({ TRUSTED_PROXIES: '127.0.0.1', AUTH_FAILURE_LIMIT: '3' }, undefined, { behindNginx: 2 });
    try {
      const emp = await app.user('EMPLOYEE');
      const spoof = { 'X-Forwarded-For': '203.0.113.9' };
      const viaNginx = await app.call('POST', '/requests', { key: emp.key, body: { title: 'from .2' }, from: '127.0.0.2', headers: spoof });
      assert.equal(viaNginx.status, 201, viaNginx.text);
      assert.equal(await auditIp(app, viaNginx.body.id), '127.0.0.2', 'the address nginx saw, not what the client claimed');
      const direct = await request(app.instances[1], 'POST', '/requests', { key: emp.key, body: { title: 'straight' }, from: '127.0.0.2', headers: spoof });
      assert.equal(await auditIp(app, direct.body.id), '127.0.0.2', 'an untrusted peer\'s header is ignored');

      // Three failures from .2, whichever instance nginx picks: the fourth is refused.
      for (let i = 0; i < 3; i++) problem(await app.call('GET', '/users/me', { key: `sfk_wrong_${i}`, from: '127.0.0.2' }), 401, 'invalid_api_key');
      const blocked = await app.call('GET', '/users/me', { key: 'sfk_wrong_again', from: '127.0.0.2', headers: { 'X-Forwarded-For': '198.51.100.1' } });
      problem(blocked, 429, 'rate_limited');
      problem(await request(app.instances[0], 'GET', '/users/me', { key: 'sfk_wrong_direct', from: '127.0.0.2' }), 429, 'rate_limited');
      problem(await app.call('GET', '/users/me', { key: 'sfk_wrong_elsewhere', from: '127.0.0.3' }), 401, 'invalid_api_key');
      assert.equal((await app.call('GET', '/users/me', { key: emp.key, from: '127.0.0.2' })).status, 200, 'a valid key passes the limit');
    } finally {
      await app.close();
    }
  });
});

/** One raw exchange: nginx's answers are outside the API's document, so no contract check. */
function raw(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function assertProblem(r: { status: number; headers: http.IncomingHttpHeaders; body: any }, status: number, code: string, requestId?: string): void {
  assert.equal(r.status, status);
  assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
  assert.equal(r.body.status, status);
  assert.equal(r.body.code, code);
  assert.equal(r.body.type, `/problems/${code}`);
  assert.ok(r.body.title && r.body.detail && r.body.instance, JSON.stringify(r.body));
  assert.ok(r.headers['x-request-id'], 'an X-Request-ID header');
  assert.equal(r.body.request_id, r.headers['x-request-id']);
  if (requestId) assert.equal(r.headers['x-request-id'], requestId);
}

describe('nginx\'s own error pages', { skip: noNginx }, () => {
  test('413, 400, 502 and 504 are problem+json with the request id; the instance\'s own 413 passes through as the API\'s', async () => {
    const app = await startApp({}, undefined, { behindNginx: 2 });
    // An instance that accepts and never answers, and an address where nothing listens.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hang = await startNginx([`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`], { readTimeout: '1s' });
    const dead = await startNginx(['http://127.0.0.1:1']);
    try {
      const admin = await app.user('ADMIN');
      const tooBig = await raw(app.url, 'POST', '/requests', { 'X-API-Key': admin.key, 'Content-Type': 'application/json', 'X-Request-ID': 'big.1' }, Buffer.alloc(12 * 1024 * 1024, 0x20));
      assertProblem(tooBig, 413, 'payload_too_large', 'big.1');
      const ours = await raw(app.url, 'POST', '/requests', { 'X-API-Key': admin.key, 'Content-Type': 'application/json', 'X-Request-ID': 'big.2' }, Buffer.alloc(300 * 1024, 0x20));
      assertProblem(ours, 413, 'payload_too_large', 'big.2');
      assertProblem(await raw(dead.base, 'GET', '/requests', { 'X-Request-ID': 'gone.1' }), 502, 'bad_gateway', 'gone.1');
      assertProblem(await raw(hang.base, 'GET', '/requests'), 504, 'gateway_timeout');

      // A request line nginx cannot read never reaches an instance.
      const text = await new Promise<string>((resolve, reject) => {
        let out = '';
        const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
        socket.on('data', (c) => (out += c));
        socket.on('end', () => resolve(out));
        socket.on('error', reject);
      });
      const [head, body] = text.split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 400 /);
      assert.match(head, /\r\nContent-Type: application\/problem\+json\r\n/i);
      const id = /\r\nX-Request-ID: ([0-9a-f]+)\r\n/i.exec(head)?.[1];
      assert.ok(id, head);
      assert.deepEqual([JSON.parse(body).code, JSON.parse(body).request_id], ['bad_request', id]);
    } finally {
      await Promise.all([hang.close(), dead.close(), app.close()]);
      silent.close();
    }
  });
});
