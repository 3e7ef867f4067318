// The HTTP core: routing, input refusal, problem+json, request ids, health and docs.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { compile, match } from '../src/http/router.ts';
import { problem, useApp } from './helpers.ts';

describe('router', () => {
  const routes = compile([
    { method: 'GET', path: '/users/me' },
    { method: 'GET', path: '/users/:id' },
    { method: 'PATCH', path: '/users/:id' },
    { method: 'POST', path: '/users/:id/api-key/rotate' },
  ]);

  test('a static segment wins over a parameter listed after it', () => {
    const m = match(routes, 'GET', '/users/me');
    assert.equal(m.kind, 'found');
    assert.equal(m.kind === 'found' && m.route.path, '/users/me');
  });

  test('parameters are captured and decoded', () => {
    const m = match(routes, 'POST', '/users/a%20b/api-key/rotate');
    assert.deepEqual(m.kind === 'found' && m.params, { id: 'a b' });
  });

  test('a known path with another method lists the allowed methods', () => {
    assert.deepEqual(match(routes, 'DELETE', '/users/42'), { kind: 'method_not_allowed', allow: ['GET', 'HEAD', 'PATCH'] });
  });

  test('unknown paths, empty parameters and bad escapes are not found', () => {
    assert.equal(match(routes, 'GET', '/nope').kind, 'not_found');
    assert.equal(match(routes, 'GET', '/users/').kind, 'not_found');
    assert.equal(match(routes, 'GET', '/users/%E0%A4%A').kind, 'not_found');
  });
});

describe('HTTP core', () => {
  const app = useApp({ BODY_LIMIT: '2048' });

  test('an unknown route is 404 route_not_found as problem+json', async () => {
    const r = await app().call('GET', '/no/such/thing');
    problem(r, 404, 'route_not_found');
    assert.equal(r.body.type, '/problems/route_not_found');
    assert.equal(r.body.instance, '/no/such/thing');
    assert.equal(r.body.request_id, r.headers['x-request-id']);
  });

  test('a wrong method is 405 with an Allow header', async () => {
    const r = await app().call('DELETE', '/requests');
    problem(r, 405, 'method_not_allowed');
    assert.equal(r.headers.allow, 'GET, HEAD, POST');
  });

  test('X-Request-ID is echoed when well-formed and replaced otherwise', async () => {
    const mine = await app().call('GET', '/health', { headers: { 'X-Request-ID': 'abc.DEF-123_x' } });
    assert.equal(mine.headers['x-request-id'], 'abc.DEF-123_x');
    const bad = await app().call('GET', '/health', { headers: { 'X-Request-ID': 'has spaces and {braces}' } });
    assert.match(String(bad.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('a body that is not JSON is 400 malformed_json', async () => {
    const { key } = await app().user('EMPLOYEE');
    problem(await app().call('POST', '/requests', { key, raw: '{"title": ' }), 400, 'malformed_json');
  });

  test('a body of another content type is 415', async () => {
    const { key } = await app().user('EMPLOYEE');
    const r = await app().call('POST', '/requests', { key, raw: 'title=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    problem(r, 415, 'unsupported_media_type');
  });

  test('a body over BODY_LIMIT is 413 and nothing is written', async () => {
    const { key } = await app().user('EMPLOYEE');
    const r = await app().call('POST', '/requests', { key, body: { title: 'big', description: 'x'.repeat(4000) } });
    problem(r, 413, 'payload_too_large');
    const [{ n }] = await app().db`select count(*)::int as n from requests where title = 'big'`;
    assert.equal(n, 0);
  });

  test('a body nested deeper than 32 levels is 422 before any handler runs', async () => {
    const { key } = await app().user('EMPLOYEE');
    const deep = '['.repeat(40) + ']'.repeat(40);
    const r = await app().call('POST', '/requests', { key, raw: `{"title":"t","description":${deep}}` });
    problem(r, 422, 'validation_failed');
    assert.match(r.body.detail, /nested deeper than 32/);
  });

  test('a string holding a NUL character is 422, never a 500', async () => {
    const { key } = await app().user('EMPLOYEE');
    const r = await app().call('POST', '/requests', { key, raw: '{"title":"bad\\u0000title"}' });
    problem(r, 422, 'validation_failed');
    assert.match(r.body.detail, /NUL/);
  });

  test('more than 200 headers is 431 too_many_headers', async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 205; i++) headers[`X-Filler-${i}`] = 'x';
    problem(await app().call('GET', '/health', { headers }), 431, 'too_many_headers');
  });

  test('a repeated X-API-Key or Authorization header is 400 duplicate_header', async () => {
    const { key } = await app().user('EMPLOYEE');
    for (const name of ['X-API-Key', 'Authorization']) {
      const value = name === 'Authorization' ? `Bearer ${key}` : key;
      // A raw socket: Node's client would fold the two headers into one.
      const reply = await new Promise<{ status: number; body: any }>((resolve, reject) => {
        const { port } = new URL(app().url);
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.end(`GET /users/me HTTP/1.1\r\nHost: x\r\n${name}: ${value}\r\n${name}: ${value}\r\nConnection: close\r\n\r\n`);
        });
        let text = '';
        socket.on('data', (c) => (text += c));
        socket.on('end', () => resolve({ status: Number(text.split(' ')[1]), body: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) }));
        socket.on('error', reject);
      });
      assert.equal(reply.status, 400, name);
      assert.equal(reply.body.code, 'duplicate_header');
    }
  });

  test('an unexpected failure is a bare 500 internal_error with no SQL or stack in it', async () => {
    const { key } = await app().user('ADMIN');
    await app().db`alter table roles rename to roles_gone`;
    try {
      const r = await app().call('GET', '/roles', { key });
      problem(r, 500, 'internal_error');
      assert.doesNotMatch(r.text, /roles_gone|relation|select|at .*\.ts/i);
      assert.deepEqual(Object.keys(r.body).sort(), ['code', 'detail', 'instance', 'request_id', 'status', 'title', 'type']);
    } finally {
      await app().db`alter table roles_gone rename to roles`;
    }
  });

  test('responses carry nosniff and no-store', async () => {
    const r = await app().call('GET', '/health');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['cache-control'], 'no-store');
  });

  test('health endpoints answer while the database is up', async () => {
    for (const path of ['/health', '/health/live']) {
      const r = await app().call('GET', path);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { status: 'ok' });
    }
    const ready = await app().call('GET', '/health/ready');
    assert.deepEqual([ready.status, ready.body], [200, { status: 'ok', database: 'ok' }]);
  });

  test('the OpenAPI document and its page are served without a key', async () => {
    const doc = await app().call('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    const page = await app().call('GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.doesNotMatch(page.text, /https?:\/\/(?!127\.0\.0\.1|localhost)/);
  });

  test('HEAD is answered like GET without a body', async () => {
    const r = await app().call('HEAD', '/health');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });
});
