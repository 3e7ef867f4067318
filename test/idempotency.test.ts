// Idempotency-Key on POST /requests, POST /requests/{ref}/comments and POST /users.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { problem, useApp } from './helpers.ts';

describe('Idempotency-Key', () => {
  const app = useApp();

  test('the same key and body replays the first response, marked Idempotent-Replayed', async () => {
    const emp = await app().user('EMPLOYEE');
    const call = () => app().call('POST', '/requests', { key: emp.key, body: { title: 'Once only' }, headers: { 'Idempotency-Key': 'create-1' } });
    const first = await call();
    assert.equal(first.status, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await call();
    assert.equal(again.status, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.location, first.headers.location);
    assert.equal(again.headers.etag, first.headers.etag);
    const [{ n }] = await app().db`select count(*)::int as n from requests where title = 'Once only'`;
    assert.equal(n, 1);
  });

  test('the same key with another body is 409 idempotency_key_conflict', async () => {
    const emp = await app().user('EMPLOYEE');
    await app().call('POST', '/requests', { key: emp.key, body: { title: 'First body' }, headers: { 'Idempotency-Key': 'k-conflict' } });
    const r = await app().call('POST', '/requests', { key: emp.key, body: { title: 'Second body' }, headers: { 'Idempotency-Key': 'k-conflict' } });
    problem(r, 409, 'idempotency_key_conflict');
  });

  test('keys are scoped per caller: two users with one key get two requests', async () => {
    const a = await app().user('EMPLOYEE');
    const b = await app().user('EMPLOYEE');
    const body = { title: 'Shared key' };
    const ra = await app().call('POST', '/requests', { key: a.key, body, headers: { 'Idempotency-Key': 'same' } });
    const rb = await app().call('POST', '/requests', { key: b.key, body, headers: { 'Idempotency-Key': 'same' } });
    assert.equal(ra.status, 201);
    assert.equal(rb.status, 201);
    assert.notEqual(ra.body.id, rb.body.id);
    assert.equal(rb.headers['idempotent-replayed'], undefined);
  });

  test('10 concurrent identical POSTs with one key create exactly one request', async () => {
    const emp = await app().user('EMPLOYEE');
    const replies = await Promise.all(Array.from({ length: 10 }, () =>
      app().call('POST', '/requests', { key: emp.key, body: { title: 'Stampede' }, headers: { 'Idempotency-Key': 'stampede' } })));
    const [{ n }] = await app().db`select count(*)::int as n from requests where title = 'Stampede'`;
    assert.equal(n, 1);
    const created = replies.filter((r) => r.status === 201);
    assert.ok(created.length >= 1);
    assert.ok(created.every((r) => r.body.id === created[0].body.id), 'every 201 names the same request');
    for (const r of replies.filter((x) => x.status !== 201)) problem(r, 409, 'idempotency_key_in_use');
  });

  test('a call while the first with the same key is still running is 409 idempotency_key_in_use', async () => {
    const emp = await app().user('EMPLOYEE');
    // Hold the key's lock the way a slow first call would, from another connection.
    const scope = `${emp.id} POST /requests slow-key`;
    const holder = await app().db.reserve();
    try {
      await holder`begin`;
      await holder`select pg_advisory_xact_lock(hashtextextended(${scope}, 0))`;
      const r = await app().call('POST', '/requests', { key: emp.key, body: { title: 'Slow' }, headers: { 'Idempotency-Key': 'slow-key' } });
      problem(r, 409, 'idempotency_key_in_use');
      await holder`rollback`;
    } finally {
      holder.release();
    }
    const after = await app().call('POST', '/requests', { key: emp.key, body: { title: 'Slow' }, headers: { 'Idempotency-Key': 'slow-key' } });
    assert.equal(after.status, 201);
  });

  test('a record older than 24 hours is forgotten', async () => {
    const emp = await app().user('EMPLOYEE');
    const first = await app().call('POST', '/requests', { key: emp.key, body: { title: 'Old' }, headers: { 'Idempotency-Key': 'old' } });
    await app().db`update idempotency_keys set created_at = now() - interval '25 hours' where key = 'old'`;
    const again = await app().call('POST', '/requests', { key: emp.key, body: { title: 'Old' }, headers: { 'Idempotency-Key': 'old' } });
    assert.equal(again.status, 201);
    assert.notEqual(again.body.id, first.body.id);
  });

  test('comments honour the key too, per request', async () => {
    const emp = await app().user('EMPLOYEE');
    const one = (await app().call('POST', '/requests', { key: emp.key, body: { title: 'c1' } })).body;
    const two = (await app().call('POST', '/requests', { key: emp.key, body: { title: 'c2' } })).body;
    const post = (id: string) => app().call('POST', `/requests/${id}/comments`, { key: emp.key, body: { body: 'ping' }, headers: { 'Idempotency-Key': 'comment' } });
    const a = await post(one.id);
    const replay = await post(one.id);
    const b = await post(two.id);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.body.id, a.body.id);
    assert.notEqual(b.body.id, a.body.id);
    const [{ n }] = await app().db`select count(*)::int as n from comments where body = 'ping'`;
    assert.equal(n, 2);
  });

  test('POST /users replays the user without the key, which is never stored', async () => {
    const admin = await app().user('ADMIN');
    const call = () => app().call('POST', '/users', { key: admin.key, body: { email: 'idem@example.com', full_name: 'Idem' }, headers: { 'Idempotency-Key': 'user-1' } });
    const first = await call();
    assert.equal(first.status, 201);
    assert.ok(first.body.api_key);
    const again = await call();
    assert.equal(again.status, 201);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.api_key, undefined);
    const [row] = await app().db`select body from idempotency_keys where key = 'user-1'`;
    assert.ok(!JSON.stringify(row.body).includes(first.body.api_key));
  });

  test('a malformed key is 422', async () => {
    const emp = await app().user('EMPLOYEE');
    const r = await app().call('POST', '/requests', { key: emp.key, body: { title: 'x' }, headers: { 'Idempotency-Key': 'é'.repeat(3) } });
    problem(r, 422, 'validation_failed');
  });
});
