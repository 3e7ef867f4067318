// The report's tallies (migration 0022): counts the database keeps as requests change,
// summed with the requests of the 15-minute buckets a bound or a day's start falls inside.
// Checked against hand-built data whose times sit on and beside the buckets' edges, in a
// zone whose midnight is not on a quarter hour, before and after a fold; and through the
// API under concurrent writes and folds, against what the 2xx answers and the requests say.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import postgres from 'postgres';
import { foldTallies, reportSummary } from '../src/db/reports.ts';
import { ALL_DAY, asAppRole, databaseBefore, fixture, useApp } from './helpers.ts';

const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];

describe('GET /reports/summary: bounds inside a tally bucket', () => {
  const app = useApp();
  let admin: { id: string; key: string };

  before(async () => {
    admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    await fixture(app().db, async (tx) => {
      // On 10 November 2026 (UTC): the buckets start at 10:00, 10:15, 10:30, 10:45 and 11:00.
      // B's first response was in time, E's late.
      for (const [title, priority, at, due, responded] of [
        ['A', 'LOW', '10:00:00', null, null], ['B', 'NORMAL', '10:07:00', '10:30:00', '10:20:00'],
        ['C', 'HIGH', '10:14:59.999', null, null], ['D', 'URGENT', '10:15:00', null, null],
        ['E', 'LOW', '10:52:30', '11:00:00', '11:05:00'], ['F', 'NORMAL', '11:00:00', null, null],
      ]) {
        const t = (hms: string | null) => hms && `2026-11-10T${hms}Z`;
        await tx`insert into requests (title, priority, created_by, created_at, updated_at, sla_first_response_due_at, first_response_at)
          values (${title!}, ${priority!}, ${emp.id}, ${t(at)}, ${t(at)}, ${t(due)}, ${t(responded)})`;
      }
    });
  });

  const summary = async (from: string, to: string) => {
    const r = await app().call('GET', `/reports/summary?from=2026-11-10T${from}Z&to=2026-11-10T${to}Z`, { key: admin.key });
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  /** The titles created in the range, read back from by_priority (each letter has its own mix). */
  const cases: [string, string, number, Record<string, number>, number | null][] = [
    ['10:07:00', '10:52:30', 3, { LOW: 0, NORMAL: 1, HIGH: 1, URGENT: 1 }, 100], // B, C, D
    ['10:07:00.001', '10:52:30.001', 3, { LOW: 1, NORMAL: 0, HIGH: 1, URGENT: 1 }, 0], // C, D, E
    ['10:00:00', '11:00:00', 5, { LOW: 2, NORMAL: 1, HIGH: 1, URGENT: 1 }, 50], // A to E
    ['10:14:59.999', '10:15:00', 1, { LOW: 0, NORMAL: 0, HIGH: 1, URGENT: 0 }, null], // C: both bounds in one bucket
    ['10:15:00', '10:15:00.001', 1, { LOW: 0, NORMAL: 0, HIGH: 0, URGENT: 1 }, null], // D
    ['10:15:00.001', '10:52:29.999', 0, { LOW: 0, NORMAL: 0, HIGH: 0, URGENT: 0 }, null],
  ];

  test('every request created in [from, to) is counted once, whichever side of a bucket edge it and the bounds fall, before and after a fold', async () => {
    const check = async (when: string) => {
      for (const [from, to, created, byPriority, met] of cases) {
        const s = await summary(from, to);
        assert.equal(s.created, created, `${when}: created in [${from}, ${to})`);
        assert.deepEqual(s.by_priority, byPriority, `${when}: by_priority in [${from}, ${to})`);
        assert.equal(s.first_response.sla_met_percent, met, `${when}: first responses in time in [${from}, ${to})`);
        assert.deepEqual(s.by_day, [{ date: '2026-11-10', created, resolved: 0 }], `${when}: by_day in [${from}, ${to})`);
      }
    };
    await check('deltas not folded');
    await app().worker.runNow('tallies');
    const [{ left }] = await app().db`select count(*)::int as left from request_tally_deltas`;
    assert.equal(left, 0, 'the fold took every delta');
    await check('folded');
  });
});

describe('GET /reports/summary: days whose midnight is not on a quarter hour (Monrovia, UTC-00:44:30 until 1972)', () => {
  const app = useApp();
  let admin: { id: string; key: string };

  before(async () => {
    admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    assert.equal((await app().call('PUT', '/sla-policy', { key: admin.key, body: { timezone: 'Africa/Monrovia', business_hours: ALL_DAY } })).status, 200);
    await fixture(app().db, async (tx) => {
      // Local 9 March 1971 is [1971-03-09T00:44:30Z, 1971-03-10T00:44:30Z).
      for (const at of ['1971-03-09T00:44:00Z', '1971-03-10T00:40:00Z', '1971-03-10T00:44:29Z', '1971-03-10T00:44:30Z',
        '1971-03-10T00:50:00Z', '1971-03-11T00:44:00Z', '1971-03-11T00:44:30Z']) {
        await tx`insert into requests (title, created_by, created_at, updated_at) values (${at}, ${emp.id}, ${at}, ${at})`;
      }
    });
    await app().worker.runNow('tallies');
  });

  test('each request is counted on its local day, though the day starts inside a bucket', async () => {
    const r = await app().call('GET', '/reports/summary?from=1971-03-09&to=1971-03-11', { key: admin.key });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.body.from, r.body.to], ['1971-03-09T00:44:30.000Z', '1971-03-11T00:44:30.000Z']);
    assert.equal(r.body.created, 5);
    assert.deepEqual(r.body.by_day, [{ date: '1971-03-09', created: 2, resolved: 0 }, { date: '1971-03-10', created: 3, resolved: 0 }]);
  });
});

