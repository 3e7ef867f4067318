// The webhook endpoint API: ADMIN only, the secret shown once, every change audited and
// none an event, the SSRF guard on create and update, ping, the delivery log and
// redeliver. (Delivery itself: webhooks-delivery.test.ts and webhooks-processes.test.ts.)
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { EVENT_TYPES } from '../src/events.ts';
import { problem, startApp, useApp, type TestApp } from './helpers.ts';

const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

async function auditOf(app: TestApp, key: string, id: string) {
  const r = await app.call('GET', `/audit-logs?entity_type=webhook&entity_id=${id}`, { key });
  assert.equal(r.status, 200);
  return r.body.items as any[];
}

describe('the webhook endpoint API', () => {
  const app = useApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });

  test('an ADMIN creates an endpoint and sees its secret once; get, list and the audit log never show it, and no event is written', async () => {
    const admin = await app().user('ADMIN');
    const [{ n: eventsBefore }] = await app().db`select count(*)::int as n from events`;
    const r = await app().call('POST', '/webhooks', {
      key: admin.key, body: { url: 'http://127.0.0.1:9/hooks?src=sf', description: 'CMDB', events: ['request.created', 'comment.created'] },
    });
    assert.equal(r.status, 201);
    assert.match(r.body.secret, SECRET);
    assert.equal(r.body.secret_last4, r.body.secret.slice(-4));
    assert.equal(r.headers.location, `/webhooks/${r.body.id}`);
    assert.deepEqual({ ...r.body, id: 'x', secret: 'x', secret_last4: 'x', created_at: 'x', updated_at: 'x' }, {
      id: 'x', url: 'http://127.0.0.1:9/hooks?src=sf', description: 'CMDB', events: ['request.created', 'comment.created'], team_id: null,
      is_active: true, disabled_reason: null, secret_last4: 'x', created_at: 'x', updated_at: 'x', secret: 'x',
    });
    const got = await app().call('GET', `/webhooks/${r.body.id}`, { key: admin.key });
    assert.equal(got.status, 200);
    assert.equal(got.body.secret, undefined);
    const list = await app().call('GET', '/webhooks?limit=100', { key: admin.key });
    assert.ok(list.body.items.some((w: any) => w.id === r.body.id));
    const [entry] = await auditOf(app(), admin.key, r.body.id);
    assert.equal(entry.action, 'webhook.created');
    assert.deepEqual(entry.actor.id, admin.id);
    assert.deepEqual(entry.changes.secret_last4, [null, r.body.secret_last4]);
    assert.doesNotMatch(JSON.stringify([got.body, list.body, entry]), /whsec_/, 'the secret is shown once');
    const [{ n: eventsAfter }] = await app().db`select count(*)::int as n from events`;
    assert.equal(eventsAfter, eventsBefore, 'changes to webhooks emit no event');
  });

  test('only an ADMIN manages webhooks: others get 403, an unknown endpoint is 404', async () => {
    const admin = await app().user('ADMIN');
    const agent = await app().user('AGENT');
    const emp = await app().user('EMPLOYEE');
    const w = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'http://127.0.0.1:9/', events: ['*'] } })).body;
    for (const key of [agent.key, emp.key]) {
      problem(await app().call('POST', '/webhooks', { key, body: { url: 'http://127.0.0.1:9/', events: ['*'] } }), 403, 'forbidden');
      problem(await app().call('GET', '/webhooks', { key }), 403, 'forbidden');
      problem(await app().call('GET', `/webhooks/${w.id}`, { key }), 403, 'forbidden');
      problem(await app().call('PATCH', `/webhooks/${w.id}`, { key, body: { is_active: false } }), 403, 'forbidden');
      problem(await app().call('DELETE', `/webhooks/${w.id}`, { key }), 403, 'forbidden');
      problem(await app().call('POST', `/webhooks/${w.id}/ping`, { key }), 403, 'forbidden');
      problem(await app().call('POST', `/webhooks/${w.id}/secret/rotate`, { key }), 403, 'forbidden');
      problem(await app().call('GET', `/webhooks/${w.id}/deliveries`, { key }), 403, 'forbidden');
    }
    const nobody = '00000000-0000-4000-8000-000000000000';
    problem(await app().call('GET', `/webhooks/${nobody}`, { key: admin.key }), 404, 'not_found');
    problem(await app().call('GET', '/webhooks/not-a-uuid', { key: admin.key }), 404, 'not_found');
    problem(await app().call('GET', `/webhooks/${w.id}/deliveries/${nobody}`, { key: admin.key }), 404, 'not_found');
    problem(await app().call('POST', `/webhooks/${w.id}/deliveries/${nobody}/redeliver`, { key: admin.key }), 404, 'not_found');
    problem(await app().call('GET', '/webhooks', { key: 'sfk_wrong' }), 401, 'invalid_api_key');
  });

  test('bad input is 422 with the field that is wrong', async () => {
    const admin = await app().user('ADMIN');
    const bad = async (body: unknown, path: string) => {
      const r = await app().call('POST', '/webhooks', { key: admin.key, body });
      problem(r, 422, 'validation_failed');
      assert.ok(r.body.errors.some((e: any) => e.path === path), `${JSON.stringify(body)}: ${r.text}`);
    };
    await bad({ url: 'ftp://example.com/', events: ['*'] }, 'url');
    await bad({ url: 'not a url', events: ['*'] }, 'url');
    await bad({ url: 'https://user:pw@example.com/', events: ['*'] }, 'url');
    await bad({ url: 'https://example.com/', events: [] }, 'events');
    await bad({ url: 'https://example.com/', events: ['request.exploded'] }, 'events.0');
    await bad({ url: 'https://example.com/', events: ['*', 'request.created'] }, 'events');
    await bad({ url: 'https://example.com/', events: ['request.created', 'request.created'] }, 'events');
    await bad({ url: 'https://example.com/', events: ['*'], team_id: 'sales' }, 'team_id');
    await bad({ url: 'https://example.com/', events: ['*'], team_id: crypto.randomUUID() }, 'team_id');
    assert.equal((await app().db`select count(*)::int as n from webhooks where team_id is not null and team_id not in (select id from teams)`)[0].n, 0, 'nothing refused was stored');
    await bad({ url: 'https://example.com/', events: ['*'], secret: 'mine' }, 'secret');
    await bad({ events: ['*'] }, 'url');
    const w = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'https://example.com/', events: ['*'] } })).body;
    problem(await app().call('PATCH', `/webhooks/${w.id}`, { key: admin.key, body: { disabled_reason: 'x' } }), 422, 'validation_failed');
    problem(await app().call('POST', `/webhooks/${w.id}/ping`, { key: admin.key, body: { now: true } }), 422, 'validation_failed');
    problem(await app().call('GET', `/webhooks/${w.id}/deliveries?status=lost`, { key: admin.key }), 400, 'invalid_query');
  });

  test('PATCH changes what it names and audits [old, new]; enabling clears disabled_reason; a change to nothing writes no audit row', async () => {
    const admin = await app().user('ADMIN');
    const w = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'http://127.0.0.1:9/a', events: ['*'] } })).body;
    const team = (await app().call('POST', '/teams', { key: admin.key, body: { name: `Hooks ${crypto.randomUUID().slice(0, 8)}` } })).body.id;
    const unknown = await app().call('PATCH', `/webhooks/${w.id}`, { key: admin.key, body: { team_id: crypto.randomUUID(), description: 'not this' } });
    problem(unknown, 422, 'validation_failed');
    assert.deepEqual(unknown.body.errors.map((e: any) => e.path), ['team_id']);
    const r = await app().call('PATCH', `/webhooks/${w.id}`, { key: admin.key, body: { url: 'http://127.0.0.1:9/b', events: ['request.created'], team_id: team, description: 'new' } });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.url, r.body.events, r.body.team_id, r.body.description], ['http://127.0.0.1:9/b', ['request.created'], team, 'new']);
    // The breaker's doing, as the delivery worker writes it.
    await app().db`update webhooks set is_active = false, disabled_reason = '50 consecutive failed attempts', consecutive_failures = 50 where id = ${w.id}`;
    const on = await app().call('PATCH', `/webhooks/${w.id}`, { key: admin.key, body: { is_active: true } });
    assert.deepEqual([on.body.is_active, on.body.disabled_reason], [true, null]);
    const [{ consecutive_failures }] = await app().db`select consecutive_failures from webhooks where id = ${w.id}`;
    assert.equal(consecutive_failures, 0);
    const same = await app().call('PATCH', `/webhooks/${w.id}`, { key: admin.key, body: { is_active: true, team_id: team } });
    assert.equal(same.status, 200);
    const off = await app().call('PATCH', `/webhooks/${w.id}`, { key: admin.key, body: { is_active: false, team_id: null } });
    assert.deepEqual([off.body.is_active, off.body.disabled_reason, off.body.team_id], [false, null, null]);
    const log = await auditOf(app(), admin.key, w.id);
    assert.deepEqual(log.map((e) => e.action), ['webhook.updated', 'webhook.updated', 'webhook.updated', 'webhook.created']);
    assert.deepEqual(log[0].changes, { is_active: [true, false], team_id: [team, null] });
    assert.deepEqual(log[1].changes, { is_active: [false, true], disabled_reason: ['50 consecutive failed attempts', null] });
    assert.deepEqual(log[2].changes.events, [['*'], ['request.created']]);
    assert.deepEqual(log[2].changes.team_id, [null, team]);
  });

  test('rotating the secret shows the new one once and audits only last fours; the old one signs for 24 hours more', async () => {
    const admin = await app().user('ADMIN');
    const w = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'http://127.0.0.1:9/', events: ['*'] } })).body;
    const r = await app().call('POST', `/webhooks/${w.id}/secret/rotate`, { key: admin.key });
    assert.equal(r.status, 200);
    assert.match(r.body.secret, SECRET);
    assert.notEqual(r.body.secret, w.secret);
    const expires = Date.parse(r.body.previous_secret_expires_at) - Date.now();
    assert.ok(Math.abs(expires - 24 * 3600_000) < 60_000, `the old secret expires in ${expires} ms`);
    const [row] = await app().db`select secret, previous_secret from webhooks where id = ${w.id}`;
    assert.deepEqual([row.secret, row.previous_secret], [r.body.secret, w.secret]);
    assert.equal((await app().call('GET', `/webhooks/${w.id}`, { key: admin.key })).body.secret_last4, r.body.secret.slice(-4));
    const [entry] = await auditOf(app(), admin.key, w.id);
    assert.equal(entry.action, 'webhook.secret_rotated');
    assert.deepEqual(entry.changes, { secret_last4: [w.secret.slice(-4), r.body.secret.slice(-4)] });
  });

  test('a ping queues one webhook.ping for that endpoint only, listed in its delivery log', async () => {
    const admin = await app().user('ADMIN');
    const a = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'http://127.0.0.1:9/a', events: ['*'] } })).body;
    const b = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'http://127.0.0.1:9/b', events: ['*'] } })).body;
    const r = await app().call('POST', `/webhooks/${a.id}/ping`, { key: admin.key });
    assert.equal(r.status, 202);
    const [event] = await app().db`select type, actor_id, data from events where id = ${r.body.event_id}`;
    assert.deepEqual(event, { type: 'webhook.ping', actor_id: admin.id, data: { webhook_id: a.id } });
    const log = await app().call('GET', `/webhooks/${a.id}/deliveries`, { key: admin.key });
    assert.deepEqual(log.body.items.map((d: any) => [d.event_id, d.event_type, d.status, d.attempts, d.last_attempt]), [[r.body.event_id, 'webhook.ping', 'pending', 0, null]]);
    assert.ok(log.body.items[0].next_attempt_at);
    assert.deepEqual((await app().call('GET', `/webhooks/${b.id}/deliveries`, { key: admin.key })).body.items, []);
  });

  test('the delivery log pages newest first and filters by status; redeliver makes a failed delivery pending again, now', async () => {
    const admin = await app().user('ADMIN');
    const w = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'http://127.0.0.1:9/', events: ['*'] } })).body;
    const pings: string[] = [];
    for (let i = 0; i < 3; i++) pings.push((await app().call('POST', `/webhooks/${w.id}/ping`, { key: admin.key })).body.event_id);
    // The first failed after its attempts, as the worker leaves it.
    const [failed] = await app().db`
      update webhook_deliveries set status = 'failed', attempts = 10, last_attempt_at = now(), last_response_status = 500, last_duration_ms = 12
      where event_id = ${pings[0]} returning id`;
    await app().db`insert into webhook_attempts (delivery_id, at, response_status, duration_ms, error, response_excerpt)
      values (${failed.id}, now(), 500, 12, null, 'boom')`;
    const page1 = await app().call('GET', `/webhooks/${w.id}/deliveries?limit=2`, { key: admin.key });
    assert.deepEqual(page1.body.items.map((d: any) => d.event_id), [pings[2], pings[1]]);
    const page2 = await app().call('GET', `/webhooks/${w.id}/deliveries?limit=2&cursor=${page1.body.next_cursor}`, { key: admin.key });
    assert.deepEqual([page2.body.items.map((d: any) => d.event_id), page2.body.next_cursor], [[pings[0]], null]);
    const onlyFailed = await app().call('GET', `/webhooks/${w.id}/deliveries?status=failed`, { key: admin.key });
    assert.deepEqual(onlyFailed.body.items.map((d: any) => [d.id, d.status, d.next_attempt_at, d.last_attempt.response_status]), [[failed.id, 'failed', null, 500]]);
    const detail = await app().call('GET', `/webhooks/${w.id}/deliveries/${failed.id}`, { key: admin.key });
    assert.deepEqual(detail.body.attempts.map((a: any) => [a.response_status, a.duration_ms, a.response_excerpt]), [[500, 12, 'boom']]);

    const again = await app().call('POST', `/webhooks/${w.id}/deliveries/${failed.id}/redeliver`, { key: admin.key });
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'pending');
    assert.ok(Math.abs(Date.parse(again.body.next_attempt_at) - Date.now()) < 5000);
    // Another endpoint's delivery is not found through this one.
    const other = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'http://127.0.0.1:9/', events: ['*'] } })).body;
    problem(await app().call('POST', `/webhooks/${other.id}/deliveries/${failed.id}/redeliver`, { key: admin.key }), 404, 'not_found');
  });

  test('a disabled endpoint is pinged and redelivered to only once enabled: 409 webhook_inactive, and nothing is queued', async () => {
    const admin = await app().user('ADMIN');
    const w = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'http://127.0.0.1:9/', events: ['*'] } })).body;
    const ping = (await app().call('POST', `/webhooks/${w.id}/ping`, { key: admin.key })).body.event_id;
    const [d] = await app().db`update webhook_deliveries set status = 'failed', attempts = 10 where event_id = ${ping} returning id`;
    assert.equal((await app().call('PATCH', `/webhooks/${w.id}`, { key: admin.key, body: { is_active: false } })).status, 200);
    problem(await app().call('POST', `/webhooks/${w.id}/ping`, { key: admin.key }), 409, 'webhook_inactive');
    problem(await app().call('POST', `/webhooks/${w.id}/deliveries/${d.id}/redeliver`, { key: admin.key }), 409, 'webhook_inactive');
    const [{ n, pending }] = await app().db`select count(*)::int as n, count(*) filter (where status = 'pending')::int as pending from webhook_deliveries where webhook_id = ${w.id}`;
    assert.deepEqual([n, pending], [1, 0], 'no ping queued, the failed delivery left failed');
    assert.equal((await app().call('PATCH', `/webhooks/${w.id}`, { key: admin.key, body: { is_active: true } })).status, 200);
    assert.equal((await app().call('POST', `/webhooks/${w.id}/deliveries/${d.id}/redeliver`, { key: admin.key })).status, 202);
    assert.equal((await app().call('POST', `/webhooks/${w.id}/ping`, { key: admin.key })).status, 202);
  });

  test('DELETE removes the endpoint with its pending deliveries, audited', async () => {
    const admin = await app().user('ADMIN');
    const w = (await app().call('POST', '/webhooks', { key: admin.key, body: { url: 'http://127.0.0.1:9/', events: ['*'] } })).body;
    await app().call('POST', `/webhooks/${w.id}/ping`, { key: admin.key });
    const r = await app().call('DELETE', `/webhooks/${w.id}`, { key: admin.key });
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    problem(await app().call('GET', `/webhooks/${w.id}`, { key: admin.key }), 404, 'not_found');
    problem(await app().call('DELETE', `/webhooks/${w.id}`, { key: admin.key }), 404, 'not_found');
    const [{ n }] = await app().db`select count(*)::int as n from webhook_deliveries where webhook_id = ${w.id}`;
    assert.equal(n, 0);
    const [entry] = await auditOf(app(), admin.key, w.id);
    assert.equal(entry.action, 'webhook.deleted');
  });

  test("the database holds the same catalogue of event types as src/events.ts, and the server's role cannot rewrite an attempt", async () => {
    const [row] = await app().db`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'webhooks_events_valid'`;
    const inSql = [...row.def.matchAll(/'([a-z_.*]+)'/g)].map((m) => m[1]).sort();
    assert.deepEqual(inSql, ['*', ...EVENT_TYPES].sort());
    await assert.rejects(app().serverDb`update webhook_attempts set error = 'rewritten'`, { code: '42501' });
    await assert.rejects(app().serverDb`delete from webhook_attempts`, { code: '42501' });
  });
});

