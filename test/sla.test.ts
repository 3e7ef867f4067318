// SLA clocks on requests (API.md, "SLA"): the policy snapshot, due times as src/sla/calendar.ts
// computes them, first response and resolution, CANCELED stopping the clocks, a priority
// change re-computing from creation, and the lists: ?sla=breached|warning, ?sort=due and the
// other orders, keyset-paginated and indexed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../src/clock.ts';
import { addBusinessMinutes, warningAt } from '../src/sla/calendar.ts';
import { problem, startApp, type TestApp } from './helpers.ts';
import { backdate } from './sla-time.ts';

const ALWAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));
const MINUTE = 60_000;

describe('SLA clocks on requests', () => {
  const clock = manualClock();
  let app: TestApp;
  let admin: { id: string; key: string };
  let agent: { id: string; key: string };
  let agent2: { id: string; key: string };
  let emp: { id: string; key: string };

  before(async () => {
    app = await startApp({}, undefined, { clock });
    admin = await app.user('ADMIN');
    agent = await app.user('AGENT');
    agent2 = await app.user('AGENT');
    emp = await app.user('EMPLOYEE');
  });
  after(async () => { await app?.close(); });

  const policy = async (body: Record<string, unknown>) => {
    const r = await app.call('PUT', '/sla-policy', { key: admin.key, body: { timezone: 'UTC', business_hours: ALWAYS, ...body } });
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  const file = async (body: Record<string, unknown>, key = emp.key) => {
    const r = await app.call('POST', '/requests', { key, body: { title: 'SLA test', ...body } });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const get = async (ref: string, key = admin.key) => (await app.call('GET', `/requests/${ref}`, { key })).body;
  const ms = (iso: string) => Date.parse(iso);

  test('a request takes the policy in force: due and warning times are creation plus the targets in business minutes, as calendar.ts computes them', async () => {
    const p = await policy({
      timezone: 'Europe/Berlin',
      business_hours: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] },
      holidays: ['2026-12-25'],
      targets: { URGENT: { first_response_minutes: 30, resolution_minutes: 2700 } },
      warning_percent: 75,
    });
    const r = await file({ priority: 'URGENT' });
    const start = ms(r.created_at);
    assert.deepEqual(r.sla, {
      first_response: { due_at: new Date(addBusinessMinutes(start, 30, p)).toISOString(), warning_at: new Date(warningAt(start, 30, 75, p)).toISOString(), met_at: null, breached: false },
      resolution: { due_at: new Date(addBusinessMinutes(start, 2700, p)).toISOString(), warning_at: new Date(warningAt(start, 2700, 75, p)).toISOString(), met_at: null, breached: false },
    });
    assert.deepEqual(await get(r.id), { ...r, allowed_transitions: (await get(r.id)).allowed_transitions }, 'the same when fetched');
    const [event] = await app.db`select data from events where type = 'request.created' and request_id = ${r.id}`;
    assert.deepEqual(event.data.request.sla, r.sla, 'the request.created event carries the clocks');
    assert.equal((await file({ priority: 'HIGH' })).sla, null, 'a priority without a target has no SLA');
  });

  test('the snapshot stays: a new policy applies to requests filed after it, and a priority change re-computes from creation under the snapshot', async () => {
    await policy({ targets: { URGENT: { first_response_minutes: 10, resolution_minutes: 60 }, HIGH: { first_response_minutes: 30, resolution_minutes: 240 } } });
    const old = await file({ priority: 'URGENT' });
    await policy({ targets: { URGENT: { first_response_minutes: 500, resolution_minutes: 1000 }, HIGH: { first_response_minutes: 700, resolution_minutes: 1400 } } });
    const fresh = await file({ priority: 'URGENT' });
    const offset = (r: any, metric: string) => (ms(r.sla[metric].due_at) - ms(r.created_at)) / MINUTE;
    assert.equal(offset(await get(old.id), 'first_response'), 10, 'the old request keeps its policy');
    assert.equal(offset(fresh, 'first_response'), 500);
    const moved = await app.call('PATCH', `/requests/${old.id}`, { key: admin.key, body: { priority: 'HIGH' } });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(offset(moved.body, 'first_response'), 30, 'HIGH of the snapshot, from creation');
    assert.equal(offset(moved.body, 'resolution'), 240);
    assert.equal((ms(moved.body.sla.resolution.warning_at) - ms(old.created_at)) / MINUTE, 192, '80 % of 240');
    const [event] = await app.db`select data from events where type = 'request.updated' and request_id = ${old.id}`;
    assert.deepEqual(event.data.request.sla, moved.body.sla, 'the event carries the moved due times');
    const low = await app.call('PATCH', `/requests/${old.id}`, { key: admin.key, body: { priority: 'LOW' } });
    assert.equal(low.body.sla, null, 'a priority without a target in the snapshot: no SLA');
    const back = await app.call('PATCH', `/requests/${old.id}`, { key: admin.key, body: { priority: 'URGENT' } });
    assert.equal(offset(back.body, 'first_response'), 10, 'and back again, still from creation');
  });

  test('first response: the creator\'s own comment and an internal note do not count; an agent\'s public comment does, once', async () => {
    await policy({ targets: { NORMAL: { first_response_minutes: 60, resolution_minutes: 600 } } });
    const r = await file({});
    const comment = (key: string, body: Record<string, unknown>) => app.call('POST', `/requests/${r.id}/comments`, { key, body });
    await comment(emp.key, { body: 'Any news?' });
    await comment(agent.key, { body: 'Looking into it', internal: true });
    assert.equal((await get(r.id)).sla.first_response.met_at, null);
    const answer = await comment(agent.key, { body: 'We are on it.' });
    assert.equal(answer.status, 201);
    const met = (await get(r.id)).sla.first_response;
    assert.equal(met.met_at, answer.body.created_at, 'met when the agent answered');
    assert.equal(met.breached, false);
    await comment(agent2.key, { body: 'Me too.' });
    assert.equal((await get(r.id)).sla.first_response.met_at, met.met_at, 'the first response is the first');
    const [event] = await app.db`select data from events where type = 'comment.created' and data->'comment'->>'id' = ${answer.body.id}`;
    assert.equal(event.data.request.sla.first_response.met_at, met.met_at, 'the comment\'s event shows the response it made');
    assert.equal((await get(r.id)).sla.resolution.met_at, null);
  });

  test('first response: a status change by someone other than the creator counts; the creator\'s own does not', async () => {
    await policy({ targets: { NORMAL: { first_response_minutes: 60, resolution_minutes: 600 } } });
    const taken = await file({});
    const moved = await app.call('PATCH', `/requests/${taken.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS' } });
    assert.equal(moved.body.sla.first_response.met_at, moved.body.updated_at);
    const own = await file({}, agent.key);
    const self = await app.call('PATCH', `/requests/${own.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS', comment: 'Mine.' } });
    assert.equal(self.body.sla.first_response.met_at, null, 'an agent working their own request has not responded to anyone');
    const edit = await app.call('PATCH', `/requests/${own.id}/assignee`, { key: admin.key, body: { assignee_id: agent2.id } });
    assert.equal(edit.body.sla.first_response.met_at, null, 'assigning is no response');
  });

  test('DONE meets the resolution clock at resolved_at and leaves no timer pending', async () => {
    await policy({ targets: { NORMAL: { first_response_minutes: 60, resolution_minutes: 600 } } });
    const r = await file({});
    await app.call('PATCH', `/requests/${r.id}/status`, { key: agent.key, body: { status: 'IN_PROGRESS' } });
    const done = await app.call('PATCH', `/requests/${r.id}/status`, { key: agent.key, body: { status: 'DONE' } });
    assert.equal(done.body.sla.resolution.met_at, done.body.resolved_at);
    assert.equal(done.body.sla.resolution.breached, false);
    const [{ n }] = await app.db`select count(*)::int as n from sla_timers where request_id = ${r.id} and fired_at is null`;
    assert.equal(n, 0, 'no timer is left for a resolved request');
  });

  test('CANCELED stops both clocks: met_at stays null, and nothing is breached or pending however late it gets', async () => {
    await policy({ targets: { NORMAL: { first_response_minutes: 10, resolution_minutes: 60 } } });
    const r = await file({});
    const canceled = await app.call('PATCH', `/requests/${r.id}/status`, { key: emp.key, body: { status: 'CANCELED' } });
    assert.equal(canceled.status, 200);
    await backdate(app.db, r.id, 600);
    const now = await get(r.id);
    for (const metric of ['first_response', 'resolution']) {
      assert.equal(now.sla[metric].met_at, null, metric);
      assert.equal(now.sla[metric].breached, false, `${metric}: stopped long before its due time`);
    }
    const [{ n }] = await app.db`select count(*)::int as n from sla_timers where request_id = ${r.id} and fired_at is null`;
    assert.equal(n, 0);
    const byAgent = await file({});
    const stopped = await app.call('PATCH', `/requests/${byAgent.id}/status`, { key: agent.key, body: { status: 'CANCELED', comment: 'Duplicate of another request.' } });
    assert.equal(stopped.status, 200, stopped.text);
    assert.equal(stopped.body.sla.first_response.met_at, null, 'an agent\'s cancel is no response: it stops the clock');
    assert.equal(stopped.body.sla.resolution.met_at, null);
  });

  test('breached is true from due_at while the clock runs, and stays for a clock met or stopped after it', async () => {
    await policy({ targets: { NORMAL: { first_response_minutes: 10, resolution_minutes: 60 } } });
    const running = await file({});
    await backdate(app.db, running.id, 11);
    const late = (await get(running.id)).sla;
    assert.equal(late.first_response.breached, true);
    assert.equal(late.resolution.breached, false);
    await app.call('POST', `/requests/${running.id}/comments`, { key: agent.key, body: { body: 'Sorry for the wait.' } });
    const answered = (await get(running.id)).sla.first_response;
    assert.notEqual(answered.met_at, null);
    assert.equal(answered.breached, true, 'met, but late');
    const canceledLate = await file({});
    await backdate(app.db, canceledLate.id, 61);
    const c = await app.call('PATCH', `/requests/${canceledLate.id}/status`, { key: emp.key, body: { status: 'CANCELED' } });
    assert.equal(c.body.sla.resolution.breached, true, 'canceled after its due time: it was breached');
    assert.equal(c.body.sla.resolution.met_at, null);
  });

  describe('lists', () => {
    const ids: Record<string, string> = {};
    let team: string;
    const titles = async (qs: string, key = admin.key) => {
      const r = await app.call('GET', `/requests${qs}`, { key });
      assert.equal(r.status, 200, r.text);
      return r.body.items.map((x: any) => x.title);
    };

    before(async () => {
      await policy({ targets: {
        URGENT: { first_response_minutes: 10, resolution_minutes: 60 }, HIGH: { first_response_minutes: 30, resolution_minutes: 240 },
        NORMAL: { first_response_minutes: 120, resolution_minutes: 960 },
      }, warning_percent: 50 });
      team = (await app.call('POST', '/teams', { key: admin.key, body: { name: `HR ${crypto.randomUUID()}` } })).body.id;
      const make = async (title: string, body: Record<string, unknown>, key = emp.key) => { ids[title] = (await file({ title, ...body }, key)).id; };
      await make('sort urgent', { priority: 'URGENT' });   // due in 10 and 60
      await make('sort high', { priority: 'HIGH' });       // due in 30 and 240
      await make('sort normal', { priority: 'NORMAL' });   // due in 120 and 960
      await make('sort low', { priority: 'LOW' });         // no SLA
      await make('sort hr', { priority: 'HIGH', team_id: team });
      await make('sort done', { priority: 'URGENT' });
      await app.call('PATCH', `/requests/${ids['sort done']}/status`, { key: admin.key, body: { status: 'IN_PROGRESS', assignee_id: admin.id } });
      await app.call('PATCH', `/requests/${ids['sort done']}/status`, { key: admin.key, body: { status: 'DONE' } });
      await make('sort mine', { priority: 'NORMAL' }, agent.key);
      // An older HIGH request whose first response is met: only its resolution runs.
      await make('sort answered', { priority: 'HIGH' });
      await app.call('POST', `/requests/${ids['sort answered']}/comments`, { key: agent.key, body: { body: 'On it' } });
      await backdate(app.db, ids['sort answered'], 130);
    });

    const only = (xs: string[]) => xs.filter((t) => t.startsWith('sort '));

    test('?sort=due lists the earliest running due time first, then what has no running clock, oldest first', async () => {
      // 'sort answered': its first response is met; its resolution is due 240 - 130 minutes from now.
      assert.deepEqual(only(await titles('?sort=due&limit=100')), [
        'sort urgent', 'sort high', 'sort hr', 'sort answered', 'sort normal', 'sort mine', 'sort low', 'sort done',
      ]);
    });

    test('every order pages with its keyset: no row twice, none missing, also across equal due times', async () => {
      for (const sort of ['due', '-priority', 'created', '-created']) {
        const all = (await app.call('GET', `/requests?sort=${sort}&limit=100`, { key: admin.key })).body.items.map((x: any) => x.id);
        const paged: string[] = [];
        let cursor: string | null = null;
        do {
          const r = await app.call('GET', `/requests?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: admin.key });
          assert.equal(r.status, 200, r.text);
          paged.push(...r.body.items.map((x: any) => x.id));
          cursor = r.body.next_cursor;
        } while (cursor);
        assert.deepEqual(paged, all, sort);
      }
    });

    test('?sort=-priority is URGENT first, newest first within a priority; ?sort=created oldest first', async () => {
      assert.deepEqual(only(await titles('?sort=-priority&limit=100')).slice(0, 5), ['sort done', 'sort urgent', 'sort answered', 'sort hr', 'sort high']);
      const created = only(await titles('?sort=created&limit=100'));
      assert.deepEqual(created.slice(0, 2), ['sort urgent', 'sort high']);
      assert.deepEqual(only(await titles('?limit=100')), [...created].reverse());
    });

    test('?sla=warning and ?sla=breached list the open requests with a running clock in that state, on the service\'s clock', async () => {
      assert.deepEqual(only(await titles('?sla=warning')), ['sort answered'], 'its resolution is 130 of 240 minutes in: past 50 %');
      assert.deepEqual(only(await titles('?sla=breached')), []);
      clock.advance(6 * MINUTE); // urgent's first response is past 5 of 10 minutes
      assert.deepEqual(only(await titles('?sla=warning&sort=due')), ['sort urgent', 'sort answered']);
      clock.advance(5 * MINUTE); // and past its due time; high is not yet at 15 of 30
      assert.deepEqual(only(await titles('?sla=breached')), ['sort urgent']);
      assert.deepEqual(only(await titles('?sla=warning')), ['sort answered']);
      clock.advance(20 * MINUTE); // 31 minutes: high and hr are breached, urgent's resolution in warning
      assert.deepEqual(only(await titles('?sla=breached&sort=due')), ['sort urgent', 'sort high', 'sort hr']);
      assert.deepEqual(only(await titles('?sla=warning&sort=due')), ['sort urgent', 'sort answered'], 'urgent: its resolution is past 30 of 60 minutes');
      assert.deepEqual(only(await titles('?sla=breached&priority=HIGH')), ['sort hr', 'sort high']);
    });

    test('the SLA lists see what the other lists see: an employee their own, an agent not another team\'s', async () => {
      const emp2 = await app.user('EMPLOYEE');
      assert.deepEqual(await titles('?sla=breached', emp2.key), []);
      assert.deepEqual(only(await titles('?sla=breached&sort=due', agent.key)), ['sort urgent', 'sort high']);
      assert.deepEqual(only(await titles('?sort=due&limit=100', agent.key)).includes('sort hr'), false);
      assert.deepEqual(only(await titles('?sla=breached&created_by=me', emp.key)), ['sort hr', 'sort high', 'sort urgent']);
      clock.advance(-31 * MINUTE);
    });

    test('bad values and a cursor of another order are refused (400)', async () => {
      problem(await app.call('GET', '/requests?sla=late', { key: admin.key }), 400, 'invalid_query');
      problem(await app.call('GET', '/requests?sort=title', { key: admin.key }), 400, 'invalid_query');
      const page = await app.call('GET', '/requests?sort=created&limit=1', { key: admin.key });
      problem(await app.call('GET', `/requests?sort=due&cursor=${page.body.next_cursor}`, { key: admin.key }), 400, 'invalid_query');
      const due = await app.call('GET', '/requests?sort=due&limit=1', { key: admin.key });
      problem(await app.call('GET', `/requests?sort=-priority&cursor=${due.body.next_cursor}`, { key: admin.key }), 400, 'invalid_query');
      problem(await app.call('GET', `/requests?sort=due&cursor=${Buffer.from('s:d:2026-01-01,1').toString('base64url')}`, { key: admin.key }), 400, 'invalid_query');
    });

    test('?sort=due and ?sla=breached walk requests_sla_next_due_number from the cursor, never a sort of the table', async () => {
      // Most requests closed, a tenth open with running clocks: written set-based, without
      // the triggers (a long write would hold back every other test file's event cursor).
      await app.db.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await tx`insert into requests (title, created_by, priority, status, resolved_at, sla_next_due_at)
          select 'plan ' || i, ${emp.id}::uuid, 'URGENT', case when i % 10 = 0 then 'NEW' else 'CANCELED' end,
                 case when i % 10 = 0 then null else now() end,
                 case when i % 10 = 0 then now() + i * interval '1 minute' else 'infinity' end
          from generate_series(1, 5000) as i`;
      });
      await app.db`analyze requests`;
      const text = fs.readFileSync('sql/queries/requests/list_requests_sorted.sql', 'utf8');
      const reserved = await app.db.reserve();
      try {
        await reserved.unsafe(`prepare sorted(text[], text, boolean, uuid, uuid, text, timestamptz, timestamptz, bigint, int, uuid[], boolean, boolean, uuid[], uuid, text, text, timestamptz, int, timestamptz) as ${text}`);
        await reserved.unsafe('set plan_cache_mode = force_custom_plan');
        const explain = async (args: string) => (await reserved.unsafe(`explain execute sorted(${args})`)).map((r: any) => r['QUERY PLAN']).join('\n');
        const nobody = '00000000-0000-0000-0000-000000000000';
        const common = `null, null, false, null, null, null, null, null`;
        const due = await explain(`${common}, 2500, 51, null, false, true, '{}', '${nobody}', 'due', null, now(), null, now() + interval '1 hour'`);
        assert.match(due, /Index Scan using requests_sla_next_due_number/);
        assert.doesNotMatch(due, /Sort|Seq Scan on requests/);
        const breached = await explain(`${common}, null, 51, null, false, true, '{}', '${nobody}', 'due', 'breached', now(), null, null`);
        assert.match(breached, /requests_sla_next_due_number/);
        assert.doesNotMatch(breached, /Sort/);
        const priority = await explain(`${common}, 2500, 51, null, false, true, '{}', '${nobody}', '-priority', null, now(), 3, null`);
        assert.match(priority, /Index Scan using requests_priority_rank_number/);
        assert.doesNotMatch(priority, /Sort|Seq Scan on requests/);
      } finally {
        await reserved.unsafe('deallocate all; reset plan_cache_mode').catch(() => {});
        reserved.release();
      }
    });
  });
});
