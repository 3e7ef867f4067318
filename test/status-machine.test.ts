// The status machine lives twice: in TypeScript (src/requests/lifecycle.ts) and in the trigger
// requests__guard. These tests walk every (from, to) pair through both, and the full
// role × status × relation matrix through the policy.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, type Sql } from '../src/db/index.ts';
import { insertUser } from '../src/db/users.ts';
import { STATUSES, type Status, transitionError } from '../src/requests/lifecycle.ts';
import { allowedTransitions, assigneeAfterMove, mayMove } from '../src/requests/policy.ts';
import { hashApiKey, newApiKey, type Actor, type Role } from '../src/users/keys.ts';
import { freshDatabase } from './helpers.ts';

const EXPECTED_MOVES = new Set(['NEW>IN_PROGRESS', 'NEW>CANCELED', 'IN_PROGRESS>DONE', 'IN_PROGRESS>CANCELED']);

describe('status machine (TypeScript)', () => {
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      test(`${from} → ${to}`, () => {
        const expected = from === 'DONE' || from === 'CANCELED' ? 'status_is_terminal'
          : from === to ? 'status_already_set'
          : EXPECTED_MOVES.has(`${from}>${to}`) ? null : 'invalid_status_transition';
        assert.equal(transitionError(from, to), expected);
      });
    }
  }
});

describe('who may move what (policy matrix)', () => {
  const me = 'u-me';
  const other = 'u-other';
  const relations = {
    'own, unassigned': { created_by: me, assignee_id: null },
    'own, assigned to me': { created_by: me, assignee_id: me },
    "someone else's, unassigned": { created_by: other, assignee_id: null },
    "someone else's, assigned to me": { created_by: other, assignee_id: me },
    "someone else's, assigned to another": { created_by: other, assignee_id: 'u-third' },
  } as const;

  // The rules of API.md, written out independently of src/requests/.
  function expected(role: Role, status: Status, to: Status, rel: { created_by: string; assignee_id: string | null }): boolean {
    if (transitionError(status, to)) return false;
    if (role === 'ADMIN') return true;
    if (role === 'EMPLOYEE') return status === 'NEW' && to === 'CANCELED' && rel.created_by === me;
    if (status === 'NEW') return rel.assignee_id === null || rel.assignee_id === me;
    return rel.assignee_id === me;
  }

  for (const role of ['ADMIN', 'AGENT', 'EMPLOYEE'] as const) {
    const actor: Actor = { id: me, full_name: 'Me', role, teams: [] };
    for (const status of STATUSES) {
      for (const [name, rel] of Object.entries(relations)) {
        if (status === 'IN_PROGRESS' && rel.assignee_id === null) continue; // not a state that can exist
        test(`${role} on a ${status} request (${name})`, () => {
          const r = { status, team_id: null, ...rel };
          const want = STATUSES.filter((to) => expected(role, status, to, rel));
          assert.deepEqual(allowedTransitions(actor, r), want);
          for (const to of want) assert.ok(mayMove(actor, r, to, assigneeAfterMove(actor, r, to, undefined)));
        });
      }
    }
  }

  test('an agent may not hand a request to someone else while moving it', () => {
    const agent: Actor = { id: me, full_name: 'Me', role: 'AGENT', teams: [] };
    assert.equal(mayMove(agent, { status: 'NEW', created_by: other, assignee_id: null, team_id: null }, 'IN_PROGRESS', 'u-third'), false);
    assert.equal(mayMove(agent, { status: 'NEW', created_by: other, assignee_id: null, team_id: null }, 'IN_PROGRESS', me), true);
  });

  test('an agent or admin who starts an unassigned request becomes its assignee; an explicit null stays null', () => {
    const agent: Actor = { id: me, full_name: 'Me', role: 'AGENT', teams: [] };
    const r = { status: 'NEW' as const, created_by: other, assignee_id: null, team_id: null };
    assert.equal(assigneeAfterMove(agent, r, 'IN_PROGRESS', undefined), me);
    assert.equal(assigneeAfterMove({ ...agent, role: 'ADMIN' }, r, 'IN_PROGRESS', undefined), me);
    assert.equal(assigneeAfterMove(agent, r, 'IN_PROGRESS', null), null);
    assert.equal(assigneeAfterMove({ ...agent, role: 'EMPLOYEE' }, r, 'CANCELED', undefined), null);
  });
});