describe('GET /reports/summary: tallies under concurrent writes and folds', () => {
  const app = useApp();

  test('after creates, moves, re-prioritisations and team changes at once, with folds running on three connections, every figure is what the requests say', async () => {
    const admin = await app().user('ADMIN');
    const agents = [await app().user('AGENT', 'Ada Agent'), await app().user('AGENT', 'Bo Agent')];
    const emps = [await app().user('EMPLOYEE'), await app().user('EMPLOYEE'), await app().user('EMPLOYEE')];
    const teams: string[] = [];
    for (const [i, name] of ['Desk', 'Field'].entries()) {
      const t = (await app().call('POST', '/teams', { key: admin.key, body: { name } })).body;
      assert.equal((await app().call('PUT', `/teams/${t.id}/members/${agents[i].id}`, { key: admin.key })).status, 204);
      teams.push(t.id);
    }
    // Clocks on the HIGH and URGENT requests, so the tallies' SLA outcomes move too.
    assert.equal((await app().call('PUT', '/sla-policy', { key: admin.key, body: { timezone: 'UTC', business_hours: ALL_DAY,
      targets: { HIGH: { first_response_minutes: 30, resolution_minutes: 240 }, URGENT: { first_response_minutes: 10, resolution_minutes: 60 } } } })).status, 200);
    let writing = true;
    let folds = 0;
    const folders = Array.from({ length: 3 }, async () => {
      while (writing) { await foldTallies(app().db); folds++; }
    });
    const reads: number[] = [];
    const reader = (async () => {
      while (writing) reads.push((await app().call('GET', '/reports/summary', { key: admin.key })).status);
    })();

    const N = 90;
    const created = await Promise.all(Array.from({ length: N }, (_, i) => app().call('POST', '/requests', {
      key: emps[i % 3].key, body: { title: `tally ${i}`, priority: PRIORITIES[i % 4], ...(i % 3 < 2 ? { team_id: teams[i % 3] } : {}) },
    })));
    assert.ok(created.every((r) => r.status === 201), 'every create acknowledged');
    const ids = created.map((r) => r.body.id as string);
    const agentFor = (i: number) => agents[i % 3 < 2 ? i % 3 : 0];
    const ok = (r: { status: number; text: string }) => assert.ok(r.status === 200, r.text);
    await Promise.all(ids.map(async (id, i) => {
      const status = (s: string, key: string) => app().call('PATCH', `/requests/${id}/status`, { key, body: { status: s } });
      switch (i % 5) {
        case 0: ok(await status('CANCELED', admin.key)); break;
        case 1: ok(await status('IN_PROGRESS', agentFor(i).key)); break;
        case 2: ok(await status('IN_PROGRESS', agentFor(i).key)); ok(await status('DONE', agentFor(i).key)); break;
        case 3: // a first response by comment alone, and a re-prioritisation that sets the clocks anew
          assert.equal((await app().call('POST', `/requests/${id}/comments`, { key: admin.key, body: { body: 'on it' } })).status, 201);
          ok(await app().call('PATCH', `/requests/${id}`, { key: admin.key, body: { priority: 'URGENT' } }));
          break;
        case 4: ok(await app().call('PATCH', `/requests/${id}/team`, { key: admin.key, body: { team_id: teams[(i + 1) % 2] } })); break;
      }
    }));
    writing = false;
    await Promise.all([...folders, reader]);
    assert.ok(folds > 0 && reads.length > 0 && reads.every((s) => s === 200), `folds ${folds}, summaries ${reads.join(',')}`);

    // What the requests say, each read back through the API.
    const now = await Promise.all(ids.map(async (id) => (await app().call('GET', `/requests/${id}`, { key: admin.key })).body));
    const count = (f: (r: any) => boolean) => now.filter(f).length;
    const open = (r: any) => r.status === 'NEW' || r.status === 'IN_PROGRESS';
    const expected = {
      created: N, resolved: count((r) => r.status === 'DONE'), canceled: count((r) => r.status === 'CANCELED'),
      open: { NEW: count((r) => r.status === 'NEW'), IN_PROGRESS: count((r) => r.status === 'IN_PROGRESS') },
      by_priority: Object.fromEntries(PRIORITIES.map((p) => [p, count((r) => r.priority === p)])),
      by_team: [null, ...teams].map((t) => [t, count((r) => (r.team?.id ?? null) === t),
        count((r) => (r.team?.id ?? null) === t && r.status === 'DONE'), count((r) => (r.team?.id ?? null) === t && open(r))]),
      agents: agents.map((a) => [a.id, count((r) => r.assignee?.id === a.id && open(r)), count((r) => r.assignee?.id === a.id && r.status === 'DONE')]),
    };
    assert.equal(expected.resolved, N / 5);
    const check = async (when: string) => {
      const s = (await app().call('GET', '/reports/summary', { key: admin.key })).body;
      assert.deepEqual({
        created: s.created, resolved: s.resolved, canceled: s.canceled, open: s.open, by_priority: s.by_priority,
        by_team: [...s.by_team].sort((a: any, b: any) => (a.id === null ? -1 : b.id === null ? 1 : teams.indexOf(a.id) - teams.indexOf(b.id)))
          .map((t: any) => [t.id, t.created, t.resolved, t.open]),
        agents: [...s.agents].sort((a: any, b: any) => a.full_name.localeCompare(b.full_name)).map((a: any) => [a.id, a.open, a.resolved]),
      }, expected, when);
    };
    /** The tallies and deltas against the requests' own key, counted afresh. */
    const same = async (when: string) => {
      const [diff] = await app().db`
        with keyed as (
          select team_id, assignee_id, status, priority, request_tally_bucket(created_at) as bucket,
                 request_first_response_outcome(sla_first_response_due_at, first_response_at, resolved_at) as fr,
                 request_resolution_outcome(sla_resolution_due_at, status, resolved_at) as res
          from requests
        ), truth as (
          select 'state' as kind, null::timestamptz as bucket, team_id, assignee_id, status, null::text as priority, null::text as fr, null::text as res, count(*) as n
          from keyed group by team_id, assignee_id, status
          union all
          select 'created', bucket, team_id, assignee_id, null, priority, fr, res, count(*) from keyed group by bucket, team_id, assignee_id, priority, fr, res
        ), kept as (
          select kind, bucket, team_id, assignee_id, status, priority, fr, res, sum(n)::bigint as n from request_tally_totals
          group by kind, bucket, team_id, assignee_id, status, priority, fr, res having sum(n) <> 0
        )
        select (select count(*)::int from (select * from kept except all select * from truth) x) as extra,
               (select count(*)::int from (select * from truth except all select * from kept) y) as missing,
               (select array_agg(distinct fr order by fr) from truth where kind = 'created' and fr is not null) as outcomes`;
      assert.deepEqual({ extra: diff.extra, missing: diff.missing }, { extra: 0, missing: 0 }, `${when}: tallies as the requests are`);
      assert.deepEqual(diff.outcomes, ['met', 'running', 'stopped'], 'clocks met by a move or a comment, still running, and stopped by a cancel');
    };
    await check('with the last deltas unfolded');
    await same('with the last deltas unfolded');
    await foldTallies(app().db);
    const [{ left }] = await app().db`select count(*)::int as left from request_tally_deltas`;
    assert.equal(left, 0);
    await check('all folded');
    await same('all folded');
  });
});