describe('the SSRF guard on create and update', () => {
  test('without WEBHOOK_ALLOW_PRIVATE, loopback, private, link-local and a name resolving to loopback are 422 webhook_url_not_allowed', async () => {
    const app = await startApp();
    try {
      const admin = await app.user('ADMIN');
      for (const url of ['http://127.0.0.1/', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/', 'http://localhost:8000/',
        'http://0.0.0.0/', 'http://100.64.0.1/', 'http://[::ffff:127.0.0.1]/', 'http://[fe80::1]/', 'http://192.168.1.1/', 'http://2130706433/']) {
        const r = await app.call('POST', '/webhooks', { key: admin.key, body: { url, events: ['*'] } });
        problem(r, 422, 'webhook_url_not_allowed');
        assert.deepEqual(r.body.errors.map((e: any) => e.path), ['url'], url);
      }
      // A public address passes; so does a name that does not resolve (yet): each attempt checks again.
      const ok = await app.call('POST', '/webhooks', { key: admin.key, body: { url: 'https://93.184.216.34/hook', events: ['*'] } });
      assert.equal(ok.status, 201);
      const unresolved = await app.call('POST', '/webhooks', { key: admin.key, body: { url: 'https://hooks.invalid/x', events: ['*'] } });
      assert.equal(unresolved.status, 201);
      problem(await app.call('PATCH', `/webhooks/${ok.body.id}`, { key: admin.key, body: { url: 'http://127.0.0.1:8000/' } }), 422, 'webhook_url_not_allowed');
      assert.equal((await app.call('GET', `/webhooks/${ok.body.id}`, { key: admin.key })).body.url, 'https://93.184.216.34/hook');
      // Not for a caller who may not create endpoints: they learn nothing of our DNS.
      const agent = await app.user('AGENT');
      problem(await app.call('POST', '/webhooks', { key: agent.key, body: { url: 'http://127.0.0.1/', events: ['*'] } }), 403, 'forbidden');
    } finally {
      await app.close();
    }
  });
});
