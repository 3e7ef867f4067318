// Webhook delivery in one server process, to real receivers on port 0: signatures that the
// independent `standardwebhooks` package verifies (also during a rotation), retries with a
// stable webhook-id, Retry-After, 410, redirects, timeouts, the breaker, one slow endpoint
// beside a fast one, rolled-back changes, the team filter, and the SSRF guard at connect
// time. Short waits come from the configuration (WEBHOOK_RETRY_SCHEDULE and friends).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import parsePrometheus from 'parse-prometheus-text-format';
import { EVENT_TYPES } from '../src/events.ts';
import { setLogLevel } from '../src/log.ts';
import { startApp, type TestApp } from './helpers.ts';
import { eventually, type Receiver, receiver, verified } from './webhooks-receiver.ts';

const ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '30', WEBHOOK_RETRY_SCHEDULE: '150ms,150ms,150ms',
  WEBHOOK_TIMEOUT_MS: '800', WEBHOOK_LEASE_MS: '5000', WEBHOOK_DISABLE_AFTER: '6', WEBHOOK_CONCURRENCY: '3',
};

describe('webhook delivery', () => {
  let app: TestApp;
  let admin: { id: string; key: string };
  const receivers: Receiver[] = [];
  const endpoints: string[] = [];

  before(async () => {
    app = await startApp(ENV);
    app.worker.start();
    admin = await app.user('ADMIN', 'Ada Admin');
  });
  after(async () => {
    await app.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  /** A receiver and an endpoint for it, deleted after the test (so later tests' events do not reach it). */
  async function endpoint(t: { after: (fn: () => Promise<void>) => void }, events: string[], answer?: Parameters<typeof receiver>[0], body: Record<string, unknown> = {}) {
    const rx = await receiver(answer);
    receivers.push(rx);
    const r = await app.call('POST', '/webhooks', { key: admin.key, body: { url: rx.url, events, ...body } });
    assert.equal(r.status, 201, r.text);
    endpoints.push(r.body.id);
    t.after(async () => { await app.call('DELETE', `/webhooks/${r.body.id}`, { key: admin.key }); });
    return { rx, id: r.body.id as string, secret: r.body.secret as string };
  }

  const deliveries = async (id: string, q = '') => (await app.call('GET', `/webhooks/${id}/deliveries?limit=100${q}`, { key: admin.key })).body.items as any[];
  const detail = async (id: string, d: string) => (await app.call('GET', `/webhooks/${id}/deliveries/${d}`, { key: admin.key })).body;
  const settled = (id: string, n = 1) => eventually(`${n} deliveries settled`, async () => {
    const items = await deliveries(id);
    return items.length >= n && items.every((d) => d.status !== 'pending') && items;
  });

  /** An event written as the workflow would (for types whose change is not in this codebase yet). */
  const insertEvent = async (type: string, data: unknown) =>
    (await app.db`insert into events (type, actor_id, data) values (${type}, ${admin.id}, ${app.db.json(data as any)}) returning id`)[0].id as string;

  test('every event type arrives as the event JSON, signed as Standard Webhooks says (the standardwebhooks package verifies each)', async (t) => {
    const { rx, id, secret } = await endpoint(t, ['*']);
    const emp = await app.user('EMPLOYEE', 'Erin');
    const agent = await app.user('AGENT', 'Alan');
    const req = (await app.call('POST', '/requests', { key: emp.key, body: { title: 'Printer jams' } })).body;
    await app.call('PATCH', `/requests/${req.id}`, { key: emp.key, body: { title: 'Printer jams daily' } });
    await app.call('PATCH', `/requests/${req.id}/assignee`, { key: agent.key, body: { assignee_id: agent.id } });
    await app.call('PATCH', `/requests/${req.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS' } });
    await app.call('POST', `/requests/${req.id}/comments`, { key: agent.key, body: { body: 'Toner is fake', internal: true } });
    await app.call('PATCH', `/users/${emp.id}`, { key: admin.key, body: { full_name: 'Erin E.' } });
    await app.call('POST', `/users/${emp.id}/api-key/rotate`, { key: admin.key });
    const request = (await app.db`select doc::jsonb as doc from request_details where id = ${req.id}`)[0].doc;
    const team = { id: '6b0a2b1e-1f5c-4c51-9a1e-3f2d2c1b0a99', name: 'IT', description: '', is_active: true };
    await insertEvent('request.team_changed', { request, changes: { team: [null, { id: team.id, name: 'IT' }] } });
    await insertEvent('attachment.created', { request, attachment: { id: crypto.randomUUID(), request_id: req.id, filename: 'a.png', content_type: 'image/png', size: 3, sha256: 'ab', internal: false } });
    await insertEvent('sla.warning', { request, metric: 'first_response', due_at: new Date().toISOString() });
    await insertEvent('sla.breached', { request, metric: 'resolution', due_at: new Date().toISOString() });
    await insertEvent('team.created', { team, changes: { name: [null, 'IT'] } });
    await insertEvent('team.updated', { team, changes: { description: ['', 'Desk'] } });
    await insertEvent('team.member_added', { team, user: { id: agent.id } });
    await insertEvent('team.member_removed', { team, user: { id: agent.id } });
    const ping = (await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key })).body.event_id;

    await rx.until('every type arrived', () => EVENT_TYPES.every((type) => rx.got.some((r) => r.json?.type === type)));
    for (const r of rx.got) {
      const payload = verified(secret, r);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['webhook-id'], payload.id, 'webhook-id is the event id');
      assert.ok(Math.abs(Number(r.headers['webhook-timestamp']) - r.at / 1000) < 5, 'webhook-timestamp is this attempt\'s Unix seconds');
      assert.match(String(r.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
      assert.equal(r.path, '/hook');
      // The body is the event exactly as GET /events shows it.
      const [event] = await app.db`select e.id, e.type, e.data, e.created_at from events e where id = ${payload.id}`;
      assert.deepEqual({ type: payload.type, data: payload.data, created_at: payload.created_at }, { type: event.type, data: event.data, created_at: event.created_at.toISOString() });
    }
    const byType = (type: string) => rx.got.find((r) => r.json.type === type)!.json;
    // The actor as GET /events shows it: their name as it is when the delivery is made.
    assert.equal(byType('request.created').actor.id, emp.id);
    assert.equal(byType('comment.created').data.comment.internal, true, 'an admin\'s endpoint receives internal notes, marked');
    assert.equal(byType('webhook.ping').id, ping);
    assert.deepEqual(byType('webhook.ping').data, { webhook_id: id });
    assert.doesNotMatch(JSON.stringify(rx.got.map((r) => r.json)), /sfk_|api_key_hash/, 'never key material');
    // A tampered body fails the same check.
    const r0 = rx.got[0];
    assert.throws(() => verified(secret, { ...r0, body: r0.body.replace('"type"', '"typo"') }), /signature/i);
  });

  test('during a secret rotation each delivery carries two signatures: one verifies with the old secret, one with the new', async (t) => {
    const { rx, id, secret: old } = await endpoint(t, ['webhook.ping']);
    const rotated = (await app.call('POST', `/webhooks/${id}/secret/rotate`, { key: admin.key })).body.secret;
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    const [r] = await rx.waitFor(1);
    const sigs = String(r.headers['webhook-signature']).split(' ');
    assert.equal(sigs.length, 2);
    assert.ok(verified(old, r) && verified(rotated, r), 'a receiver with either secret accepts it');
    const only = (sig: string) => ({ ...r, headers: { ...r.headers, 'webhook-signature': sig } });
    assert.ok(verified(rotated, only(sigs[0])), 'the first is the new secret\'s');
    assert.ok(verified(old, only(sigs[1])), 'the second is the old secret\'s');
    assert.throws(() => verified(old, only(sigs[0])));
    // Once the 24 hours are over, only the new secret signs.
    await app.db`update webhooks set previous_secret_expires_at = now() - interval '1 second' where id = ${id}`;
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    const [, later] = await rx.waitFor(2);
    assert.equal(String(later.headers['webhook-signature']).split(' ').length, 1);
    assert.ok(verified(rotated, later));
    assert.throws(() => verified(old, later));
  });

  test('a failed attempt is retried on the schedule with the same webhook-id, and the log shows every attempt', async (t) => {
    const { rx, id, secret } = await endpoint(t, ['webhook.ping'], (n) => (n < 3 ? { status: 500, body: `failure ${n}` } : { status: 204 }));
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    const got = await rx.waitFor(3);
    assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 1, 'the same webhook-id on every retry');
    for (const r of got) verified(secret, r);
    assert.ok(got[1].at - got[0].at >= 130 && got[2].at - got[1].at >= 130, 'retries wait the schedule (150 ms ± 10%)');
    const [d] = await settled(id);
    assert.deepEqual([d.status, d.attempts, d.last_attempt.response_status, d.next_attempt_at], ['succeeded', 3, 204, null]);
    const { attempts } = await detail(id, d.id);
    assert.deepEqual(attempts.map((a: any) => [a.response_status, a.response_excerpt]), [[500, 'failure 1'], [500, 'failure 2'], [204, null]]);
    // Redelivered on request: again the same webhook-id.
    assert.equal((await app.call('POST', `/webhooks/${id}/deliveries/${d.id}/redeliver`, { key: admin.key })).status, 202);
    const [, , , again] = await rx.waitFor(4);
    assert.equal(again.headers['webhook-id'], got[0].headers['webhook-id']);
  });

  test('one statement records a batch where some attempts failed and others succeeded, each as it happened', async (t) => {
    // Half the requests fail their first attempt; the first answers are held back so that they
    // come back together and are recorded together.
    let first = 0;
    const firstTries = new Set<string>();
    const { rx, id } = await endpoint(t, ['request.created'], (_n, r) => {
      first ||= Date.now();
      const retry = firstTries.has(String(r.headers['webhook-id']));
      firstTries.add(String(r.headers['webhook-id']));
      const fails = !retry && String(r.json.data.request.title).startsWith('fails');
      return { status: fails ? 500 : 200, body: fails ? 'not now' : 'ok', delayMs: Math.max(0, first + 300 - Date.now()) };
    });
    const emp = await app.user('EMPLOYEE');
    const titles = Array.from({ length: 6 }, (_, i) => `${i % 2 ? 'fails' : 'passes'} in a batch ${i}`);
    for (const title of titles) await app.call('POST', '/requests', { key: emp.key, body: { title } });
    await rx.waitFor(9);
    const items = await settled(id, 6);
    for (const d of items) {
      const { attempts } = await detail(id, d.id);
      const title = rx.got.find((r) => r.headers['webhook-id'] === d.event_id)!.json.data.request.title as string;
      if (title.startsWith('fails')) {
        assert.deepEqual([d.status, d.attempts, attempts.map((a: any) => [a.response_status, a.response_excerpt])], ['succeeded', 2, [[500, 'not now'], [200, 'ok']]], title);
      } else {
        assert.deepEqual([d.status, d.attempts, attempts.map((a: any) => [a.response_status, a.response_excerpt])], ['succeeded', 1, [[200, 'ok']]], title);
      }
    }
    // Recorded together: one transaction (one statement) wrote a 500 and a 200.
    const together = await app.db`
      select a.xmin::text as tx, array_agg(distinct a.response_status order by a.response_status) as statuses
      from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id
      where d.webhook_id = ${id} group by a.xmin::text`;
    assert.ok(together.some((g) => g.statuses.includes(500) && g.statuses.includes(200)), JSON.stringify(together));
    const [w] = await app.db`select is_active, consecutive_failures from webhooks where id = ${id}`;
    assert.deepEqual([w.is_active, w.consecutive_failures], [true, 0], 'the successes after the failures restart the count');
  });

  test('429 and 503 wait as Retry-After says', async (t) => {
    const { rx, id } = await endpoint(t, ['webhook.ping'], (n) =>
      n === 1 ? { status: 429, headers: { 'Retry-After': '1' } } : n === 2 ? { status: 503, headers: { 'Retry-After': '1' } } : { status: 200 });
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    const got = await rx.waitFor(3);
    assert.ok(got[1].at - got[0].at >= 950, `waited ${got[1].at - got[0].at} ms after 429`);
    assert.ok(got[2].at - got[1].at >= 950, `waited ${got[2].at - got[1].at} ms after 503`);
    const [d] = await settled(id);
    assert.equal(d.status, 'succeeded');
  });

  test('410 disables the endpoint at once, with a reason and an audit row without an actor; enabling clears the reason', async (t) => {
    const { rx, id } = await endpoint(t, ['webhook.ping'], () => ({ status: 410 }));
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    const w = await eventually('the endpoint is disabled', async () => {
      const r = (await app.call('GET', `/webhooks/${id}`, { key: admin.key })).body;
      return !r.is_active && r;
    });
    assert.equal(w.disabled_reason, 'the endpoint answered 410 Gone');
    const [d] = await settled(id);
    assert.deepEqual([d.status, d.attempts], ['failed', 1]);
    const audit = (await app.call('GET', `/audit-logs?entity_type=webhook&entity_id=${id}&action=webhook.disabled`, { key: admin.key })).body.items;
    assert.deepEqual(audit.map((e: any) => [e.actor, e.changes.is_active]), [[null, [true, false]]]);
    // Disabled: a ping is refused, and nothing is sent.
    const refused = await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    assert.deepEqual([refused.status, refused.body.code], [409, 'webhook_inactive']);
    assert.equal((await deliveries(id)).length, 1, 'no ping queued');
    const on = await app.call('PATCH', `/webhooks/${id}`, { key: admin.key, body: { is_active: true } });
    assert.deepEqual([on.body.is_active, on.body.disabled_reason], [true, null]);
    assert.equal((await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key })).status, 202);
    await rx.waitFor(2);
  });

  test('a redirect is not followed; after the schedule the delivery is failed, kept and listed', async (t) => {
    const elsewhere = await receiver();
    receivers.push(elsewhere);
    const { rx, id } = await endpoint(t, ['webhook.ping'], () => ({ status: 302, headers: { Location: elsewhere.url } }));
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    await rx.waitFor(4);
    const [d] = await settled(id);
    assert.deepEqual([d.status, d.attempts, d.last_attempt.response_status], ['failed', 4, 302]);
    assert.match(d.last_attempt.error, /redirects are not followed \(302 to http:\/\/127\.0\.0\.1:\d+\/hook\)/);
    assert.deepEqual((await deliveries(id, '&status=failed')).map((x) => x.id), [d.id]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rx.got.length, 4, 'no fifth attempt');
    assert.equal(elsewhere.got.length, 0, 'nothing went where it pointed');
  });

  test('an endpoint that never answers times out after WEBHOOK_TIMEOUT_MS and is retried', async (t) => {
    const { rx, id } = await endpoint(t, ['webhook.ping'], (n) => (n === 1 ? 'hang' : { status: 200 }));
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    const [first, second] = await rx.waitFor(2);
    assert.ok(second.at - first.at >= 800, `retried ${second.at - first.at} ms later`);
    const [d] = await settled(id);
    const { attempts } = await detail(id, d.id);
    assert.equal(attempts[0].response_status, null);
    assert.equal(attempts[0].error, 'timed out after 800 ms');
    assert.ok(attempts[0].duration_ms >= 790);
    assert.equal(d.status, 'succeeded');
  });

  test('a 2xx whose body is still coming at WEBHOOK_TIMEOUT_MS is a success, with what came as its excerpt', async (t) => {
    const { rx, id } = await endpoint(t, ['webhook.ping'], () => ({ status: 200, body: 'partial', unfinished: true }));
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    const [d] = await settled(id);
    assert.equal(d.status, 'succeeded');
    const { attempts } = await detail(id, d.id);
    assert.deepEqual(attempts.map((a: any) => [a.response_status, a.error, a.response_excerpt]), [[200, null, 'partial']]);
    assert.ok(attempts[0].duration_ms >= 790, `cut at the deadline, ${attempts[0].duration_ms} ms`);
    assert.equal(rx.got.length, 1, 'not sent again');
  });

  test('one slow endpoint does not delay another, and holds at most WEBHOOK_CONCURRENCY attempts at once', async (t) => {
    const slow = await endpoint(t, ['request.created'], () => 'hang');
    const fast = await endpoint(t, ['request.created']);
    const emp = await app.user('EMPLOYEE');
    await Promise.all(Array.from({ length: 12 }, (_, i) => app.call('POST', '/requests', { key: emp.key, body: { title: `rush ${i}` } })));
    await fast.rx.waitFor(12);
    const fastDone = Date.now();
    await slow.rx.until('the slow endpoint got its first attempt', () => slow.rx.got.length >= 1);
    const slowFirst = slow.rx.got[0].at;
    // The fast endpoint had everything before the slow one's first attempt even timed out.
    assert.ok(fastDone < slowFirst + 800, `fast done ${fastDone - slowFirst} ms after the slow endpoint's first attempt`);
    // Until its attempts time out, the slow endpoint holds exactly its WEBHOOK_CONCURRENCY slots.
    await new Promise((r) => setTimeout(r, Math.max(0, slowFirst + 650 - Date.now())));
    assert.equal(slow.rx.got.length, 3, 'WEBHOOK_CONCURRENCY=3 attempts in flight at the slow endpoint');
  });

  test('a change that is refused or rolled back sends nothing', async (t) => {
    const { rx } = await endpoint(t, ['*']);
    const emp = await app.user('EMPLOYEE');
    const tx = await app.db.reserve();
    let rolledBack: string;
    try {
      await tx`begin`;
      [{ id: rolledBack }] = await tx`insert into events (type, data) values ('user.updated', '{"user": {}, "changes": {}}') returning id`;
      await tx`rollback`;
    } finally {
      tx.release();
    }
    const r = (await app.call('POST', '/requests', { key: emp.key, body: { title: 'refused move' } })).body;
    assert.equal((await app.call('PATCH', `/requests/${r.id}/status`, { key: emp.key, body: { status: 'DONE' } })).status, 409);
    // A marker after both: once it has arrived, anything before it would have too.
    const marker = (await app.call('POST', '/requests', { key: emp.key, body: { title: 'marker' } })).body;
    await rx.until('the marker arrived', () => rx.got.some((g) => g.json.data?.request?.id === marker.id));
    assert.ok(!rx.got.some((g) => g.json.id === rolledBack));
    assert.deepEqual(rx.got.filter((g) => g.json.data?.request?.id === r.id).map((g) => g.json.type), ['request.created']);
  });

  test("team filter: an endpoint with a team gets only that team's requests and team events; one without gets them all", async (t) => {
    // Teams that exist (an endpoint's team_id must name one); the events below are written
    // by hand, so their payloads say which team each belongs to.
    const newTeam = async (name: string) => (await app.call('POST', '/teams', { key: admin.key, body: { name: `${name} ${crypto.randomUUID().slice(0, 8)}` } })).body.id as string;
    const T = await newTeam('IT');
    const U = await newTeam('HR');
    const teamed = await endpoint(t, ['*'], undefined, { team_id: T });
    const all = await endpoint(t, ['*']);
    const narrow = await endpoint(t, ['request.created'], undefined, { team_id: T });
    const req = (team: string | null, title: string) => ({ id: crypto.randomUUID(), title, team: team && { id: team, name: team === T ? 'IT' : 'HR' } });
    const ids = {
      itRequest: await insertEvent('request.created', { request: req(T, 'it'), changes: {} }),
      hrRequest: await insertEvent('request.created', { request: req(U, 'hr'), changes: {} }),
      poolRequest: await insertEvent('request.created', { request: req(null, 'pool'), changes: {} }),
      itNote: await insertEvent('comment.created', { request: req(T, 'it'), comment: { id: crypto.randomUUID(), body: 'secret', internal: true } }),
      hrNote: await insertEvent('comment.created', { request: req(U, 'hr'), comment: { id: crypto.randomUUID(), body: 'hr only', internal: true } }),
      itTeam: await insertEvent('team.updated', { team: { id: T, name: 'IT' }, changes: {} }),
      hrTeam: await insertEvent('team.updated', { team: { id: U, name: 'HR' }, changes: {} }),
      user: await insertEvent('user.updated', { user: { id: admin.id }, changes: {} }),
    };
    const marker = await insertEvent('user.updated', { user: { id: 'marker' }, changes: {} });
    await all.rx.until('the marker arrived', () => all.rx.got.some((g) => g.json.id === marker));
    await new Promise((r) => setTimeout(r, 200));
    const seen = (rx: Receiver) => new Set(rx.got.map((g) => g.json.id));
    const named = (rx: Receiver) => Object.entries(ids).filter(([, v]) => seen(rx).has(v)).map(([k]) => k);
    assert.deepEqual(named(teamed.rx), ['itRequest', 'itNote', 'itTeam']);
    assert.deepEqual(named(narrow.rx), ['itRequest']);
    assert.deepEqual(named(all.rx), Object.keys(ids));

    // The same through the API: the team's own changes and members reach its endpoint, the other team's do not.
    const agent = await app.user('AGENT');
    for (const team of [T, U]) {
      assert.equal((await app.call('PATCH', `/teams/${team}`, { key: admin.key, body: { description: 'Desk' } })).status, 200);
      assert.equal((await app.call('PUT', `/teams/${team}/members/${agent.id}`, { key: admin.key })).status, 204);
    }
    const teamEvents = (rx: Receiver) => rx.got.filter((g) => g.json.type.startsWith('team.') && !Object.values(ids).includes(g.json.id))
      .map((g) => `${g.json.type} ${g.json.data.team.id === T ? 'IT' : 'HR'}`).sort(); // no order across attempts in flight
    await teamed.rx.until("the IT team's two events arrived", () => teamEvents(teamed.rx).length >= 2);
    await all.rx.until('all four arrived at the endpoint without a team', () => teamEvents(all.rx).length >= 4);
    assert.deepEqual(teamEvents(teamed.rx), ['team.member_added IT', 'team.updated IT']);
    // Every delivery of the HR team's events exists once those reached `all`: none is the team endpoint's.
    const [{ n }] = await app.db`select count(*)::int as n from webhook_deliveries d join events e on e.id = d.event_id
      where d.webhook_id = ${teamed.id} and e.type like 'team.%' and e.data -> 'team' ->> 'id' = ${U}`;
    assert.equal(n, 0);
  });

  test('the breaker: WEBHOOK_DISABLE_AFTER consecutive failed attempts disable the endpoint with a reason, an audit row and a log line; failed deliveries stay listed', async (t) => {
    const { rx, id } = await endpoint(t, ['webhook.ping'], () => ({ status: 500 }));
    const lines: string[] = [];
    const write = process.stdout.write;
    setLogLevel('warn');
    process.stdout.write = ((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      // Two deliveries of 4 attempts each would be 8 failures; the sixth in a row stops it.
      await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
      await settled(id);
      await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
      const w = await eventually('the breaker opened', async () => {
        const r = (await app.call('GET', `/webhooks/${id}`, { key: admin.key })).body;
        return !r.is_active && r;
      });
      assert.equal(w.disabled_reason, '6 consecutive failed attempts');
    } finally {
      process.stdout.write = write;
      setLogLevel('silent');
    }
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(rx.got.length, 6, 'no attempt after the breaker opened');
    const audit = (await app.call('GET', `/audit-logs?entity_type=webhook&entity_id=${id}&action=webhook.disabled`, { key: admin.key })).body.items;
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor, null);
    assert.deepEqual(audit[0].changes.disabled_reason, [null, '6 consecutive failed attempts']);
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'webhook endpoint disabled');
    assert.deepEqual([line?.level, line?.webhook_id, line?.reason], ['warn', id, '6 consecutive failed attempts']);
    const listed = await deliveries(id);
    assert.equal(listed.length, 2);
    assert.deepEqual(listed.map((d) => d.attempts).sort(), [2, 4]);
    assert.ok(listed.some((d) => d.status === 'failed'), 'a delivery out of attempts is failed and kept');
  });

  test("the README's ten lines of node:crypto verify a real delivery, during a rotation too, and refuse a tampered or stale one", async (t) => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const snippet = /\*\*Verify a delivery\*\*[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)![1];
    const file = path.join(os.tmpdir(), `sf-verify-${process.pid}.mjs`);
    fs.writeFileSync(file, snippet);
    t.after(() => fs.rmSync(file, { force: true }));
    const { verifyWebhook } = await import(pathToFileURL(file).href);
    const { rx, id, secret } = await endpoint(t, ['webhook.ping']);
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    await rx.waitFor(1);
    const rotated = (await app.call('POST', `/webhooks/${id}/secret/rotate`, { key: admin.key })).body.secret;
    await app.call('POST', `/webhooks/${id}/ping`, { key: admin.key });
    const [plain, during] = await rx.waitFor(2);
    assert.equal(verifyWebhook(secret, plain.headers, plain.body), true);
    assert.equal(verifyWebhook(rotated, plain.headers, plain.body), false);
    assert.equal(verifyWebhook(secret, during.headers, during.body), true);
    assert.equal(verifyWebhook(rotated, during.headers, during.body), true);
    assert.equal(verifyWebhook(secret, plain.headers, plain.body.replace('webhook.ping', 'webhook.pong')), false);
    const stale = { ...plain.headers, 'webhook-timestamp': String(Number(plain.headers['webhook-timestamp']) - 600) };
    assert.equal(verifyWebhook(secret, stale, plain.body), false);
    assert.equal(verifyWebhook(secret, {}, plain.body), false);
  });

  test('metrics count attempts by outcome, time them, and show the backlog', async () => {
    const text = (await app.call('GET', '/metrics')).text;
    const families = parsePrometheus(text) as { name: string; type: string; metrics: any[] }[];
    const family = (name: string) => families.find((f) => f.name === name)!;
    const byOutcome = Object.fromEntries(family('serviceflow_webhook_deliveries_total').metrics.map((m) => [m.labels.outcome, Number(m.value)]));
    assert.ok(byOutcome.succeeded > 10 && byOutcome.retry > 5 && byOutcome.failed >= 1 && byOutcome.gone >= 1, JSON.stringify(byOutcome));
    const latency = family('serviceflow_webhook_delivery_duration_seconds');
    assert.equal(latency.type, 'HISTOGRAM');
    assert.ok(Number(latency.metrics[0].count) >= 20);
    assert.equal(family('serviceflow_webhook_deliveries_pending').type, 'GAUGE');
    assert.equal(family('serviceflow_webhook_oldest_pending_seconds').type, 'GAUGE');
  });
});

describe('the SSRF guard at delivery time', () => {
  test('an endpoint whose host is loopback (as DNS may say after it was created) gets a failed attempt, and nothing connects', async () => {
    const app = await startApp({ WEBHOOK_POLL_MS: '30', WEBHOOK_RETRY_SCHEDULE: '10s', WEBHOOK_TIMEOUT_MS: '800', WEBHOOK_LEASE_MS: '5000' });
    const rx = await receiver();
    try {
      app.worker.start();
      const admin = await app.user('ADMIN');
      // Created as if it had passed the check (it cannot through the API without WEBHOOK_ALLOW_PRIVATE).
      const local = rx.url.replace('127.0.0.1', 'localhost');
      const [w] = await app.db`insert into webhooks (url, events, secret) values (${local}, '{webhook.ping}', ${'whsec_' + Buffer.alloc(32, 7).toString('base64')}) returning id`;
      assert.equal((await app.call('POST', `/webhooks/${w.id}/ping`, { key: admin.key })).status, 202);
      const [d] = await eventually('the attempt was made', async () => {
        const items = (await app.call('GET', `/webhooks/${w.id}/deliveries`, { key: admin.key })).body.items;
        return items[0]?.attempts === 1 && items;
      });
      assert.equal(d.last_attempt.response_status, null);
      assert.match(d.last_attempt.error, /^refused: localhost resolves to 127\.0\.0\.1, which is a loopback address/);
      assert.equal(d.status, 'pending', 'retried on the schedule: DNS can change');
      assert.equal(rx.got.length, 0);
    } finally {
      await rx.close();
      await app.close();
    }
  });
});