test('the tallies migration counts the requests already there: a report the moment it has run has every figure', async () => {
  const { db, user, finish } = await databaseBefore('report_tallies');
  try {
    await db`insert into requests (title, created_by, priority, created_at) select 'old ' || i, ${user.id}, 'HIGH', now() - make_interval(hours => i)
      from generate_series(1, 40) i`;
    await db`update requests set assignee_id = ${user.id}, status = 'IN_PROGRESS' where title in ('old 1', 'old 2', 'old 3')`;
    await db`update requests set status = 'DONE' where title = 'old 1'`;

    await finish();
    const now = new Date();
    const s: any = await reportSummary(db, {
      from: new Date(now.getTime() - 30 * 86_400_000), to: now, team: null, noTeam: false,
      visible: { all: true, teams: [], actor: user.id }, tz: 'UTC', now,
    });
    assert.deepEqual([s.created, s.resolved, s.open.NEW, s.open.IN_PROGRESS, s.by_priority.HIGH], [40, 1, 37, 2, 40]);
    assert.deepEqual(s.agents.map((a: any) => [a.full_name, a.open, a.resolved]), [['Old Timer', 2, 1]]);
    assert.equal(s.by_day.reduce((n: number, d: any) => n + d.created, 0), 40);
  } finally {
    await db.end();
  }
});

