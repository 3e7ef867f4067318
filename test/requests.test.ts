// Requests: filing, visibility, editing, the status machine over HTTP, assignment,
// comments and history — real HTTP against a real database.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STATUSES } from '../src/requests/lifecycle.ts';
import { problem, useApp, type TestApp } from './helpers.ts';

async function file(app: TestApp, key: string, body: Record<string, unknown> = {}) {
  const r = await app.call('POST', '/requests', { key, body: { title: 'Printer on fire', ...body } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

describe('filing and reading requests', () => {
  const app = useApp();

  test('POST /requests answers 201 with Location, ETag, status NEW and an audit row', async () => {
    const emp = await app().user('EMPLOYEE', 'Erin');
    const r = await app().call('POST', '/requests', { key: emp.key, body: { title: '  VPN drops every 5 minutes  ', description: 'Since Monday.', priority: 'HIGH' } });
    assert.equal(r.status, 201);
    assert.match(r.body.public_id, /^REQ-\d+$/);
    assert.equal(r.headers.location, `/requests/${r.body.public_id}`);
    assert.match(String(r.headers.etag), /^"\d+"$/);
    assert.equal(r.body.title, 'VPN drops every 5 minutes');
    assert.equal(r.body.status, 'NEW');
    assert.deepEqual(r.body.created_by, { id: emp.id, full_name: 'Erin' });
    assert.equal(r.body.assignee, null);
    assert.equal(r.body.resolved_at, null);
    assert.deepEqual(r.body.allowed_transitions, ['CANCELED']);
    const [audit] = await app().db`select * from audit_logs where entity_id = ${r.body.id}`;
    assert.equal(audit.action, 'request.created');
    assert.equal(audit.actor_id, emp.id);
    assert.deepEqual(audit.changes.title, [null, 'VPN drops every 5 minutes']);
  });

  test('a request is found by UUID and by public_id', async () => {
    const emp = await app().user('EMPLOYEE');
    const created = await file(app(), emp.key);
    for (const ref of [created.id, created.public_id, created.id.toUpperCase()]) {
      const r = await app().call('GET', `/requests/${ref}`, { key: emp.key });
      assert.equal(r.status, 200, ref);
      assert.equal(r.body.id, created.id);
      assert.equal(r.headers.etag, '"1"');
    }
    problem(await app().call('GET', '/requests/REQ-999999999', { key: emp.key }), 404, 'not_found');
    problem(await app().call('GET', '/requests/garbage', { key: emp.key }), 404, 'not_found');
  });

  test('a request reads the same everywhere: created, fetched, in every kind of list, after a change', async () => {
    // PostgreSQL writes a request's JSON (sql/migrations/0002_request_json.sql): text that
    // needs escaping must survive it, and timestamps must look like the rest of the API's.
    const emp = await app().user('EMPLOYEE', 'Zoë "Z" O\'Brien \\ 日本');
    const agent = await app().user('AGENT', 'Ag\tent');
    const title = 'Quotes " and \\ backslash, tab\t, é, 🚀, \u0001 and </script>';
    const description = 'Line one\nline two\r\n\u001f end';
    const created = await file(app(), emp.key, { title, description, priority: 'URGENT' });
    assert.equal(created.title, title);
    assert.equal(created.description, description);
    assert.equal(created.created_by.full_name, 'Zoë "Z" O\'Brien \\ 日本');
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    assert.match(created.created_at, iso);
    assert.equal(created.updated_at, created.created_at);
    const [row] = await app().db`select created_at from requests where id = ${created.id}`;
    assert.equal(created.created_at, row.created_at.toISOString(), 'the same instant and format as JavaScript would write');

    const agentView = async () => {
      const views = [
        (await app().call('GET', `/requests/${created.id}`, { key: agent.key })).body,
        (await app().call('GET', `/requests/${created.public_id}`, { key: agent.key })).body,
      ];
      for (const q of ['', '?priority=URGENT', `?created_by=${emp.id}`, '?q=backslash', '?status=NEW&assignee_id=none', '?status=IN_PROGRESS,DONE']) {
        const list = await app().call('GET', `/requests${q}`, { key: agent.key });
        assert.equal(list.status, 200, list.text);
        const item = list.body.items.find((x: any) => x.id === created.id);
        if (item) views.push(item);
      }
      return views;
    };
    let views = await agentView();
    assert.equal(views.length, 7, 'found by id, by public_id and in five lists');
    for (const v of views) assert.deepEqual(v, { ...created, allowed_transitions: ['IN_PROGRESS', 'CANCELED'] });
    const own = await app().call('GET', '/requests', { key: emp.key });
    assert.deepEqual(own.body.items.find((x: any) => x.id === created.id), created);

    const taken = await app().call('PATCH', `/requests/${created.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS' } });
    assert.deepEqual(taken.body.assignee, { id: agent.id, full_name: 'Ag\tent' });
    const done = await app().call('PATCH', `/requests/${created.id}/status`, { key: agent.key, body: { status: 'DONE' } });
    assert.equal(done.status, 200, done.text);
    assert.match(done.body.resolved_at, iso);
    assert.deepEqual(done.body.allowed_transitions, []);
    views = await agentView();
    assert.equal(views.length, 7, 'found by id, by public_id and in five lists');
    for (const v of views) assert.deepEqual(v, done.body);
  });

  test('mass assignment: status, assignee or creator in a create or edit body is 422 and nothing is written', async () => {
    const emp = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT');
    for (const extra of [{ status: 'DONE' }, { assignee_id: agent.id }, { created_by: agent.id }, { id: '00000000-0000-0000-0000-000000000000' }]) {
      const r = await app().call('POST', '/requests', { key: emp.key, body: { title: 'sneaky create', ...extra } });
      problem(r, 422, 'validation_failed');
    }
    const [{ n }] = await app().db`select count(*)::int as n from requests where title = 'sneaky create'`;
    assert.equal(n, 0);
    const mine = await file(app(), emp.key, { title: 'honest' });
    problem(await app().call('PATCH', `/requests/${mine.id}`, { key: emp.key, body: { title: 'edit', status: 'CANCELED' } }), 422, 'validation_failed');
    const after = await app().call('GET', `/requests/${mine.id}`, { key: emp.key });
    assert.equal(after.body.title, 'honest');
    assert.equal(after.body.status, 'NEW');
  });

  test('title is 1..200 code points after trimming; description up to 10 000; priority from the list', async () => {
    const emp = await app().user('EMPLOYEE');
    problem(await app().call('POST', '/requests', { key: emp.key, body: { title: '    ' } }), 422, 'validation_failed');
    problem(await app().call('POST', '/requests', { key: emp.key, body: { title: 'x'.repeat(201) } }), 422, 'validation_failed');
    problem(await app().call('POST', '/requests', { key: emp.key, body: { title: 'ok', description: 'd'.repeat(10_001) } }), 422, 'validation_failed');
    problem(await app().call('POST', '/requests', { key: emp.key, body: { title: 'ok', priority: 'MEDIUM' } }), 422, 'validation_failed');
    problem(await app().call('POST', '/requests', { key: emp.key, body: ['not', 'an', 'object'] }), 422, 'validation_failed');
    const edge = await file(app(), emp.key, { title: `  ${'t'.repeat(200)}  `, description: 'd'.repeat(10_000) });
    assert.equal(edge.title.length, 200);
    assert.equal(edge.priority, 'NORMAL');
  });

  test('BOLA: employee B cannot see, change, comment on or read the history of employee A\'s request', async () => {
    const a = await app().user('EMPLOYEE');
    const b = await app().user('EMPLOYEE');
    const req = await file(app(), a.key);
    problem(await app().call('GET', `/requests/${req.id}`, { key: b.key }), 404, 'not_found');
    problem(await app().call('GET', `/requests/${req.public_id}`, { key: b.key }), 404, 'not_found');
    problem(await app().call('PATCH', `/requests/${req.id}`, { key: b.key, body: { title: 'mine now' } }), 404, 'not_found');
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: b.key, body: { status: 'CANCELED' } }), 404, 'not_found');
    problem(await app().call('POST', `/requests/${req.id}/comments`, { key: b.key, body: { body: 'hi' } }), 404, 'not_found');
    problem(await app().call('GET', `/requests/${req.id}/comments`, { key: b.key }), 404, 'not_found');
    problem(await app().call('GET', `/requests/${req.id}/history`, { key: b.key }), 404, 'not_found');
    const list = await app().call('GET', '/requests', { key: b.key });
    assert.ok(list.body.items.every((r: any) => r.created_by.id === b.id));
    const asked = await app().call('GET', `/requests?created_by=${a.id}`, { key: b.key });
    assert.deepEqual(asked.body.items, []);
    const [still] = await app().db`select title, status from requests where id = ${req.id}`;
    assert.deepEqual({ ...still }, { title: 'Printer on fire', status: 'NEW' });
  });
});

describe('editing', () => {
  const app = useApp();

  test('the creator edits while NEW; not after it is taken; the assignee agent and an admin may', async () => {
    const emp = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT');
    const other = await app().user('AGENT');
    const admin = await app().user('ADMIN');
    const req = await file(app(), emp.key);
    const edited = await app().call('PATCH', `/requests/${req.id}`, { key: emp.key, body: { title: 'Printer smoking', priority: 'URGENT' } });
    assert.equal(edited.status, 200);
    assert.equal(edited.headers.etag, '"2"');
    problem(await app().call('PATCH', `/requests/${req.id}`, { key: agent.key, body: { title: 'not assigned to me' } }), 403, 'forbidden');
    assert.equal((await app().call('PATCH', `/requests/${req.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS' } })).status, 200);
    problem(await app().call('PATCH', `/requests/${req.id}`, { key: emp.key, body: { title: 'too late' } }), 403, 'forbidden');
    problem(await app().call('PATCH', `/requests/${req.id}`, { key: other.key, body: { title: 'not mine' } }), 403, 'forbidden');
    assert.equal((await app().call('PATCH', `/requests/${req.id}`, { key: agent.key, body: { description: 'Toner fire.' } })).status, 200);
    assert.equal((await app().call('PATCH', `/requests/${req.id}`, { key: admin.key, body: { priority: 'LOW' } })).status, 200);
    const audits = await app().db`select changes from audit_logs where entity_id = ${req.id} and action = 'request.updated' order by seq`;
    assert.deepEqual(audits.map((a) => a.changes), [
      { title: ['Printer on fire', 'Printer smoking'], priority: ['NORMAL', 'URGENT'] },
      { description: ['', 'Toner fire.'] },
      { priority: ['URGENT', 'LOW'] },
    ]);
  });

  test('a closed request cannot be edited: 409 status_is_terminal', async () => {
    const emp = await app().user('EMPLOYEE');
    const admin = await app().user('ADMIN');
    const req = await file(app(), emp.key);
    await app().call('PATCH', `/requests/${req.id}/status`, { key: emp.key, body: { status: 'CANCELED' } });
    problem(await app().call('PATCH', `/requests/${req.id}`, { key: admin.key, body: { title: 'reopen' } }), 409, 'status_is_terminal');
  });

  test('If-Match: a stale ETag is 412 and changes nothing; the fresh one applies', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await file(app(), emp.key);
    const first = await app().call('PATCH', `/requests/${req.id}`, { key: emp.key, body: { title: 'one' }, headers: { 'If-Match': '"1"' } });
    assert.equal(first.status, 200);
    const stale = await app().call('PATCH', `/requests/${req.id}`, { key: emp.key, body: { title: 'two' }, headers: { 'If-Match': '"1"' } });
    problem(stale, 412, 'precondition_failed');
    const weak = await app().call('PATCH', `/requests/${req.id}`, { key: emp.key, body: { title: 'two' }, headers: { 'If-Match': 'W/"2"' } });
    problem(weak, 412, 'precondition_failed');
    const fresh = await app().call('PATCH', `/requests/${req.id}`, { key: emp.key, body: { title: 'two' }, headers: { 'If-Match': first.headers.etag as string } });
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body.title, 'two');
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: emp.key, body: { status: 'CANCELED' }, headers: { 'If-Match': '"1"' } }), 412, 'precondition_failed');
  });
});

