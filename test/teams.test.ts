// Teams: routing and confidentiality (API.md, "Teams"). An HR case is not the IT desk's to
// read, on any route; the database refuses an assignee outside the team, whoever writes.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { problem, useApp, type TestApp } from './helpers.ts';

type Who = { id: string; key: string };

async function team(app: TestApp, admin: Who, name: string, members: Who[] = []) {
  const r = await app.call('POST', '/teams', { key: admin.key, body: { name, description: `${name} desk` } });
  assert.equal(r.status, 201, r.text);
  for (const m of members) assert.equal((await app.call('PUT', `/teams/${r.body.id}/members/${m.id}`, { key: admin.key })).status, 204);
  return r.body;
}

async function file(app: TestApp, who: Who, body: Record<string, unknown>) {
  const r = await app.call('POST', '/requests', { key: who.key, body: { title: 'A case', ...body } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

describe('teams and membership', () => {
  const app = useApp();
  let admin: Who; let agent: Who; let emp: Who;
  before(async () => {
    admin = await app().user('ADMIN', 'Ada');
    agent = await app().user('AGENT', 'Alan');
    emp = await app().user('EMPLOYEE', 'Emmy');
  });

  test('an ADMIN creates a team (201, Location), audited with a team.created event; names are unique case-insensitively', async () => {
    const created = await app().call('POST', '/teams', { key: admin.key, body: { name: 'Payroll', description: 'Pay questions' } });
    assert.equal(created.status, 201);
    assert.equal(created.headers.location, `/teams/${created.body.id}`);
    assert.deepEqual({ ...created.body, id: undefined, created_at: undefined, updated_at: undefined },
      { id: undefined, name: 'Payroll', description: 'Pay questions', is_active: true, members_count: 0, created_at: undefined, updated_at: undefined });
    problem(await app().call('POST', '/teams', { key: admin.key, body: { name: 'PAYROLL' } }), 409, 'team_name_exists');
    problem(await app().call('POST', '/teams', { key: agent.key, body: { name: 'Rogue' } }), 403, 'forbidden');
    problem(await app().call('POST', '/teams', { key: admin.key, body: { name: '' } }), 422, 'validation_failed');
    const [audit] = await app().db`select actor_id, changes from audit_logs where entity_id = ${created.body.id} and action = 'team.created'`;
    assert.equal(audit.actor_id, admin.id);
    const [event] = await app().db`select data from events where type = 'team.created' and data->'team'->>'id' = ${created.body.id}`;
    assert.equal(event.data.team.name, 'Payroll');
  });

  test('membership is idempotent, shows on the user and the team, and only active agents and admins may join', async () => {
    const t = await team(app(), admin, 'Network');
    for (let i = 0; i < 2; i++) assert.equal((await app().call('PUT', `/teams/${t.id}/members/${agent.id}`, { key: admin.key })).status, 204);
    const [{ n }] = await app().db`select count(*)::int as n from audit_logs where entity_id = ${t.id} and action = 'team.member_added'`;
    assert.equal(n, 1, 'the second PUT changed nothing and wrote nothing');
    assert.equal((await app().call('GET', `/teams/${t.id}`, { key: emp.key })).body.members_count, 1);
    const me = await app().call('GET', '/users/me', { key: agent.key });
    assert.ok(me.body.teams.some((x: any) => x.id === t.id && x.name === 'Network'));
    problem(await app().call('PUT', `/teams/${t.id}/members/${emp.id}`, { key: admin.key }), 422, 'validation_failed');
    problem(await app().call('PUT', `/teams/${t.id}/members/${agent.id}`, { key: agent.key }), 403, 'forbidden');
    const members = await app().call('GET', `/teams/${t.id}/members`, { key: agent.key });
    assert.deepEqual(members.body.items.map((u: any) => u.id), [agent.id]);
    const outsider = await app().user('AGENT');
    problem(await app().call('GET', `/teams/${t.id}/members`, { key: outsider.key }), 403, 'forbidden');
    assert.equal((await app().call('DELETE', `/teams/${t.id}/members/${agent.id}`, { key: admin.key })).status, 204);
    assert.equal((await app().call('DELETE', `/teams/${t.id}/members/${agent.id}`, { key: admin.key })).status, 204);
    const [{ removed }] = await app().db`select count(*)::int as removed from events where type = 'team.member_removed' and data->'team'->>'id' = ${t.id}`;
    assert.equal(removed, 1);
  });

  test('everyone lists active teams; an inactive team is the ADMIN\'s alone', async () => {
    const t = await team(app(), admin, 'Old desk');
    assert.equal((await app().call('PATCH', `/teams/${t.id}`, { key: admin.key, body: { is_active: false } })).body.is_active, false);
    const names = async (key: string, q = '') => (await app().call('GET', `/teams${q}`, { key })).body.items.map((x: any) => x.name);
    assert.ok(!(await names(emp.key)).includes('Old desk'));
    assert.ok((await names(admin.key)).includes('Old desk'));
    assert.deepEqual(await names(admin.key, '?is_active=false'), ['Old desk']);
    problem(await app().call('GET', `/teams/${t.id}`, { key: emp.key }), 404, 'not_found');
    problem(await app().call('POST', '/requests', { key: emp.key, body: { title: 'x', team_id: t.id } }), 422, 'validation_failed');
    problem(await app().call('POST', '/requests', { key: emp.key, body: { title: 'x', team_id: crypto.randomUUID() } }), 422, 'validation_failed');
  });
});

describe('confidentiality: an HR case is invisible to the IT desk on every read route', () => {
  const app = useApp();
  let admin: Who; let it: Who; let hr: Who; let emp: Who; let hrCase: any; let hrTeam: any; let itTeam: any;
  before(async () => {
    admin = await app().user('ADMIN');
    it = await app().user('AGENT', 'Ivan IT');
    hr = await app().user('AGENT', 'Hana HR');
    emp = await app().user('EMPLOYEE', 'Emmy');
    itTeam = await team(app(), admin, 'IT', [it]);
    hrTeam = await team(app(), admin, 'HR', [hr]);
    hrCase = await file(app(), emp, { title: 'Complaint about my manager', description: 'confidential salary matter', team_id: hrTeam.id });
    await app().call('POST', `/requests/${hrCase.id}/comments`, { key: hr.key, body: { body: 'Noted.' } });
  });

  test('the HR agent, the admin and the employee who filed it see it; the IT agent gets 404 everywhere', async () => {
    for (const who of [hr, admin, emp]) assert.equal((await app().call('GET', `/requests/${hrCase.id}`, { key: who.key })).status, 200);
    assert.deepEqual((await app().call('GET', `/requests/${hrCase.id}`, { key: hr.key })).body.team, { id: hrTeam.id, name: 'HR' });
    for (const ref of [hrCase.id, hrCase.public_id, hrCase.id.toUpperCase()]) {
      problem(await app().call('GET', `/requests/${ref}`, { key: it.key }), 404, 'not_found');
      problem(await app().call('GET', `/requests/${ref}/history`, { key: it.key }), 404, 'not_found');
      problem(await app().call('GET', `/requests/${ref}/comments`, { key: it.key }), 404, 'not_found');
      problem(await app().call('POST', `/requests/${ref}/comments`, { key: it.key, body: { body: 'peek' } }), 404, 'not_found');
      problem(await app().call('PATCH', `/requests/${ref}`, { key: it.key, body: { title: 'x' } }), 404, 'not_found');
      problem(await app().call('PATCH', `/requests/${ref}/status`, { key: it.key, body: { status: 'IN_PROGRESS' } }), 404, 'not_found');
      problem(await app().call('PATCH', `/requests/${ref}/assignee`, { key: it.key, body: { assignee_id: it.id } }), 404, 'not_found');
      problem(await app().call('PATCH', `/requests/${ref}/team`, { key: it.key, body: { team_id: itTeam.id } }), 404, 'not_found');
    }
    const lists = ['', '?status=NEW&assignee_id=none', '?q=manager', '?q=salary', `?created_by=${emp.id}`, `?team_id=${hrTeam.id}`,
      '?priority=NORMAL', '?status=NEW', '?team_id=mine', '?limit=100'];
    for (const q of lists) {
      const seenByIt = await app().call('GET', `/requests${q}`, { key: it.key });
      assert.equal(seenByIt.status, 200);
      assert.ok(!seenByIt.body.items.some((r: any) => r.id === hrCase.id), `IT agent sees the HR case in /requests${q}`);
    }
    for (const q of ['', '?status=NEW&assignee_id=none', '?q=manager', `?team_id=${hrTeam.id}`, '?team_id=mine']) {
      const seenByHr = await app().call('GET', `/requests${q}`, { key: hr.key });
      assert.ok(seenByHr.body.items.some((r: any) => r.id === hrCase.id), `HR agent misses the HR case in /requests${q}`);
    }
  });

  test('the general pool stays everyone\'s, and team_id filters mine, none and a team', async () => {
    const pool = await file(app(), emp, { title: 'Printer jam' });
    const itCase = await file(app(), emp, { title: 'Laptop', team_id: itTeam.id });
    const ids = async (key: string, q: string) => (await app().call('GET', `/requests${q}`, { key })).body.items.map((r: any) => r.id);
    assert.ok((await ids(it.key, '')).includes(pool.id));
    assert.ok((await ids(hr.key, '')).includes(pool.id));
    assert.deepEqual((await ids(it.key, '?team_id=mine')), [itCase.id]);
    assert.ok((await ids(it.key, '?team_id=none')).includes(pool.id));
    assert.ok(!(await ids(it.key, '?team_id=none')).includes(itCase.id));
    assert.deepEqual(await ids(admin.key, `?team_id=${itTeam.id}`), [itCase.id]);
    problem(await app().call('GET', '/requests?team_id=ours', { key: it.key }), 400, 'invalid_query');
  });
});

describe('who may work what, with teams (through the API)', () => {
  const app = useApp();
  let admin: Who; let member: Who; let outsider: Who; let emp: Who; let t: any;
  before(async () => {
    admin = await app().user('ADMIN');
    member = await app().user('AGENT', 'Mia Member');
    outsider = await app().user('AGENT', 'Otto Outsider');
    emp = await app().user('EMPLOYEE');
    t = await team(app(), admin, 'Desk', [member]);
  });

  test('a member takes and closes a team request; a non-member cannot see it; anyone takes from the pool', async () => {
    const r = await file(app(), emp, { team_id: t.id });
    assert.deepEqual((await app().call('GET', `/requests/${r.id}`, { key: member.key })).body.allowed_transitions, ['IN_PROGRESS', 'CANCELED']);
    problem(await app().call('PATCH', `/requests/${r.id}/status`, { key: outsider.key, body: { status: 'IN_PROGRESS' } }), 404, 'not_found');
    const taken = await app().call('PATCH', `/requests/${r.id}/status`, { key: member.key, body: { status: 'IN_PROGRESS' } });
    assert.equal(taken.status, 200);
    assert.deepEqual(taken.body.assignee, { id: member.id, full_name: 'Mia Member' });
    assert.equal((await app().call('PATCH', `/requests/${r.id}/status`, { key: member.key, body: { status: 'DONE' } })).status, 200);
    const pool = await file(app(), emp, {});
    assert.equal((await app().call('PATCH', `/requests/${pool.id}/status`, { key: outsider.key, body: { status: 'IN_PROGRESS' } })).status, 200);
  });

  test('an assignee must be a member of the request\'s team or an ADMIN (422 on assignee_id)', async () => {
    const r = await file(app(), emp, { team_id: t.id });
    const refused = await app().call('PATCH', `/requests/${r.id}/assignee`, { key: admin.key, body: { assignee_id: outsider.id } });
    problem(refused, 422, 'validation_failed');
    assert.equal(refused.body.errors[0].path, 'assignee_id');
    problem(await app().call('PATCH', `/requests/${r.id}/status`, { key: admin.key, body: { status: 'IN_PROGRESS', assignee_id: outsider.id } }), 422, 'validation_failed');
    assert.equal((await app().call('PATCH', `/requests/${r.id}/assignee`, { key: admin.key, body: { assignee_id: member.id } })).status, 200);
    assert.equal((await app().call('PATCH', `/requests/${r.id}/assignee`, { key: admin.key, body: { assignee_id: admin.id } })).status, 200, 'an ADMIN may be the assignee of any team\'s request');
  });

  test('an agent who is the assignee of a request but not in its team sees it and cannot work it', async () => {
    // An ADMIN assignee who is demoted would be such a case: the database refuses the
    // demotion while they hold the team's open work, so the state cannot arise that way.
    const boss = await app().user('ADMIN');
    const r = await file(app(), emp, { team_id: t.id });
    assert.equal((await app().call('PATCH', `/requests/${r.id}/assignee`, { key: admin.key, body: { assignee_id: boss.id } })).status, 200);
    problem(await app().call('PATCH', `/users/${boss.id}`, { key: admin.key, body: { role: 'AGENT' } }), 409, 'member_has_open_requests');
  });

  test('moving a request to another team: NEW loses an assignee who is not in it; IN_PROGRESS is refused unless a new assignee is named', async () => {
    const other = await team(app(), admin, 'Other', [outsider]);
    const fresh = await file(app(), emp, { team_id: t.id });
    await app().call('PATCH', `/requests/${fresh.id}/assignee`, { key: member.key, body: { assignee_id: member.id } });
    const moved = await app().call('PATCH', `/requests/${fresh.id}/team`, { key: member.key, body: { team_id: other.id } });
    assert.equal(moved.status, 200);
    assert.deepEqual(moved.body.team, { id: other.id, name: 'Other' });
    assert.equal(moved.body.assignee, null);
    problem(await app().call('GET', `/requests/${fresh.id}`, { key: member.key }), 404, 'not_found');
    const [event] = await app().db`select data from events where type = 'request.team_changed' and request_id = ${fresh.id}`;
    assert.deepEqual(event.data.changes.team_id, [t.id, other.id]);
    assert.deepEqual(event.data.changes.assignee_id, [member.id, null]);

    const busy = await file(app(), emp, { team_id: t.id });
    await app().call('PATCH', `/requests/${busy.id}/status`, { key: member.key, body: { status: 'IN_PROGRESS' } });
    problem(await app().call('PATCH', `/requests/${busy.id}/team`, { key: member.key, body: { team_id: other.id } }), 409, 'assignee_not_in_team');
    problem(await app().call('PATCH', `/requests/${busy.id}/team`, { key: admin.key, body: { team_id: other.id, assignee_id: member.id } }), 422, 'validation_failed');
    problem(await app().call('PATCH', `/requests/${busy.id}/team`, { key: admin.key, body: { team_id: other.id, assignee_id: null } }), 409, 'in_progress_requires_assignee');
    const handed = await app().call('PATCH', `/requests/${busy.id}/team`, { key: admin.key, body: { team_id: other.id, assignee_id: outsider.id } });
    assert.equal(handed.status, 200);
    assert.deepEqual(handed.body.assignee, { id: outsider.id, full_name: 'Otto Outsider' });
    // To the pool, the assignee stays: anyone may work the pool.
    assert.equal((await app().call('PATCH', `/requests/${busy.id}/team`, { key: outsider.key, body: { team_id: null } })).body.assignee.id, outsider.id);
    problem(await app().call('PATCH', `/requests/${busy.id}/team`, { key: emp.key, body: { team_id: t.id } }), 403, 'forbidden');
    await app().call('PATCH', `/requests/${busy.id}/status`, { key: outsider.key, body: { status: 'DONE' } });
    problem(await app().call('PATCH', `/requests/${busy.id}/team`, { key: admin.key, body: { team_id: t.id } }), 409, 'status_is_terminal');
  });

  test('a member with open work of the team cannot be removed from it (409, and the database refuses too); after it is done, they can', async () => {
    const r = await file(app(), emp, { team_id: t.id });
    await app().call('PATCH', `/requests/${r.id}/status`, { key: member.key, body: { status: 'IN_PROGRESS' } });
    problem(await app().call('DELETE', `/teams/${t.id}/members/${member.id}`, { key: admin.key }), 409, 'member_has_open_requests');
    await assert.rejects(app().db`delete from team_members where team_id = ${t.id} and user_id = ${member.id}`, { constraint_name: 'team_members_open_requests' });
    await app().call('PATCH', `/requests/${r.id}/status`, { key: member.key, body: { status: 'DONE' } });
    const rest = await app().db`select id from requests where team_id = ${t.id} and assignee_id = ${member.id} and status in ('NEW', 'IN_PROGRESS')`;
    for (const { id } of rest) await app().call('PATCH', `/requests/${id}/status`, { key: admin.key, body: { status: 'CANCELED' } });
    assert.equal((await app().call('DELETE', `/teams/${t.id}/members/${member.id}`, { key: admin.key })).status, 204);
    await app().call('PUT', `/teams/${t.id}/members/${member.id}`, { key: admin.key });
  });

  test('the database refuses a non-member assignee through plain SQL, on insert and on update', async () => {
    const r = await file(app(), emp, { team_id: t.id });
    await assert.rejects(app().db`update requests set assignee_id = ${outsider.id} where id = ${r.id}`, { constraint_name: 'requests_assignee_in_team' });
    await assert.rejects(
      app().db`insert into requests (title, created_by, team_id, assignee_id) values ('sql', ${emp.id}, ${t.id}, ${outsider.id})`,
      { constraint_name: 'requests_assignee_in_team' });
    await app().db`update requests set assignee_id = ${member.id} where id = ${r.id}`;
    await assert.rejects(app().db`update requests set team_id = (select id from teams where name = 'Other') where id = ${r.id}`, { constraint_name: 'requests_assignee_in_team' });
  });
});
