// The event outbox: every change writes exactly one event in its own transaction, and
// GET /events serves them to admins with a cursor that never skips a late commit.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EVENT_TYPES } from '../src/events.ts';
import { problem, startApp, useApp, type TestApp } from './helpers.ts';

const BOOTSTRAP = 'bootstrap-key-for-tests-0123456789';

/**
 * Every event after `cursor`, page by page; returns them and the cursor to poll with next.
 * An event shows once every older transaction of its database has ended (a test's own
 * transaction, or an upload still streaming in): `atLeast` polls (bounded) until that
 * many arrived.
 */
async function drain(app: TestApp, key: string, cursor: string | null = null, extra = '', atLeast = 0) {
  let got = await drainOnce(app, key, cursor, extra);
  for (let i = 0; i < 100 && got.items.length < atLeast; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const more = await drainOnce(app, key, got.cursor, extra);
    got = { items: [...got.items, ...more.items], cursor: more.cursor };
  }
  return got;
}

async function drainOnce(app: TestApp, key: string, cursor: string | null, extra: string) {
  const items: any[] = [];
  for (let i = 0; i < 100; i++) {
    const r = await app.call('GET', `/events?limit=100${cursor ? `&cursor=${cursor}` : ''}${extra}`, { key });
    assert.equal(r.status, 200, r.text);
    items.push(...r.body.items);
    const done = r.body.items.length < 100;
    cursor = r.body.next_cursor;
    if (done) break;
  }
  return { items, cursor };
}

