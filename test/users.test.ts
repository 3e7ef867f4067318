// Users, roles and API keys through real HTTP against a real database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { hashApiKey } from '../src/users/keys.ts';
import { problem, startApp, useApp } from './helpers.ts';

const BOOTSTRAP = 'bootstrap-key-for-tests-0123456789';

describe('authentication', () => {
  const app = useApp();

  test('a key is sfk_ plus 43 url-safe characters, and the database holds only its hash and last 4', async () => {
    const { key: admin } = await app().user('ADMIN');
    const r = await app().call('POST', '/users', { key: admin, body: { email: 'Keys@Example.com ', full_name: 'Kay' } });
    assert.equal(r.status, 201);
    assert.match(r.body.api_key, /^sfk_[A-Za-z0-9_-]{43}$/);
    assert.equal(r.body.api_key_last4, r.body.api_key.slice(-4));
    assert.equal(r.body.email, 'keys@example.com');
    const [row] = await app().db`select * from users where id = ${r.body.id}`;
    assert.deepEqual(row.api_key_hash, hashApiKey(r.body.api_key));
    const dump = JSON.stringify(await app().db`select * from users`) + JSON.stringify(await app().db`select * from audit_logs`);
    assert.ok(!dump.includes(r.body.api_key), 'the raw key is nowhere in the database');
  });

  test('no key is 401 missing_api_key; a wrong key is 401 invalid_api_key', async () => {
    problem(await app().call('GET', '/users/me'), 401, 'missing_api_key');
    problem(await app().call('GET', '/users/me', { key: 'sfk_nope' }), 401, 'invalid_api_key');
  });

  test('Authorization: Bearer works like X-API-Key', async () => {
    const { key, id } = await app().user('EMPLOYEE');
    const r = await app().call('GET', '/users/me', { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(r.status, 200);
    assert.equal(r.body.id, id);
  });

  test('GET /users/me shows the caller without any key material', async () => {
    const { key, id } = await app().user('AGENT');
    const r = await app().call('GET', '/users/me', { key });
    assert.deepEqual(Object.keys(r.body).sort(), ['api_key_last4', 'created_at', 'email', 'full_name', 'id', 'is_active', 'role', 'teams', 'updated_at']);
    assert.equal(r.body.id, id);
    assert.equal(r.body.role, 'AGENT');
  });

  test('GET /roles lists the three roles with descriptions', async () => {
    const { key } = await app().user('EMPLOYEE');
    const r = await app().call('GET', '/roles', { key });
    assert.deepEqual(r.body.items.map((x: any) => x.code), ['ADMIN', 'AGENT', 'EMPLOYEE']);
    assert.ok(r.body.items.every((x: any) => x.description.length > 10));
  });
});

describe('failed authentications are limited per IP', () => {
  const app = useApp({ AUTH_FAILURE_LIMIT: '3' });

  test('after AUTH_FAILURE_LIMIT failures in a minute further failing attempts get 429 with Retry-After, and valid keys from the same address still work', async () => {
    const { key } = await app().user('EMPLOYEE');
    for (let i = 0; i < 3; i++) problem(await app().call('GET', '/users/me', { key: `sfk_wrong${i}` }), 401, 'invalid_api_key');
    const blocked = await app().call('GET', '/users/me', { key: 'sfk_wrong_again' });
    problem(blocked, 429, 'rate_limited');
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    problem(await app().call('GET', '/users/me'), 429, 'rate_limited');
    // Everyone else behind the same address (one proxy, one office NAT) keeps working.
    const ok = await app().call('GET', '/users/me', { key });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.role, 'EMPLOYEE');
  });

  test('a bootstrap attempt from an address over the limit is refused before the key is compared', async () => {
    for (let i = 0; i < 3; i++) await app().call('GET', '/users/me', { key: `sfk_other${i}` });
    const r = await app().call('POST', '/users', { body: { email: 'boot@example.com', full_name: 'B' }, headers: { 'X-Bootstrap-Key': 'bootstrap-key-for-tests-0123456789' } });
    problem(r, 429, 'rate_limited');
  });
});

describe('bootstrap', () => {
  test('without ADMIN_BOOTSTRAP_KEY the bootstrap is closed', async () => {
    const app = await startApp({ ADMIN_BOOTSTRAP_KEY: '' });
    try {
      const r = await app.call('POST', '/users', { body: { email: 'a@example.com', full_name: 'A' }, headers: { 'X-Bootstrap-Key': BOOTSTRAP } });
      problem(r, 403, 'bootstrap_closed');
    } finally { await app.close(); }
  });

  test('a wrong key is 403 invalid_bootstrap_key; the right one creates an ADMIN whatever role was asked; then it closes', async () => {
    const app = await startApp();
    try {
      const body = { email: 'first@example.com', full_name: 'First Admin', role: 'EMPLOYEE' };
      problem(await app.call('POST', '/users', { body, headers: { 'X-Bootstrap-Key': 'not-the-key-at-all' } }), 403, 'invalid_bootstrap_key');
      problem(await app.call('POST', '/users', { body }), 401, 'missing_api_key');
      const r = await app.call('POST', '/users', { body, headers: { 'X-Bootstrap-Key': BOOTSTRAP } });
      assert.equal(r.status, 201);
      assert.equal(r.body.role, 'ADMIN');
      const me = await app.call('GET', '/users/me', { key: r.body.api_key });
      assert.equal(me.body.role, 'ADMIN');
      const again = await app.call('POST', '/users', { body: { email: 'second@example.com', full_name: 'Second' }, headers: { 'X-Bootstrap-Key': BOOTSTRAP } });
      problem(again, 403, 'bootstrap_closed');
      const [audit] = await app.db`select * from audit_logs where action = 'user.bootstrapped'`;
      assert.equal(audit.actor_id, r.body.id);
    } finally { await app.close(); }
  });

  test('two bootstrap calls at the same moment create one admin', async () => {
    const app = await startApp();
    try {
      const replies = await Promise.all([0, 1, 2, 3, 4].map((i) =>
        app.call('POST', '/users', { body: { email: `race${i}@example.com`, full_name: `Racer ${i}` }, headers: { 'X-Bootstrap-Key': BOOTSTRAP } })));
      assert.deepEqual(replies.map((r) => r.status).sort(), [201, 403, 403, 403, 403]);
      assert.ok(replies.filter((r) => r.status === 403).every((r) => r.body.code === 'bootstrap_closed'));
      const [{ n }] = await app.db`select count(*)::int as n from users where role = 'ADMIN'`;
      assert.equal(n, 1);
    } finally { await app.close(); }
  });

  test('a call with a valid X-API-Key is an ordinary admin call, whatever else it carries', async () => {
    const app = await startApp();
    try {
      const { key } = await app.user('ADMIN');
      const r = await app.call('POST', '/users', { key, body: { email: 'hired@example.com', full_name: 'Hired', role: 'AGENT' }, headers: { 'X-Bootstrap-Key': 'wrong-wrong-wrong-wrong' } });
      assert.equal(r.status, 201);
      assert.equal(r.body.role, 'AGENT');
    } finally { await app.close(); }
  });
});

describe('user management', () => {
  const app = useApp();

  test('only an ADMIN may create and list users', async () => {
    for (const role of ['AGENT', 'EMPLOYEE'] as const) {
      const { key } = await app().user(role);
      problem(await app().call('POST', '/users', { key, body: { email: `by-${role}@example.com`, full_name: 'X' } }), 403, 'forbidden');
      problem(await app().call('GET', '/users', { key }), 403, 'forbidden');
    }
  });

  test('emails are unique regardless of case, also for two creations at once', async () => {
    const { key } = await app().user('ADMIN');
    assert.equal((await app().call('POST', '/users', { key, body: { email: 'dup@example.com', full_name: 'One' } })).status, 201);
    problem(await app().call('POST', '/users', { key, body: { email: ' DUP@Example.COM', full_name: 'Two' } }), 409, 'email_already_exists');
    const replies = await Promise.all([1, 2, 3].map((i) => app().call('POST', '/users', { key, body: { email: 'Same@Example.com', full_name: `S${i}` } })));
    assert.deepEqual(replies.map((r) => r.status).sort(), [201, 409, 409]);
  });

  test('bad input is 422 with a path per field; unknown fields are refused', async () => {
    const { key } = await app().user('ADMIN');
    const r = await app().call('POST', '/users', { key, body: { email: 'not-an-email', full_name: '   ', role: 'BOSS', api_key: 'mine' } });
    problem(r, 422, 'validation_failed');
    assert.deepEqual(r.body.errors.map((e: any) => e.path).sort(), ['api_key', 'email', 'full_name', 'role']);
    const long = await app().call('POST', '/users', { key, body: { email: 'long@example.com', full_name: 'é'.repeat(201) } });
    problem(long, 422, 'validation_failed');
    const [{ n }] = await app().db`select count(*)::int as n from users where email in ('not-an-email', 'long@example.com')`;
    assert.equal(n, 0);
  });

  test('a full name of 200 code points is accepted even when it is more UTF-16 units', async () => {
    const { key } = await app().user('ADMIN');
    const r = await app().call('POST', '/users', { key, body: { email: 'emoji@example.com', full_name: '😀'.repeat(200) } });
    assert.equal(r.status, 201);
  });

  test('GET /users filters by role, activity and name or email, and pages with a cursor', async () => {
    const { key } = await app().user('ADMIN');
    for (let i = 0; i < 5; i++) await app().call('POST', '/users', { key, body: { email: `pager${i}@example.com`, full_name: `Pager Person ${i}`, role: 'AGENT' } });
    const first = await app().call('GET', '/users?role=AGENT&q=pager&limit=2', { key });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.items.map((u: any) => u.email), ['pager4@example.com', 'pager3@example.com']);
    const seen = [...first.body.items];
    let cursor = first.body.next_cursor;
    while (cursor) {
      const next = await app().call('GET', `/users?role=AGENT&q=pager&limit=2&cursor=${cursor}`, { key });
      seen.push(...next.body.items);
      cursor = next.body.next_cursor;
    }
    assert.deepEqual(seen.map((u) => u.email), [4, 3, 2, 1, 0].map((i) => `pager${i}@example.com`));
    const inactive = await app().call('GET', '/users?is_active=false', { key });
    assert.ok(inactive.body.items.every((u: any) => u.is_active === false));
  });

  test('users page newest first by number, not by the text of their sequence (past 9, 99)', async () => {
    const { key } = await app().user('ADMIN');
    const made: string[] = [];
    for (let i = 0; i < 12; i++) made.push((await app().call('POST', '/users', { key, body: { email: `order${i}@example.com`, full_name: `Order ${i}` } })).body.email);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await app().call('GET', `/users?q=order&limit=5${cursor ? `&cursor=${cursor}` : ''}`, { key });
      seen.push(...page.body.items.map((u: any) => u.email));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [...made].reverse());
  });

  test('bad query parameters are 400 invalid_query', async () => {
    const { key } = await app().user('ADMIN');
    for (const qs of ['limit=0', 'limit=101', 'cursor=@@', 'role=KING', 'is_active=yes', 'colour=blue', 'q=a&q=b']) {
      problem(await app().call('GET', `/users?${qs}`, { key }), 400, 'invalid_query');
    }
  });

  test('GET /users/{id}: an ADMIN or the user themself; others get 404', async () => {
    const admin = await app().user('ADMIN');
    const a = await app().user('EMPLOYEE');
    const b = await app().user('EMPLOYEE');
    assert.equal((await app().call('GET', `/users/${a.id}`, { key: admin.key })).status, 200);
    assert.equal((await app().call('GET', `/users/${a.id}`, { key: a.key })).status, 200);
    problem(await app().call('GET', `/users/${a.id}`, { key: b.key }), 404, 'not_found');
    problem(await app().call('GET', '/users/not-a-uuid', { key: admin.key }), 404, 'not_found');
  });

  test('PATCH /users/{id} changes name, role and activity, audited as [old, new]', async () => {
    const admin = await app().user('ADMIN');
    const u = await app().user('EMPLOYEE', 'Old Name');
    const r = await app().call('PATCH', `/users/${u.id}`, { key: admin.key, body: { full_name: 'New Name', role: 'AGENT' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.role, 'AGENT');
    const [audit] = await app().db`select * from audit_logs where entity_id = ${u.id} and action = 'user.updated'`;
    assert.deepEqual(audit.changes, { full_name: ['Old Name', 'New Name'], role: ['EMPLOYEE', 'AGENT'] });
    assert.equal(audit.actor_id, admin.id);
    problem(await app().call('PATCH', `/users/${u.id}`, { key: u.key, body: { role: 'ADMIN' } }), 403, 'forbidden');
    problem(await app().call('PATCH', `/users/${u.id}`, { key: admin.key, body: { email: 'x@example.com' } }), 422, 'validation_failed');
  });

  test('a deactivated user\'s key stops working at once', async () => {
    const admin = await app().user('ADMIN');
    const u = await app().user('EMPLOYEE');
    assert.equal((await app().call('GET', '/users/me', { key: u.key })).status, 200);
    assert.equal((await app().call('PATCH', `/users/${u.id}`, { key: admin.key, body: { is_active: false } })).status, 200);
    problem(await app().call('GET', '/users/me', { key: u.key }), 401, 'invalid_api_key');
  });

  test('rotating my key: the new key works, the old one fails at once', async () => {
    const u = await app().user('EMPLOYEE');
    const r = await app().call('POST', '/users/me/api-key/rotate', { key: u.key });
    assert.equal(r.status, 200);
    assert.match(r.body.api_key, /^sfk_[A-Za-z0-9_-]{43}$/);
    assert.equal(r.body.api_key_last4, r.body.api_key.slice(-4));
    problem(await app().call('GET', '/users/me', { key: u.key }), 401, 'invalid_api_key');
    assert.equal((await app().call('GET', '/users/me', { key: r.body.api_key })).status, 200);
    const [audit] = await app().db`select * from audit_logs where entity_id = ${u.id} and action = 'user.api_key_rotated'`;
    assert.ok(!JSON.stringify(audit).includes(r.body.api_key));
  });

  test('an ADMIN rotates another user\'s key; nobody else may', async () => {
    const admin = await app().user('ADMIN');
    const agent = await app().user('AGENT');
    const u = await app().user('EMPLOYEE');
    problem(await app().call('POST', `/users/${u.id}/api-key/rotate`, { key: agent.key }), 404, 'not_found');
    problem(await app().call('POST', `/users/${u.id}/api-key/rotate`, { key: u.key }), 403, 'forbidden');
    const r = await app().call('POST', `/users/${u.id}/api-key/rotate`, { key: admin.key });
    assert.equal(r.status, 200);
    problem(await app().call('GET', '/users/me', { key: u.key }), 401, 'invalid_api_key');
    assert.equal((await app().call('GET', '/users/me', { key: r.body.api_key })).body.id, u.id);
  });
});

describe('the last active admin', () => {
  test('cannot be demoted or deactivated', async () => {
    const app = await startApp();
    try {
      const admin = await app.user('ADMIN');
      problem(await app.call('PATCH', `/users/${admin.id}`, { key: admin.key, body: { role: 'AGENT' } }), 409, 'last_admin');
      problem(await app.call('PATCH', `/users/${admin.id}`, { key: admin.key, body: { is_active: false } }), 409, 'last_admin');
      assert.equal((await app.call('PATCH', `/users/${admin.id}`, { key: admin.key, body: { full_name: 'Still Admin' } })).status, 200);
    } finally { await app.close(); }
  });

  test('two admins demoting each other at once leave one admin', async () => {
    const app = await startApp();
    try {
      const a = await app.user('ADMIN');
      const b = await app.user('ADMIN');
      const [ra, rb] = await Promise.all([
        app.call('PATCH', `/users/${b.id}`, { key: a.key, body: { role: 'EMPLOYEE' } }),
        app.call('PATCH', `/users/${a.id}`, { key: b.key, body: { role: 'EMPLOYEE' } }),
      ]);
      const statuses = [ra.status, rb.status].sort();
      // One wins. The loser is refused as last_admin, or, when the winner's change landed before the
      // loser was authenticated, as the EMPLOYEE it now is (404: it may not see other users).
      assert.equal(statuses[0], 200);
      assert.ok([404, 409].includes(statuses[1]), `second status ${statuses[1]}`);
      const [{ n }] = await app.db`select count(*)::int as n from users where role = 'ADMIN' and is_active`;
      assert.equal(n, 1);
    } finally { await app.close(); }
  });
});

describe('make seed', () => {
  test('creates the demo users once, prints keys that work, and running it twice creates nothing twice', async () => {
    const app = await startApp();
    try {
      const env = { ...process.env, DATABASE_URL: app.dbUrl, API_KEY: 'my-own-admin-key-0123456789', LOG_LEVEL: 'silent' };
      const run = () => spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'seed'], { env, encoding: 'utf8', timeout: 60_000 });
      const first = run();
      assert.equal(first.status, 0, first.stderr);
      const second = run();
      assert.equal(second.status, 0, second.stderr);
      const [{ users }] = await app.db`select count(*)::int as users from users`;
      const [{ requests }] = await app.db`select count(*)::int as requests from requests`;
      assert.equal(users, 5);
      assert.equal(requests, 8);
      const teams = await app.db`select t.name, count(m.user_id)::int as members from teams t left join team_members m on m.team_id = t.id group by t.name order by t.name`;
      assert.deepEqual(teams.map((t) => [t.name, t.members]), [['Facilities', 1], ['HR', 1], ['IT', 1]]);
      const statuses = await app.db`select distinct status from requests order by status`;
      assert.deepEqual(statuses.map((r) => r.status), ['CANCELED', 'DONE', 'IN_PROGRESS', 'NEW']);
      const keys = [...second.stdout.matchAll(/^\s+(ADMIN|AGENT|EMPLOYEE)\s+\S+\s+(\S+)$/gm)].map((m) => [m[1], m[2]]);
      assert.equal(keys.length, 5);
      assert.deepEqual(keys[0], ['ADMIN', 'my-own-admin-key-0123456789']);
      for (const [role, key] of keys) {
        const me = await app.call('GET', '/users/me', { key });
        assert.equal(me.body.role, role);
      }
      // The IT agent does not see the HR cases; the HR agent does.
      const [, itKey] = keys[1];
      const [, hrKey] = keys[2];
      const titles = async (key: string) => (await app.call('GET', '/requests', { key })).body.items.map((r: any) => r.title);
      assert.ok(!(await titles(itKey)).some((t: string) => /payslip|leave/.test(t)));
      assert.ok((await titles(hrKey)).some((t: string) => /payslip/.test(t)));
    } finally { await app.close(); }
  });
});
