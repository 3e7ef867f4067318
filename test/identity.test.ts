// Identity is canonical (issue 12, point 7): a UUID in capitals names the same user or
// request as its lower-case form everywhere, and an Idempotency-Key is scoped by what the
// path resolved to, not by how it was spelled.
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import { problem, useApp, type Reply } from './helpers.ts';

describe('upper-case UUIDs', () => {
  const app = useApp();
  let admin: { id: string; key: string };
  before(async () => { admin = await app().user('ADMIN'); });

  const file = async (key: string, title = 'needs someone') => {
    const r = await app().call('POST', '/requests', { key, body: { title } });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const assignedAudits = async (id: string) =>
    (await app().db`select count(*)::int as n from audit_logs where entity_id = ${id} and action = 'request.assigned'`)[0].n;

  test('an agent assigns a request to themself with their own id in capitals', async () => {
    const agent = await app().user('AGENT');
    const req = await file(admin.key);
    const r = await app().call('PATCH', `/requests/${req.id}/assignee`, { key: agent.key, body: { assignee_id: agent.id.toUpperCase() } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.assignee.id, agent.id);
    assert.equal(await assignedAudits(req.id), 1);
  });

  test('assigning the same assignee again, in capitals, changes nothing and writes no audit row', async () => {
    const agent = await app().user('AGENT');
    const req = await file(admin.key);
    const first = await app().call('PATCH', `/requests/${req.id}/assignee`, { key: admin.key, body: { assignee_id: agent.id } });
    assert.equal(first.status, 200, first.text);
    const again = await app().call('PATCH', `/requests/${req.id}/assignee`, { key: admin.key, body: { assignee_id: agent.id.toUpperCase() } });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.assignee.id, agent.id);
    assert.equal(again.headers.etag, first.headers.etag, 'the request did not change');
    assert.equal(await assignedAudits(req.id), 1, 'no phantom audit row');
    const [row] = await app().db`select assignee_id::text as a from requests where id = ${req.id}`;
    assert.equal(row.a, agent.id);
  });

  test('an employee lists their own requests with created_by set to their id in capitals', async () => {
    const emp = await app().user('EMPLOYEE');
    const mine = await file(emp.key, 'mine');
    const r = await app().call('GET', `/requests?created_by=${emp.id.toUpperCase()}`, { key: emp.key });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.items.map((x: { id: string }) => x.id), [mine.id]);
  });

  test('a user reads themself at GET /users/{id} with the id in capitals', async () => {
    const emp = await app().user('EMPLOYEE');
    const r = await app().call('GET', `/users/${emp.id.toUpperCase()}`, { key: emp.key });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, emp.id);
  });
});

/** POST with every value of a header sent as its own header line. */
function postWithRepeatedHeader(base: string, path: string, key: string, name: string, values: string[], body: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), {
      method: 'POST', agent: false,
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json', [name]: values },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('Idempotency-Key scope', () => {
  const app = useApp();

  test('one key on POST /requests/{ref}/comments via REQ-n, the UUID and the UUID in capitals makes one comment; the other two replay it', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = (await app().call('POST', '/requests', { key: emp.key, body: { title: 'commented thrice' } })).body;
    const replies: Reply[] = [];
    for (const ref of [req.public_id, req.id, req.id.toUpperCase()]) {
      replies.push(await app().call('POST', `/requests/${ref}/comments`, { key: emp.key, body: { body: 'only once' }, headers: { 'Idempotency-Key': 'comment-once' } }));
    }
    assert.deepEqual(replies.map((r) => r.status), [201, 201, 201]);
    assert.deepEqual(replies.map((r) => r.headers['idempotent-replayed']), [undefined, 'true', 'true']);
    assert.equal(new Set(replies.map((r) => r.body.id)).size, 1, 'the same comment each time');
    const [{ n }] = await app().db`select count(*)::int as n from comments where request_id = ${req.id}`;
    assert.equal(n, 1);
  });

  test('a repeated Idempotency-Key header is 400 duplicate_header and creates nothing', async () => {
    const emp = await app().user('EMPLOYEE');
    const r = await postWithRepeatedHeader(app().url, '/requests', emp.key, 'Idempotency-Key', ['first', 'second'], { title: 'ambiguous key' });
    problem(r, 400, 'duplicate_header');
    const [{ n }] = await app().db`select count(*)::int as n from requests where created_by = ${emp.id}`;
    assert.equal(n, 0);
  });
});
