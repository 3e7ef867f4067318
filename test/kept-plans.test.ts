// DB_PREPARE=false (a transaction pooler): the hot statements go as their `.unnamed.sql`
// twins, functions whose plans the backend keeps (sql/migrations/0014_kept_plans.sql). A
// twin must answer and write exactly what its statement does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { connect, statementFor, type Sql } from '../src/db/index.ts';
import { getRequest, getRequestByPublicId, insertRequest, listRequests, type RequestFilter } from '../src/db/requests.ts';
import { useApp } from './helpers.ts';

/** A row or document with what differs between two creates (ids, numbers, instants) masked. */
function masked(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'string'
    ? v.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
      .replace(/REQ-\d+/g, 'REQ-n').replace(/\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)/g, '<time>')
    : v)));
}

describe('statements sent unnamed (DB_PREPARE=false)', () => {
  const app = useApp();
  let named: Sql; let unnamed: Sql;
  before(() => {
    named = connect(app().dbUrl, { max: 2 });
    unnamed = connect(app().dbUrl, { max: 2, prepare: false });
  });
  after(async () => { await named.end(); await unnamed.end(); });

  test('a request read by id or public_id is the same either way, on the pool and in a transaction', async () => {
    const admin = await app().user('ADMIN');
    const team = (await app().call('POST', '/teams', { key: admin.key, body: { name: 'Kept' } })).body;
    const plain = (await app().call('POST', '/requests', { key: admin.key, body: { title: 'Plain "one" \\ </script> 😀' } })).body;
    const teamed = (await app().call('POST', '/requests', { key: admin.key, body: { title: 'Teamed', team_id: team.id, priority: 'HIGH' } })).body;
    await app().call('POST', `/requests/${teamed.id}/comments`, { key: admin.key, body: { body: 'noted' } });
    for (const r of [plain, teamed]) {
      const want = await getRequest(named, r.id);
      assert.ok(want);
      assert.deepEqual(await getRequest(unnamed, r.id), want);
      assert.deepEqual(await getRequestByPublicId(unnamed, r.public_id), want);
      assert.deepEqual(await unnamed.begin((tx) => getRequest(tx, r.id)), want);
    }
    assert.equal(await getRequest(unnamed, '00000000-0000-4000-8000-000000000000'), undefined);
  });

  test('the hot lists (everything, one person\'s, the queue, a team\'s queue) give the same pages either way, and as the general statement, for every visibility', async () => {
    const admin = await app().user('ADMIN');
    const agent = await app().user('AGENT');
    const team = (await app().call('POST', '/teams', { key: admin.key, body: { name: 'Lists' } })).body;
    await app().call('PUT', `/teams/${team.id}/members/${agent.id}`, { key: admin.key });
    const other = (await app().call('POST', '/teams', { key: admin.key, body: { name: 'Elsewhere' } })).body;
    for (let i = 0; i < 9; i++) {
      const r = (await app().call('POST', '/requests', { key: admin.key, body: { title: `list ${i}`, team_id: [null, team.id, other.id][i % 3] } })).body;
      // Some taken, some assigned while still NEW: neither is in the queue.
      if (i % 4 === 0) await app().call('POST', `/requests/${r.id}/take`, { key: admin.key });
      if (i % 4 === 1) assert.equal((await app().call('PATCH', `/requests/${r.id}/assignee`, { key: admin.key, body: { assignee_id: admin.id } })).status, 200);
    }
    const base: RequestFilter = {
      statuses: null, priority: null, unassigned: false, assignee: null, creator: null, q: null, createdAfter: null,
      createdBefore: null, teams: null, noTeam: false, visible: { all: true, teams: [], actor: admin.id }, after: null, limit: 4,
    };
    const queue: RequestFilter = { ...base, statuses: ['NEW'], unassigned: true };
    const shapes: RequestFilter[] = [base, { ...base, creator: admin.id }, queue, { ...queue, teams: [team.id] }, { ...queue, teams: [other.id] }];
    const scopes = [base.visible, { all: false, teams: [team.id], actor: agent.id }, { all: false, teams: [], actor: agent.id }];
    for (const shape of shapes) for (const visible of scopes) {
      let after: string | null = null;
      for (let page = 0; page < 4; page++) {
        const f: RequestFilter = { ...shape, visible, after };
        const want = await listRequests(named, f);
        assert.deepEqual(await listRequests(unnamed, f), want, `page ${page} of ${JSON.stringify({ ...shape, visible })}`);
        // A filter that changes nothing sends the same filters to the general statement.
        const general = await listRequests(named, { ...f, createdBefore: '9999-01-01T00:00:00Z' });
        assert.deepEqual(general, want, `the general statement, page ${page} of ${JSON.stringify({ ...shape, visible })}`);
        if (want.length < 4) break;
        after = want.at(-1)!.seq;
      }
    }
  });

  test('the twin is what an unnamed pool sends, and only that pool', async () => {
    const admin = await app().user('ADMIN');
    const r = (await app().call('POST', '/requests', { key: admin.key, body: { title: 'Which one' } })).body;
    // With the function gone (inside a transaction rolled back), the twin fails and the
    // statement itself does not.
    const without = async (db: Sql) => {
      let got: unknown;
      await db.begin(async (tx) => {
        await tx`drop function request_by_id(uuid)`;
        got = await getRequest(tx, r.id).then((row) => row?.id, (err: { code?: string }) => err.code);
        throw new Error('roll back');
      }).catch(() => {});
      return got;
    };
    assert.equal(await without(unnamed), '42883');
    assert.equal(await without(named), r.id);
  });

  test('every session of an unnamed pool sends the twins: the pool, its transactions (either form) and reserved sessions', async () => {
    const names = ['requests/get_request', 'requests/get_request_by_public_id', 'requests/insert_request', 'requests/list_recent', 'requests/list_queue', 'requests/list_team_queue'];
    const sent = (db: Parameters<typeof statementFor>[0]) => names.map((n) => statementFor(db, n));
    const twins = names.map((n) => fs.readFileSync(`sql/queries/${n}.unnamed.sql`, 'utf8'));
    const plain = names.map((n) => fs.readFileSync(`sql/queries/${n}.sql`, 'utf8'));
    assert.deepEqual(sent(unnamed), twins, 'the pool');
    assert.deepEqual(await unnamed.begin(async (tx) => sent(tx)), twins, 'begin(fn)');
    assert.deepEqual(await unnamed.begin('isolation level repeatable read', async (tx) => sent(tx)), twins, 'begin(options, fn)');
    const reserved = await unnamed.reserve();
    try { assert.deepEqual(sent(reserved), twins, 'a reserved session'); } finally { reserved.release(); }
    assert.deepEqual(sent(named), plain, 'a pool with named statements');
    assert.deepEqual(await named.begin(async (tx) => sent(tx)), plain, 'its transactions');
    // A statement without a twin is sent as it is.
    assert.equal(statementFor(unnamed, 'requests/update_request'), fs.readFileSync('sql/queries/requests/update_request.sql', 'utf8'));
  });

  test('a request filed either way writes the same request, audit row and event', async () => {
    const admin = await app().user('ADMIN');
    const team = (await app().call('POST', '/teams', { key: admin.key, body: { name: 'Filed' } })).body;
    for (const teamId of [null, team.id]) {
      const input = { title: 'Filed, "twice"', description: 'line\nbreak', priority: 'URGENT', team_id: teamId };
      const audit = ['req-kept', '203.0.113.7', 'kept/1.0'] as const;
      const a = await insertRequest(named, input, admin.id, audit);
      const b = await unnamed.begin((tx) => insertRequest(tx, input, admin.id, audit));
      assert.ok(a && b && a.id !== b.id);
      assert.deepEqual(masked(b), masked(a));
      const written = async (id: string) => ({
        audit: await app().db`select actor_id, action, entity_type, changes, request_id, ip, user_agent from audit_logs where entity_id = ${id}`,
        events: await app().db`select type, actor_id, data from events where request_id = ${id}`,
      });
      const [wa, wb] = [await written(a.id), await written(b.id)];
      assert.equal(wa.audit.length, 1);
      assert.equal(wa.events.length, 1);
      assert.deepEqual(masked(wb), masked(wa));
    }
  });
});
