// The client's address behind a proxy (issue 12, point 6): X-Forwarded-For is believed
// only from a peer named in TRUSTED_PROXIES, and then it is the address the audit log
// records and the failed-authentication limit counts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freshDatabase, problem, startApp, type TestApp } from './helpers.ts';

async function auditIpOfCreate(app: TestApp, key: string, forwardedFor?: string): Promise<string> {
  const headers: Record<string, string> = forwardedFor === undefined ? {} : { 'X-Forwarded-For': forwardedFor };
  const r = await app.call('POST', '/requests', { key, body: { title: 'where from' }, headers });
  assert.equal(r.status, 201, r.text);
  const [audit] = await app.db`select ip from audit_logs where entity_id = ${r.body.id} and action = 'request.created'`;
  return audit.ip;
}

describe('X-Forwarded-For', () => {
  test('is believed only from a listed proxy: then the audit ip is the forwarded client, else the peer', async () => {
    const dbUrl = await freshDatabase();
    const trusting = await startApp({ TRUSTED_PROXIES: '127.0.0.1' }, dbUrl);
    const unset = await startApp({}, dbUrl);
    const otherProxy = await startApp({ TRUSTED_PROXIES: '10.0.0.1' }, dbUrl);
    try {
      const emp = await trusting.user('EMPLOYEE');
      assert.equal(await auditIpOfCreate(trusting, emp.key, '203.0.113.7'), '203.0.113.7');
      assert.equal(await auditIpOfCreate(trusting, emp.key, '198.51.100.1, 203.0.113.7'), '203.0.113.7', 'the hop our proxy saw, not what the client claimed before it');
      assert.equal(await auditIpOfCreate(trusting, emp.key), '127.0.0.1', 'no header: the proxy itself');
      assert.equal(await auditIpOfCreate(unset, emp.key, '203.0.113.7'), '127.0.0.1', 'no TRUSTED_PROXIES: the header is ignored');
      assert.equal(await auditIpOfCreate(otherProxy, emp.key, '203.0.113.7'), '127.0.0.1', 'a peer that is not listed: the header is ignored');
    } finally {
      await Promise.all([trusting.close(), unset.close(), otherProxy.close()]);
    }
  });
});

describe('the failed-authentication limit', () => {
  test('counts the forwarded client behind a listed proxy (another client behind it still gets 401, valid keys get in), and the peer when the header comes from anyone else', async () => {
    const dbUrl = await freshDatabase();
    const behindProxy = await startApp({ TRUSTED_PROXIES: '127.0.0.1', AUTH_FAILURE_LIMIT: '3' }, dbUrl);
    const direct = await startApp({ TRUSTED_PROXIES: '10.0.0.1', AUTH_FAILURE_LIMIT: '3' }, dbUrl);
    try {
      const emp = await behindProxy.user('EMPLOYEE');
      const from = (app: TestApp, ip: string, key: string) => app.call('GET', '/users/me', { key, headers: { 'X-Forwarded-For': ip } });
      for (let i = 0; i < 3; i++) problem(await from(behindProxy, '203.0.113.7', `sfk_wrong_${i}`), 401, 'invalid_api_key');
      const blocked = await from(behindProxy, '203.0.113.7', 'sfk_wrong_again');
      problem(blocked, 429, 'rate_limited');
      assert.ok(Number(blocked.headers['retry-after']) >= 1);
      problem(await from(behindProxy, '203.0.113.8', 'sfk_wrong_elsewhere'), 401, 'invalid_api_key');
      assert.equal((await from(behindProxy, '203.0.113.8', emp.key)).status, 200);
      assert.equal((await from(behindProxy, '203.0.113.7', emp.key)).status, 200, 'a valid key passes the limit');

      // Not behind a listed proxy: a new X-Forwarded-For per attempt does not reset the count.
      for (let i = 0; i < 3; i++) problem(await from(direct, `198.51.100.${i + 1}`, `sfk_wrong_${i}`), 401, 'invalid_api_key');
      problem(await from(direct, '198.51.100.99', 'sfk_wrong_3'), 429, 'rate_limited');
    } finally {
      await Promise.all([behindProxy.close(), direct.close()]);
    }
  });
});