describe('the status machine over HTTP', () => {
  const app = useApp();

  test('409 codes come in the documented order: terminal, same status, not a move', async () => {
    const emp = await app().user('EMPLOYEE');
    const admin = await app().user('ADMIN');
    const req = await file(app(), emp.key);
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: admin.key, body: { status: 'NEW' } }), 409, 'status_already_set');
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: admin.key, body: { status: 'DONE' } }), 409, 'invalid_status_transition');
    assert.equal((await app().call('PATCH', `/requests/${req.id}/status`, { key: admin.key, body: { status: 'CANCELED' } })).status, 200);
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: admin.key, body: { status: 'CANCELED' } }), 409, 'status_is_terminal');
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: emp.key, body: { status: 'IN_PROGRESS' } }), 409, 'status_is_terminal');
  });

  test('an employee may only cancel their own NEW request; the machine is checked before the role', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await file(app(), emp.key);
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: emp.key, body: { status: 'IN_PROGRESS' } }), 403, 'forbidden');
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: emp.key, body: { status: 'DONE' } }), 409, 'invalid_status_transition');
    const r = await app().call('PATCH', `/requests/${req.id}/status`, { key: emp.key, body: { status: 'CANCELED', comment: 'Fixed itself.' } });
    assert.equal(r.status, 200);
    assert.ok(r.body.resolved_at);
    assert.deepEqual(r.body.allowed_transitions, []);
  });

  test('an agent who takes an unassigned request becomes its assignee; IN_PROGRESS needs one', async () => {
    const emp = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT', 'Agnes');
    const admin = await app().user('ADMIN');
    const req = await file(app(), emp.key);
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: admin.key, body: { status: 'IN_PROGRESS', assignee_id: null } }), 409, 'in_progress_requires_assignee');
    const taken = await app().call('PATCH', `/requests/${req.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS', comment: 'On it.' } });
    assert.equal(taken.status, 200);
    assert.deepEqual(taken.body.assignee, { id: agent.id, full_name: 'Agnes' });
    assert.deepEqual(taken.body.allowed_transitions, ['DONE', 'CANCELED']);
    const comments = await app().call('GET', `/requests/${req.id}/comments`, { key: emp.key });
    assert.deepEqual(comments.body.items.map((c: any) => [c.body, c.internal, c.author.id]), [['On it.', false, agent.id]]);
    const done = await app().call('PATCH', `/requests/${req.id}/status`, { key: agent.key, body: { status: 'DONE' } });
    assert.equal(done.status, 200);
    assert.ok(done.body.resolved_at);
  });

  test('an agent may not hand a request to someone else, nor work another agent\'s request', async () => {
    const emp = await app().user('EMPLOYEE');
    const a = await app().user('AGENT');
    const b = await app().user('AGENT');
    const req = await file(app(), emp.key);
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: a.key, body: { status: 'IN_PROGRESS', assignee_id: b.id } }), 403, 'forbidden');
    await app().call('PATCH', `/requests/${req.id}/status`, { key: a.key, body: { status: 'IN_PROGRESS' } });
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: b.key, body: { status: 'DONE' } }), 403, 'forbidden');
  });

  test('an admin may start a request for a named agent; the assignee must be an active AGENT or ADMIN', async () => {
    const emp = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT');
    const admin = await app().user('ADMIN');
    const req = await file(app(), emp.key);
    problem(await app().call('PATCH', `/requests/${req.id}/status`, { key: admin.key, body: { status: 'IN_PROGRESS', assignee_id: emp.id } }), 422, 'validation_failed');
    const r = await app().call('PATCH', `/requests/${req.id}/status`, { key: admin.key, body: { status: 'IN_PROGRESS', assignee_id: agent.id } });
    assert.equal(r.status, 200);
    assert.equal(r.body.assignee.id, agent.id);
  });

  test('allowed_transitions: every listed move succeeds and every unlisted one is refused', async () => {
    const emp = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT');
    const admin = await app().user('ADMIN');
    const callers = { EMPLOYEE: emp, AGENT: agent, ADMIN: admin };
    // Bring a request to each state, then try every target as every role on a fresh copy.
    async function inState(status: string) {
      const r = await file(app(), emp.key);
      if (status === 'IN_PROGRESS') await app().call('PATCH', `/requests/${r.id}/status`, { key: agent.key, body: { status } });
      return r.id;
    }
    for (const state of ['NEW', 'IN_PROGRESS']) {
      for (const [role, caller] of Object.entries(callers)) {
        const probe = await inState(state);
        const listed: string[] = (await app().call('GET', `/requests/${probe}`, { key: caller.key })).body.allowed_transitions;
        for (const to of STATUSES) {
          const id = await inState(state);
          const r = await app().call('PATCH', `/requests/${id}/status`, { key: caller.key, body: { status: to } });
          assert.equal(r.status === 200, listed.includes(to), `${role} ${state}→${to}: listed ${listed}, got ${r.status} ${r.body?.code}`);
        }
      }
    }
  });

  test('20 agents taking one request at the same instant: exactly one 200, the rest 409, one audit row', async () => {
    const emp = await app().user('EMPLOYEE');
    const agents = await Promise.all(Array.from({ length: 20 }, () => app().user('AGENT')));
    const req = await file(app(), emp.key);
    const replies = await Promise.all(agents.map((a) => app().call('PATCH', `/requests/${req.id}/status`, { key: a.key, body: { status: 'IN_PROGRESS' } })));
    const winners = replies.filter((r) => r.status === 200);
    assert.equal(winners.length, 1);
    for (const r of replies.filter((x) => x.status !== 200)) problem(r, 409, 'status_already_set');
    const audits = await app().db`select actor_id from audit_logs where entity_id = ${req.id} and action = 'request.status_changed'`;
    assert.equal(audits.length, 1);
    assert.equal(audits[0].actor_id, winners[0].body.assignee.id);
  });
});

describe('assignment', () => {
  const app = useApp();

  test('an admin assigns any agent; an agent only themself; an employee never', async () => {
    const emp = await app().user('EMPLOYEE');
    const a = await app().user('AGENT');
    const b = await app().user('AGENT');
    const admin = await app().user('ADMIN');
    const req = await file(app(), emp.key);
    problem(await app().call('PATCH', `/requests/${req.id}/assignee`, { key: emp.key, body: { assignee_id: a.id } }), 403, 'forbidden');
    problem(await app().call('PATCH', `/requests/${req.id}/assignee`, { key: a.key, body: { assignee_id: b.id } }), 403, 'forbidden');
    const self = await app().call('PATCH', `/requests/${req.id}/assignee`, { key: a.key, body: { assignee_id: a.id } });
    assert.equal(self.status, 200);
    assert.equal(self.body.assignee.id, a.id);
    problem(await app().call('PATCH', `/requests/${req.id}/assignee`, { key: b.key, body: { assignee_id: b.id } }), 403, 'forbidden');
    const byAdmin = await app().call('PATCH', `/requests/${req.id}/assignee`, { key: admin.key, body: { assignee_id: b.id } });
    assert.equal(byAdmin.body.assignee.id, b.id);
    problem(await app().call('PATCH', `/requests/${req.id}/assignee`, { key: admin.key, body: { assignee_id: emp.id } }), 422, 'validation_failed');
    problem(await app().call('PATCH', `/requests/${req.id}/assignee`, { key: admin.key, body: {} }), 422, 'validation_failed');
    const audits = await app().db`select changes from audit_logs where entity_id = ${req.id} and action = 'request.assigned' order by seq`;
    assert.deepEqual(audits.map((x) => x.changes.assignee_id), [[null, a.id], [a.id, b.id]]);
  });

  test('a request in progress cannot be left without an assignee', async () => {
    const emp = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT');
    const req = await file(app(), emp.key);
    await app().call('PATCH', `/requests/${req.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS' } });
    problem(await app().call('PATCH', `/requests/${req.id}/assignee`, { key: agent.key, body: { assignee_id: null } }), 409, 'in_progress_requires_assignee');
  });
});

