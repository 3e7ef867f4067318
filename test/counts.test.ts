// GET /requests/counts: the console's view counts (queue, my work, all open), in total and
// per team, with exactly the visibility of GET /requests.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { problem, useApp } from './helpers.ts';

type Who = { id: string; key: string };

describe('view counts', () => {
  const app = useApp();
  let admin: Who; let it: Who; let hr: Who; let emmy: Who; let erik: Who;
  let IT: string; let HR: string;

  const file = async (who: Who, title: string, team: string | null = null) => {
    const r = await app().call('POST', '/requests', { key: who.key, body: { title, team_id: team } });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const counts = async (who: Who) => {
    const r = await app().call('GET', '/requests/counts', { key: who.key });
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  /** The same numbers, read through GET /requests: what each view lists. */
  const listed = async (who: Who, query: string) => (await app().call('GET', `/requests?limit=100&${query}`, { key: who.key })).body.items.length;

  before(async () => {
    admin = await app().user('ADMIN', 'Ada');
    it = await app().user('AGENT', 'Ivan IT');
    hr = await app().user('AGENT', 'Hana HR');
    emmy = await app().user('EMPLOYEE', 'Emmy');
    erik = await app().user('EMPLOYEE', 'Erik');
    IT = (await app().call('POST', '/teams', { key: admin.key, body: { name: 'IT' } })).body.id;
    HR = (await app().call('POST', '/teams', { key: admin.key, body: { name: 'HR' } })).body.id;
    await app().call('PUT', `/teams/${IT}/members/${it.id}`, { key: admin.key });
    await app().call('PUT', `/teams/${HR}/members/${hr.id}`, { key: admin.key });

    await file(emmy, 'Pool, waiting');
    const taken = await file(emmy, 'Pool, taken by IT');
    await app().call('PATCH', `/requests/${taken.id}/status`, { key: it.key, body: { status: 'IN_PROGRESS' } });
    await file(emmy, 'IT, waiting', IT);
    const done = await file(erik, 'IT, done', IT);
    await app().call('PATCH', `/requests/${done.id}/status`, { key: it.key, body: { status: 'IN_PROGRESS' } });
    await app().call('PATCH', `/requests/${done.id}/status`, { key: it.key, body: { status: 'DONE' } });
    await file(erik, 'HR, waiting', HR);
    const hrTaken = await file(erik, 'HR, taken', HR);
    await app().call('PATCH', `/requests/${hrTaken.id}/status`, { key: hr.key, body: { status: 'IN_PROGRESS' } });
    await app().call('PATCH', `/requests/${(await file(emmy, 'Canceled'))!.id}/status`, { key: emmy.key, body: { status: 'CANCELED' } });
  });

  test('an ADMIN counts every open request: the queue, their own work and all open, per team', async () => {
    const c = await counts(admin);
    assert.deepEqual({ queue: c.queue, my_work: c.my_work, open: c.open }, { queue: 3, my_work: 0, open: 5 });
    assert.deepEqual(c.teams.map((t: any) => [t.team?.name ?? null, t.queue, t.my_work, t.open]), [[null, 1, 0, 2], ['HR', 1, 0, 2], ['IT', 1, 0, 1]]);
  });

  test('an AGENT counts what they may see (the pool and their team) and their own work, like their lists', async () => {
    const c = await counts(it);
    assert.deepEqual({ queue: c.queue, my_work: c.my_work, open: c.open }, { queue: 2, my_work: 1, open: 3 });
    assert.deepEqual(c.teams.map((t: any) => t.team?.name ?? null), [null, 'IT'], 'nothing of HR, not even its name');
    assert.equal(c.queue, await listed(it, 'status=NEW&assignee_id=none'));
    assert.equal(c.my_work, await listed(it, 'status=NEW,IN_PROGRESS&assignee_id=me'));
    assert.equal(c.open, await listed(it, 'status=NEW,IN_PROGRESS'));
    const hrCounts = await counts(hr);
    assert.deepEqual([hrCounts.queue, hrCounts.my_work, hrCounts.open], [2, 1, 4]);
  });

  test('an EMPLOYEE counts only their own open requests', async () => {
    const c = await counts(emmy);
    assert.deepEqual([c.queue, c.my_work, c.open], [2, 0, 3]);
    assert.equal(c.open, await listed(emmy, 'status=NEW,IN_PROGRESS'));
    const e = await counts(erik);
    assert.deepEqual([e.queue, e.my_work, e.open], [1, 0, 2]);
  });

  test('the counts take no query parameters and need a key', async () => {
    problem(await app().call('GET', '/requests/counts?status=NEW', { key: admin.key }), 400, 'invalid_query');
    problem(await app().call('GET', '/requests/counts'), 401, 'missing_api_key');
  });
});