describe('report tallies: kept whoever writes, folded in batches, rebuilt on request', () => {
  const app = useApp();

  test('the tally triggers run for every session, replicas and fixtures too (ENABLE ALWAYS)', async () => {
    const rows = await app().db`select tgname, tgenabled from pg_trigger where tgrelid = 'requests'::regclass and tgname like '_300_tallies%' order by tgname`;
    assert.deepEqual(rows.map((r) => [r.tgname, r.tgenabled]), [['_300_tallies', 'A'], ['_300_tallies_truncate', 'A'], ['_300_tallies_update', 'A']]);
  });

  test('a backlog is folded a batch at a time, each batch whole, and the report stays exact throughout', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    await app().worker.runNow('tallies');
    const created = async () => (await app().call('GET', '/reports/summary', { key: admin.key })).body.created as number;
    const before = await created();
    await app().db`insert into requests (title, created_by, priority) select 'backlog ' || i, ${emp.id}::uuid, 'HIGH' from generate_series(1, 40) i`;
    const batches: (number | null)[] = [];
    for (;;) {
      const moved = await foldTallies(app().db, 7);
      batches.push(moved);
      assert.equal(await created(), before + 40, `after batches ${batches.join(', ')}`);
      if (moved === null || moved < 7) break;
    }
    assert.deepEqual(batches, [7, 7, 7, 7, 7, 5]);
  });

  test('make rebuild-tallies counts them afresh after a write that went around the trigger; the server\'s login may not', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    await app().call('POST', '/requests', { key: emp.key, body: { title: 'counted' } });
    const summary = async () => (await app().call('GET', '/reports/summary', { key: admin.key })).body;
    const right = await summary();
    // A data-only restore that fired the trigger, say: the tallies count some requests twice.
    await app().db`insert into request_tallies (kind, bucket, team_id, assignee_id, status, priority, fr, res, n)
      select kind, bucket, team_id, assignee_id, status, priority, fr, res, n from request_tallies
      on conflict on constraint request_tallies_key do update set n = request_tallies.n * 2`;
    assert.notDeepEqual((await summary()).created, right.created);
    const env = { DATABASE_URL: asAppRole(app().dbUrl), MIGRATION_DATABASE_URL: app().dbUrl };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'rebuild-tallies'], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /report tallies counted afresh from the requests: \d+ rows/);
    const after = await summary();
    assert.deepEqual({ ...after, from: right.from, to: right.to }, right, 'every figure as before the damage');
    const asServer = postgres(asAppRole(app().dbUrl), { max: 1, onnotice: () => {} });
    try {
      await assert.rejects(asServer`select request_tallies_rebuild()`, { code: '42501' });
    } finally {
      await asServer.end();
    }
  });
});