describe('comments and history', () => {
  const app = useApp();

  test('internal notes: only agents and admins write them, and employees never see them, in comments or history', async () => {
    const emp = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT');
    const req = await file(app(), emp.key);
    problem(await app().call('POST', `/requests/${req.id}/comments`, { key: emp.key, body: { body: 'secret?', internal: true } }), 403, 'forbidden');
    assert.equal((await app().call('POST', `/requests/${req.id}/comments`, { key: emp.key, body: { body: 'Any news?' } })).status, 201);
    const note = await app().call('POST', `/requests/${req.id}/comments`, { key: agent.key, body: { body: 'User is VIP, hurry', internal: true } });
    assert.equal(note.status, 201);
    assert.equal(note.body.internal, true);
    const forAgent = await app().call('GET', `/requests/${req.id}/comments`, { key: agent.key });
    assert.deepEqual(forAgent.body.items.map((c: any) => c.body), ['User is VIP, hurry', 'Any news?']);
    const forEmp = await app().call('GET', `/requests/${req.id}/comments`, { key: emp.key });
    assert.deepEqual(forEmp.body.items.map((c: any) => c.body), ['Any news?']);
    const history = await app().call('GET', `/requests/${req.id}/history`, { key: emp.key });
    assert.ok(!history.text.includes('VIP'));
    const agentHistory = await app().call('GET', `/requests/${req.id}/history`, { key: agent.key });
    assert.ok(agentHistory.text.includes('VIP'));
  });

  test('history lists every change of the request oldest first, with actor and [old, new]', async () => {
    const emp = await app().user('EMPLOYEE', 'Eve');
    const agent = await app().user('AGENT', 'Abe');
    const req = await file(app(), emp.key);
    await app().call('PATCH', `/requests/${req.id}`, { key: emp.key, body: { priority: 'HIGH' } });
    await app().call('PATCH', `/requests/${req.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS', comment: 'Taking it' } });
    await app().call('PATCH', `/requests/${req.id}/status`, { key: agent.key, body: { status: 'DONE' } });
    const r = await app().call('GET', `/requests/${req.id}/history`, { key: emp.key });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((e: any) => e.action), ['request.created', 'request.updated', 'request.status_changed', 'comment.added', 'request.status_changed']);
    assert.deepEqual(r.body.items[2].changes.status, ['NEW', 'IN_PROGRESS']);
    assert.deepEqual(r.body.items[2].actor, { id: agent.id, full_name: 'Abe' });
    assert.equal(r.body.items[0].ip, null, 'an employee does not see where others called from');
    const paged = await app().call('GET', `/requests/${req.id}/history?limit=2`, { key: emp.key });
    const rest = await app().call('GET', `/requests/${req.id}/history?limit=10&cursor=${paged.body.next_cursor}`, { key: emp.key });
    assert.deepEqual([...paged.body.items, ...rest.body.items].map((e: any) => e.id), r.body.items.map((e: any) => e.id));
  });

  test('a comment body must be 1..10 000 characters', async () => {
    const emp = await app().user('EMPLOYEE');
    const req = await file(app(), emp.key);
    problem(await app().call('POST', `/requests/${req.id}/comments`, { key: emp.key, body: { body: '' } }), 422, 'validation_failed');
    problem(await app().call('POST', `/requests/${req.id}/comments`, { key: emp.key, body: { body: 'x'.repeat(10_001) } }), 422, 'validation_failed');
  });
});