describe('the event outbox', () => {
  const app = useApp();

  test('the catalogue in src/events.ts is exactly the one the database accepts', async () => {
    const [row] = await app().db`
      select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'events_type_valid'`;
    const inSql = [...row.def.matchAll(/'([a-z_.]+)'/g)].map((m) => m[1]).sort();
    assert.deepEqual(inSql, [...EVENT_TYPES].sort());
  });

  test('every change writes exactly one event of its type with the payload of API.md', async () => {
    const admin = await app().user('ADMIN', 'Ada');
    const emp = await app().user('EMPLOYEE', 'Erin');
    const agent = await app().user('AGENT', 'Alan');
    const start = (await drain(app(), admin.key)).cursor;

    const created = await app().call('POST', '/requests', { key: emp.key, body: { title: 'VPN drops', priority: 'HIGH' } });
    const id = created.body.id;
    await app().call('PATCH', `/requests/${id}`, { key: emp.key, body: { title: 'VPN drops often' } });
    await app().call('PATCH', `/requests/${id}/assignee`, { key: agent.key, body: { assignee_id: agent.id } });
    await app().call('PATCH', `/requests/${id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS', comment: 'On it.' } });
    await app().call('POST', `/requests/${id}/comments`, { key: agent.key, body: { body: 'AP 3 reboots', internal: true } });
    const user = await app().call('POST', '/users', { key: admin.key, body: { email: `new.${Date.now()}@example.com`, full_name: 'Nia' } });
    await app().call('PATCH', `/users/${user.body.id}`, { key: admin.key, body: { role: 'AGENT' } });
    await app().call('POST', `/users/${user.body.id}/api-key/rotate`, { key: admin.key });
    // A change that changes nothing is no change: no event (and no audit row).
    await app().call('PATCH', `/users/${user.body.id}`, { key: admin.key, body: { role: 'AGENT' } });

    // (The three users above wrote their user.created events before `start`; one may still
    // be held back behind another test file's open transaction, so leave them out.)
    const ours = new Set([admin.id, emp.id, agent.id]);
    const items = (await drain(app(), admin.key, start, '', 9)).items.filter((e) => !(e.type === 'user.created' && ours.has(e.data.user.id)));
    assert.deepEqual(items.map((e) => e.type), [
      'request.created', 'request.updated', 'request.assigned', 'request.status_changed', 'comment.created',
      'comment.created', 'user.created', 'user.updated', 'user.api_key_rotated',
    ]);
    const [made, updated, , moved, publicNote, internalNote, userMade, userUpdated, rotated] = items;
    assert.deepEqual(made.actor, { id: emp.id, full_name: 'Erin' });
    assert.equal(made.data.request.id, id);
    assert.equal(made.data.request.public_id, created.body.public_id);
    assert.equal(made.data.request.allowed_transitions, undefined, 'the request as an ADMIN sees it, without allowed_transitions');
    assert.deepEqual(made.data.changes.priority, [null, 'HIGH']);
    assert.deepEqual(updated.data.changes, { title: ['VPN drops', 'VPN drops often'] });
    assert.equal(updated.data.request.title, 'VPN drops often', 'the request as it is after the change');
    assert.deepEqual(moved.data.changes.status, ['NEW', 'IN_PROGRESS']);
    assert.equal(moved.data.request.status, 'IN_PROGRESS');
    assert.deepEqual(moved.data.request.assignee, { id: agent.id, full_name: 'Alan' });
    assert.equal(publicNote.data.comment.body, 'On it.');
    assert.equal(publicNote.data.comment.internal, false);
    assert.equal(internalNote.data.comment.internal, true);
    assert.deepEqual(internalNote.data.comment.author, { id: agent.id, full_name: 'Alan' });
    assert.equal(internalNote.data.request.id, id);
    assert.equal(userMade.data.user.email, user.body.email);
    assert.deepEqual(userUpdated.data.changes, { role: ['EMPLOYEE', 'AGENT'] });
    assert.deepEqual(Object.keys(rotated.data.changes), ['api_key_last4']);
    const text = JSON.stringify(items);
    assert.doesNotMatch(text, /sfk_|api_key_hash/, 'never key material');
    // Each event is also one row per change in the database: nothing written twice.
    const [{ n }] = await app().db`select count(*)::int as n from events where request_id = ${id}`;
    assert.equal(n, 6, 'created, updated, assigned, status changed, and two comments');
  });

  test('a change that is refused or rolled back writes no event', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    const start = (await drain(app(), admin.key)).cursor;
    const r = await app().call('POST', '/requests', { key: emp.key, body: { title: 'Done soon' } });
    problem(await app().call('PATCH', `/requests/${r.body.id}/status`, { key: emp.key, body: { status: 'DONE' } }), 409, 'invalid_status_transition');
    problem(await app().call('PATCH', `/requests/${r.body.id}`, { key: emp.key, body: { title: 'x' }, headers: { 'If-Match': '"99"' } }), 412, 'precondition_failed');
    // A transaction that fails after its first write: an idempotent user creation whose
    // email exists rolls back as a whole.
    problem(await app().call('POST', '/users', { key: admin.key, body: { email: (await app().call('GET', '/users/me', { key: emp.key })).body.email, full_name: 'Twin' }, headers: { 'Idempotency-Key': 'twin' } }), 409, 'email_already_exists');
    const ours = new Set([admin.id, emp.id]);
    const items = (await drain(app(), admin.key, start, '', 1)).items.filter((e) => !(e.type === 'user.created' && ours.has(e.data.user.id)));
    assert.deepEqual(items.map((e) => e.type), ['request.created']);
  });

  test('only an ADMIN reads events; filters and bad cursors are checked', async () => {
    const admin = await app().user('ADMIN');
    const agent = await app().user('AGENT');
    problem(await app().call('GET', '/events', { key: agent.key }), 403, 'forbidden');
    problem(await app().call('GET', '/events?type=request.exploded', { key: admin.key }), 400, 'invalid_query');
    problem(await app().call('GET', '/events?cursor=nonsense!', { key: admin.key }), 400, 'invalid_query');
    problem(await app().call('GET', `/events?cursor=${Buffer.from('x:99999999999999999999999:1').toString('base64url')}`, { key: admin.key }), 400, 'invalid_query');
    await app().call('POST', '/requests', { key: agent.key, body: { title: 'typed' } });
    const { items } = await drain(app(), admin.key, null, '&type=user.created,request.created', 3);
    assert.ok(items.length >= 2);
    assert.ok(items.every((e) => e.type === 'user.created' || e.type === 'request.created'));
    const future = await app().call('GET', '/events?since=9999-01-01T00:00:00Z', { key: admin.key });
    assert.deepEqual(future.body, { items: [], next_cursor: null });
  });

  test('next_cursor is never null once a page holds an event, and an empty page returns the cursor it was given', async () => {
    const admin = await app().user('ADMIN');
    const { cursor } = await drain(app(), admin.key, null, '', 1);
    assert.ok(cursor, 'there are events (the users above), so there is a cursor');
    // An event of another test file's transaction may still show up late: step past it and
    // ask again, until a page is empty; that page hands back the cursor it was given.
    let at = cursor;
    for (let i = 0; i < 50; i++) {
      const page = await app().call('GET', `/events?cursor=${at}`, { key: admin.key });
      if (page.body.items.length === 0) return assert.deepEqual(page.body, { items: [], next_cursor: at });
      assert.ok(page.body.next_cursor && page.body.next_cursor !== at, 'a page with events moves the cursor');
      at = page.body.next_cursor;
    }
    assert.fail('no empty page after 50 polls');
  });

  test('a poller never misses an event that commits after a later one (two overlapping transactions)', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    // Start after every event written so far, once all are visible: an earlier test's
    // events may still be held back behind another file's open transaction (an upload
    // streaming into its transaction keeps one open for seconds), and would show up below.
    const [{ n: written }] = await app().db`select count(*)::int as n from events`;
    let cursor = (await drain(app(), admin.key, null, '', written)).cursor;
    const seen: string[] = [];
    const poll = async (atLeast = 0) => {
      const page = await drain(app(), admin.key, cursor, '', atLeast);
      cursor = page.cursor;
      seen.push(...page.items.map((e) => e.id));
      return page.items;
    };

    // Transaction A starts first and writes an event, but stays open.
    const a = await app().db.reserve();
    try {
      await a`begin`;
      const [slow] = await a`
        insert into events (type, actor_id, data) values ('user.updated', ${admin.id}, '{"user":{},"changes":{}}') returning id, seq`;
      // Transaction B (an API call) writes a later event and commits at once.
      const created = await app().call('POST', '/requests', { key: emp.key, body: { title: 'committed first' } });
      const [fast] = await app().db`select id, seq from events where request_id = ${created.body.id}`;
      assert.ok(Number(fast.seq) > Number(slow.seq), 'B took the later sequence number');
      // While A is open, B's event is held back: it would otherwise put the cursor past A's.
      assert.deepEqual((await poll()).map((e) => e.id), []);
      await a`commit`;
      // Now both, A's first (it began first), and each exactly once.
      assert.deepEqual((await poll(2)).map((e) => e.id), [slow.id, fast.id]);
      assert.deepEqual(await poll(), []);
      assert.equal(new Set(seen).size, seen.length, 'nothing repeated');
    } finally {
      await a`rollback`.catch(() => {});
      a.release();
    }
  });

  test('a transaction left open in another database of the same server holds nothing back here', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    const [{ n: written }] = await app().db`select count(*)::int as n from events`;
    const cursor = (await drain(app(), admin.key, null, '', written)).cursor;
    const elsewhere = await startApp(); // its own database, on the same server
    const holder = await elsewhere.db.reserve();
    try {
      await holder`begin`;
      await holder`select pg_current_xact_id()`; // it has an xid, older than the next write here
      const created = await app().call('POST', '/requests', { key: emp.key, body: { title: 'not held back' } });
      // Still open over there: the event shows here all the same (before 0013 it waited).
      const { items } = await drain(app(), admin.key, cursor, '', 1);
      assert.deepEqual(items.map((e) => e.data.request?.id), [created.body.id]);
    } finally {
      await holder`rollback`.catch(() => {});
      holder.release();
      await elsewhere.close();
    }
  });

  test('a bootstrap writes a user.created event whose actor is the new admin', async () => {
    const fresh = await import('./helpers.ts').then((h) => h.startApp());
    try {
      const r = await fresh.call('POST', '/users', { body: { email: 'boot@example.com', full_name: 'Boot' }, headers: { 'X-Bootstrap-Key': BOOTSTRAP } });
      assert.equal(r.status, 201);
      const { items } = await drain(fresh, r.body.api_key, null, '', 1);
      assert.deepEqual(items.map((e) => [e.type, e.actor?.id]), [['user.created', r.body.id]]);
    } finally {
      await fresh.close();
    }
  });
});
