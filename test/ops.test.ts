// Operations: the audit log API, metrics, rate limits, security headers and CORS.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import parsePrometheus from 'parse-prometheus-text-format';
import { problem, startApp, useApp } from './helpers.ts';

describe('GET /audit-logs', () => {
  const app = useApp();

  test('ADMIN only; newest first; filters by actor, entity, action and time; pages with a cursor', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE', 'Auditee');
    const agent = await app().user('AGENT');
    problem(await app().call('GET', '/audit-logs', { key: agent.key }), 403, 'forbidden');
    problem(await app().call('GET', '/audit-logs', { key: emp.key }), 403, 'forbidden');
    const req = (await app().call('POST', '/requests', { key: emp.key, body: { title: 'Audit me' }, headers: { 'User-Agent': 'audit-test/1.0', 'X-Request-ID': 'audit-req-1' } })).body;
    await app().call('PATCH', `/requests/${req.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS' } });

    const all = await app().call('GET', `/audit-logs?entity_type=request&entity_id=${req.id}`, { key: admin.key });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.items.map((e: any) => e.action), ['request.status_changed', 'request.created']);
    const created = all.body.items[1];
    assert.deepEqual(created.actor, { id: emp.id, full_name: 'Auditee' });
    assert.equal(created.request_id, 'audit-req-1');
    assert.equal(created.user_agent, 'audit-test/1.0');
    assert.equal(created.ip, '127.0.0.1');
    assert.deepEqual(Object.keys(created).sort(), ['action', 'actor', 'changes', 'created_at', 'entity_id', 'entity_type', 'id', 'ip', 'request_id', 'user_agent']);

    const byActor = await app().call('GET', `/audit-logs?actor_id=${agent.id}`, { key: admin.key });
    // The test helper's user.created rows name the new user as their own actor.
    assert.deepEqual(byActor.body.items.map((e: any) => e.action), ['request.status_changed', 'user.created']);
    assert.ok(byActor.body.items.every((e: any) => e.actor.id === agent.id));
    const byAction = await app().call('GET', '/audit-logs?action=request.created&limit=1', { key: admin.key });
    assert.equal(byAction.body.items.length, 1);
    const future = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    const none = await app().call('GET', `/audit-logs?since=${future}`, { key: admin.key });
    assert.deepEqual(none.body.items, []);
    const until = await app().call('GET', `/audit-logs?until=${future}&limit=100`, { key: admin.key });
    assert.ok(until.body.items.length >= 2);
    problem(await app().call('GET', '/audit-logs?entity_type=invoice', { key: admin.key }), 400, 'invalid_query');
    problem(await app().call('GET', '/audit-logs?since=soon', { key: admin.key }), 400, 'invalid_query');
  });
});

describe('metrics', () => {
  const app = useApp();

  test('GET /metrics is Prometheus text with route patterns, never raw paths', async () => {
    const emp = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT');
    const req = (await app().call('POST', '/requests', { key: emp.key, body: { title: 'measure me' } })).body;
    await app().call('GET', `/requests/${req.public_id}`, { key: emp.key });
    await app().call('PATCH', `/requests/${req.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS' } });
    await app().call('GET', '/users/me', { key: 'sfk_wrong' });
    const r = await app().call('GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheus(r.text) as { name: string; type: string; metrics: any[] }[];
    const family = (name: string) => families.find((f) => f.name === name)!;
    const http = family('serviceflow_http_requests_total');
    assert.equal(http.type, 'COUNTER');
    assert.ok(http.metrics.some((m) => m.labels.route === '/requests/:ref' && m.labels.method === 'GET' && m.labels.status === '200'));
    assert.ok(!r.text.includes(req.public_id), 'no raw path in any label');
    assert.equal(family('serviceflow_http_request_duration_seconds').type, 'HISTOGRAM');
    assert.equal(family('serviceflow_requests_created_total').metrics[0].value, '1');
    const moves = family('serviceflow_status_transitions_total').metrics;
    assert.deepEqual(moves.map((m) => [m.labels.from, m.labels.to, m.value]), [['NEW', 'IN_PROGRESS', '1']]);
    assert.ok(Number(family('serviceflow_auth_failures_total').metrics[0].value) >= 1);
    for (const name of ['serviceflow_db_pool_in_use', 'serviceflow_db_pool_waiting', 'process_resident_memory_bytes']) {
      assert.equal(family(name).type, 'GAUGE', name);
    }
  });

  test('with METRICS_TOKEN set, /metrics needs that bearer token', async () => {
    const app = await startApp({ METRICS_TOKEN: 'metrics-token-0123456789' });
    try {
      problem(await app.call('GET', '/metrics'), 401, 'missing_api_key');
      problem(await app.call('GET', '/metrics', { headers: { Authorization: 'Bearer wrong-token-000000000' } }), 401, 'invalid_api_key');
      const ok = await app.call('GET', '/metrics', { headers: { Authorization: 'Bearer metrics-token-0123456789' } });
      assert.equal(ok.status, 200);
    } finally { await app.close(); }
  });
});

describe('rate limiting', () => {
  test('a key past its burst gets 429 rate_limited with Retry-After and RateLimit-* headers', async () => {
    const app = await startApp({ RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: '3' });
    try {
      const a = await app.user('EMPLOYEE');
      const b = await app.user('EMPLOYEE');
      const replies = [];
      for (let i = 0; i < 4; i++) replies.push(await app.call('GET', '/users/me', { key: a.key }));
      assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 429]);
      assert.equal(replies[0].headers['ratelimit-limit'], '3');
      assert.equal(replies[0].headers['ratelimit-remaining'], '2');
      problem(replies[3], 429, 'rate_limited');
      assert.ok(Number(replies[3].headers['retry-after']) >= 1);
      assert.ok(replies[3].headers['ratelimit-reset']);
      assert.equal((await app.call('GET', '/users/me', { key: b.key })).status, 200, 'another key has its own bucket');
    } finally { await app.close(); }
  });

  test('RATE_LIMIT_RPS=0 turns it off', async () => {
    const app = await startApp({ RATE_LIMIT_RPS: '0', RATE_LIMIT_BURST: '1' });
    try {
      const a = await app.user('EMPLOYEE');
      for (let i = 0; i < 5; i++) assert.equal((await app.call('GET', '/users/me', { key: a.key })).status, 200);
    } finally { await app.close(); }
  });
});

describe('CORS', () => {
  test('off by default: no Access-Control-Allow-Origin for anyone', async () => {
    const app = await startApp();
    try {
      const r = await app.call('GET', '/health', { headers: { Origin: 'https://evil.example' } });
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    } finally { await app.close(); }
  });

  test('listed origins get exact-match CORS, preflights included; others get none', async () => {
    const app = await startApp({ CORS_ORIGINS: 'https://app.example' });
    try {
      const pre = await app.call('OPTIONS', '/requests', { headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
      assert.match(String(pre.headers['access-control-allow-headers']), /X-API-Key/);
      const get = await app.call('GET', '/health', { headers: { Origin: 'https://app.example' } });
      assert.equal(get.headers['access-control-allow-origin'], 'https://app.example');
      const other = await app.call('OPTIONS', '/requests', { headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      assert.equal(other.status, 405);
    } finally { await app.close(); }
  });
});