describe('status machine (the trigger, through plain SQL)', () => {
  let db: Sql;
  let creator: string;
  let agent: string;
  before(async () => {
    db = connect(await freshDatabase(), { max: 2 });
    const mk = async (role: Role) => {
      const key = newApiKey();
      return (await insertUser(db, { email: `${role}@sql.example.com`.toLowerCase(), full_name: role, role, keyHash: hashApiKey(key), last4: key.slice(-4) }, null, 'user.created', [null, null, null]))!.id;
    };
    creator = await mk('EMPLOYEE');
    agent = await mk('AGENT');
  });
  after(async () => { await db.end(); });

  /** A request brought to `status` through allowed moves only. */
  async function requestIn(status: Status): Promise<string> {
    const [{ id }] = await db`insert into requests (title, created_by) values ('sql', ${creator}) returning id`;
    if (status === 'IN_PROGRESS' || status === 'DONE') await db`update requests set status = 'IN_PROGRESS', assignee_id = ${agent} where id = ${id}`;
    if (status === 'DONE') await db`update requests set status = 'DONE' where id = ${id}`;
    if (status === 'CANCELED') await db`update requests set status = 'CANCELED' where id = ${id}`;
    return id;
  }

  for (const from of STATUSES) {
    for (const to of STATUSES) {
      test(`${from} → ${to} agrees with TypeScript`, async () => {
        const id = await requestIn(from);
        const ts = transitionError(from, to);
        let sqlError: string | null = null;
        try {
          await db`update requests set status = ${to}, assignee_id = coalesce(assignee_id, ${agent}) where id = ${id}`;
        } catch (err) {
          sqlError = (err as { constraint_name?: string }).constraint_name ?? 'unknown';
        }
        // TypeScript's status_already_set is a no-op for the database; everything else must agree.
        if (ts === null) assert.equal(sqlError, null);
        else if (ts === 'status_is_terminal') assert.equal(sqlError, 'requests_status_terminal');
        else if (ts === 'invalid_status_transition') assert.equal(sqlError, 'requests_status_transition');
        else assert.equal(sqlError, null);
      });
    }
  }

  test('a new row must start NEW', async () => {
    await assert.rejects(db`insert into requests (title, created_by, status) values ('x', ${creator}, 'DONE')`, { constraint_name: 'requests_status_transition' });
  });

  test('IN_PROGRESS without an assignee is refused', async () => {
    const id = await requestIn('NEW');
    await assert.rejects(db`update requests set status = 'IN_PROGRESS' where id = ${id}`, { constraint_name: 'requests_in_progress_requires_assignee' });
    const inProgress = await requestIn('IN_PROGRESS');
    await assert.rejects(db`update requests set assignee_id = null where id = ${inProgress}`, { constraint_name: 'requests_in_progress_requires_assignee' });
  });

  test('the trigger keeps version, updated_at and resolved_at right, whatever the writer says', async () => {
    const id = await requestIn('NEW');
    const [before] = await db`select version, updated_at, resolved_at from requests where id = ${id}`;
    assert.equal(before.version, 1);
    assert.equal(before.resolved_at, null);
    await db`update requests set title = 'changed', version = 99, created_at = '2000-01-01' where id = ${id}`;
    const [edited] = await db`select version, created_at from requests where id = ${id}`;
    assert.equal(edited.version, 2);
    assert.notEqual(edited.created_at.getUTCFullYear(), 2000);
    await db`update requests set title = 'changed' where id = ${id}`;
    assert.equal((await db`select version from requests where id = ${id}`)[0].version, 2, 'a no-op update does not bump the version');
    await db`update requests set status = 'CANCELED', resolved_at = null where id = ${id}`;
    const [closed] = await db`select version, resolved_at, updated_at from requests where id = ${id}`;
    assert.equal(closed.version, 3);
    assert.ok(closed.resolved_at instanceof Date);
    assert.ok(closed.updated_at >= before.updated_at);
  });

  test('a closed request cannot be edited at all', async () => {
    const id = await requestIn('DONE');
    await assert.rejects(db`update requests set title = 'reopen me' where id = ${id}`, { constraint_name: 'requests_status_terminal' });
  });

  test('audit_logs refuses UPDATE, DELETE and TRUNCATE', async () => {
    await db`insert into audit_logs (action, entity_type, entity_id) values ('test.row', 'request', gen_random_uuid())`;
    await assert.rejects(db`update audit_logs set action = 'forged'`, { constraint_name: 'audit_logs_append_only' });
    await assert.rejects(db`delete from audit_logs`, { constraint_name: 'audit_logs_append_only' });
    await assert.rejects(db`truncate audit_logs`, /append-only/);
    const [{ n }] = await db`select count(*)::int as n from audit_logs where action = 'test.row'`;
    assert.equal(n, 1);
  });
});
