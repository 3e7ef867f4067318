// The SLA scheduler (src/worker/sla.ts): sla.warning at warning_percent of a clock's business
// time and sla.breached at its due time, exactly once per request and metric — with two
// workers racing on one database, across restarts, and catching up on what came due while
// every process was down, with the true due_at. Time is each worker's injected clock; the
// two real server processes run on real time, with their requests' clocks moved back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../src/clock.ts';
import { freshDatabase, spawnServer, startApp, type TestApp } from './helpers.ts';
import { backdate } from './sla-time.ts';

const MINUTE = 60_000;
const ALWAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));
const POLICY = {
  timezone: 'UTC', business_hours: ALWAYS, warning_percent: 50,
  targets: { URGENT: { first_response_minutes: 10, resolution_minutes: 60 }, NORMAL: { first_response_minutes: 60, resolution_minutes: 480 } },
};

interface SlaEvent { seq: string; type: string; request_id: string; metric: string; due_at: string; data: any }
const slaEvents = async (app: TestApp, requestId?: string): Promise<SlaEvent[]> => (await app.db`
  select seq::text, type, request_id, data->>'metric' as metric, data->>'due_at' as due_at, data from events
  where type in ('sla.warning', 'sla.breached') and (${requestId ?? null}::uuid is null or request_id = ${requestId ?? null}::uuid)
  order by seq`) as unknown as SlaEvent[];
const kinds = (events: SlaEvent[]) => events.map((e) => `${e.metric} ${e.type.slice(4)}`);

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  for (const end = Date.now() + ms; ;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the SLA scheduler', () => {
  let url: string;
  const clock = manualClock();
  let app: TestApp;
  let admin: { id: string; key: string };
  let agent: { id: string; key: string };
  let emp: { id: string; key: string };

  before(async () => {
    url = await freshDatabase();
    app = await startApp({}, url, { clock });
    admin = await app.user('ADMIN');
    agent = await app.user('AGENT');
    emp = await app.user('EMPLOYEE');
    assert.equal((await app.call('PUT', '/sla-policy', { key: admin.key, body: POLICY })).status, 200);
  });
  after(async () => { await app?.close(); });

  const file = async (priority = 'URGENT') => (await app.call('POST', '/requests', { key: emp.key, body: { title: 'Clock', priority } })).body;
  /** Sets this app's clock to `ms` after the request was filed, and runs the scheduler once. */
  const runAt = async (r: { created_at: string }, ms: number) => {
    clock.advance(Date.parse(r.created_at) + ms - clock.now());
    await app.worker.runNow('sla');
  };

  test('the warning comes at warning_percent of the business time and the breach at due_at, not a moment before', async () => {
    const r = await file();
    await runAt(r, 5 * MINUTE - 1);
    assert.deepEqual(kinds(await slaEvents(app, r.id)), []);
    await runAt(r, 5 * MINUTE + 1);
    assert.deepEqual(kinds(await slaEvents(app, r.id)), ['first_response warning']);
    await runAt(r, 10 * MINUTE - 1);
    assert.deepEqual(kinds(await slaEvents(app, r.id)), ['first_response warning']);
    await runAt(r, 10 * MINUTE + 1);
    await runAt(r, 31 * MINUTE);
    await runAt(r, 61 * MINUTE);
    const events = await slaEvents(app, r.id);
    assert.deepEqual(kinds(events), ['first_response warning', 'first_response breached', 'resolution warning', 'resolution breached']);
    const [warned, breached] = events;
    assert.equal(warned.due_at, r.sla.first_response.due_at, 'a warning tells when the clock will breach');
    assert.equal(breached.due_at, r.sla.first_response.due_at);
    assert.equal(breached.data.request.id, r.id);
    assert.equal(breached.data.request.sla.first_response.breached, true, 'the request in the event is breached, as the clock said');
    assert.equal(breached.data.request.allowed_transitions, undefined, 'the request as an ADMIN sees it');
    const [row] = await app.db`select actor_id from events where seq = ${breached.seq}::bigint`;
    assert.equal(row.actor_id, null, 'nobody acted: time passed');
    await runAt(r, 600 * MINUTE);
    assert.equal((await slaEvents(app, r.id)).length, 4, 'each once');
    assert.match(app.services.metrics.text(), /serviceflow_sla_breaches_total\{metric="first_response",priority="URGENT"\} [1-9]/);
    assert.match(app.services.metrics.text(), /serviceflow_sla_warnings_total\{metric="resolution",priority="URGENT"\} [1-9]/);
  });

  test('a clock met before its warning time sends nothing; CANCELED stops both clocks for good', async () => {
    const answered = await file();
    await app.call('POST', `/requests/${answered.id}/comments`, { key: agent.key, body: { body: 'Here.' } });
    const canceled = await file();
    await app.call('PATCH', `/requests/${canceled.id}/status`, { key: emp.key, body: { status: 'CANCELED' } });
    await runAt(answered, 24 * 60 * MINUTE);
    assert.deepEqual(kinds(await slaEvents(app, answered.id)), ['resolution warning', 'resolution breached']);
    assert.deepEqual(kinds(await slaEvents(app, canceled.id)), []);
  });

  test('a priority change moves the breach with the due time; a priority without a target sends nothing more', async () => {
    const r = await file('NORMAL');
    await app.call('PATCH', `/requests/${r.id}`, { key: admin.key, body: { priority: 'URGENT' } });
    await runAt(r, 10 * MINUTE + 1);
    const events = await slaEvents(app, r.id);
    assert.deepEqual(kinds(events), ['first_response warning', 'first_response breached']);
    assert.equal(Date.parse(events[1].due_at) - Date.parse(r.created_at), 10 * MINUTE, 'URGENT\'s 10 minutes from creation, not NORMAL\'s 60');

    const warnedThenLow = await file('NORMAL');
    await runAt(warnedThenLow, 31 * MINUTE);
    assert.deepEqual(kinds(await slaEvents(app, warnedThenLow.id)), ['first_response warning']);
    await app.call('PATCH', `/requests/${warnedThenLow.id}`, { key: admin.key, body: { priority: 'LOW' } });
    await runAt(warnedThenLow, 24 * 60 * MINUTE);
    assert.deepEqual(kinds(await slaEvents(app, warnedThenLow.id)), ['first_response warning'], 'the warning stays sent, once; no breach follows');
  });

  test('two workers racing on one database send each warning and breach exactly once', async () => {
    const otherClock = manualClock(clock.now());
    const other = await startApp({}, url, { clock: otherClock });
    try {
      const filed = await Promise.all(Array.from({ length: 40 }, () => file()));
      const ids = new Set(filed.map((r) => r.id));
      const later = Date.parse(filed[filed.length - 1].created_at) + 2 * 60 * MINUTE - clock.now();
      clock.advance(later);
      otherClock.advance(later);
      for (let round = 0; round < 3; round++) {
        await Promise.all([app.worker.runNow('sla'), other.worker.runNow('sla'), app.worker.runNow('sla'), other.worker.runNow('sla')]);
      }
      const ours = (await slaEvents(app)).filter((e) => ids.has(e.request_id));
      const counts = new Map<string, number>();
      for (const e of ours) counts.set(`${e.request_id} ${e.metric} ${e.type}`, (counts.get(`${e.request_id} ${e.metric} ${e.type}`) ?? 0) + 1);
      assert.equal(counts.size, 40 * 4, 'every request: both metrics, warning and breach');
      assert.deepEqual([...new Set(counts.values())], [1], 'each exactly once');
      const [{ pending }] = await app.db`select count(*)::int as pending from sla_timers where fired_at is null and request_id = any(${[...ids]}::uuid[])`;
      assert.equal(pending, 0);
    } finally {
      await other.close();
    }
  });

  test('after downtime, a new process sends on start what came due while every process was down, with its true due_at, and a restart repeats nothing', async () => {
    const r = await file();
    const downFor = 3 * 60 * MINUTE;
    const back = await startApp({}, url, { clock: manualClock(Date.parse(r.created_at) + downFor) });
    try {
      back.worker.start();
      const events = await until('the missed events were sent', () => slaEvents(app, r.id), (e) => e.length >= 4);
      await back.worker.stop(5000);
      assert.deepEqual(kinds(events), ['first_response warning', 'first_response breached', 'resolution warning', 'resolution breached']);
      assert.deepEqual(events.map((e) => e.due_at), [r.sla.first_response.due_at, r.sla.first_response.due_at, r.sla.resolution.due_at, r.sla.resolution.due_at]);
    } finally {
      await back.close();
    }
    const restarted = await startApp({}, url, { clock: manualClock(Date.parse(r.created_at) + 2 * downFor) });
    try {
      await restarted.worker.runNow('sla');
      assert.equal((await slaEvents(app, r.id)).length, 4);
    } finally {
      await restarted.close();
    }
  });
});

describe('the SLA scheduler in two server processes', () => {
  test('two processes running the scheduler send each warning and breach once; stopped, then started again, one catches up with the true due_at', async () => {
    const url = await freshDatabase();
    const fixtures = await startApp({}, url);
    const env = { DATABASE_URL: url, SLA_TIMER_INTERVAL_MS: '50' };
    try {
      const admin = await fixtures.user('ADMIN');
      const emp = await fixtures.user('EMPLOYEE');
      assert.equal((await fixtures.call('PUT', '/sla-policy', { key: admin.key, body: POLICY })).status, 200);
      const procs = await Promise.all([spawnServer(env), spawnServer(env)]);
      let stopped = false;
      try {
        const filed = await Promise.all(Array.from({ length: 20 }, (_, i) =>
          fixtures.call('POST', '/requests', { key: emp.key, body: { title: `Two processes ${i}`, priority: 'URGENT' } }).then((r) => r.body)));
        // As if they had been filed two hours ago, while both processes run.
        await Promise.all(filed.map((r) => backdate(fixtures.db, r.id, 120)));
        const ids = filed.map((r) => r.id);
        const count = async () => (await fixtures.db`
          select request_id, type, data->>'metric' as metric, count(*)::int as n from events
          where type like 'sla.%' and request_id = any(${ids}::uuid[]) group by 1, 2, 3`) as unknown as { n: number }[];
        await until('every timer fired', count, (rows) => rows.length === 20 * 4);
        await new Promise((r) => setTimeout(r, 300)); // several more runs of both processes
        const rows = await count();
        assert.equal(rows.length, 80);
        assert.ok(rows.every((r) => r.n === 1), 'each exactly once');
        // Each process counts what it sent (GET /metrics): together, each timer once.
        const sent = async (base: string, name: string) => {
          const text = await (await fetch(`${base}/metrics`)).text();
          return [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
        };
        const breaches = await Promise.all(procs.map((p) => sent(p.base, 'serviceflow_sla_breaches_total')));
        const warnings = await Promise.all(procs.map((p) => sent(p.base, 'serviceflow_sla_warnings_total')));
        assert.equal(breaches[0] + breaches[1], 40, `breaches sent by each process: ${breaches}`);
        assert.equal(warnings[0] + warnings[1], 40, `warnings sent by each process: ${warnings}`);

        await Promise.all(procs.map(async (p) => { p.child.kill('SIGTERM'); assert.equal(await p.exited, 0); }));
        stopped = true;
        // While every process is down, a request's clocks run out.
        const missed = (await fixtures.call('POST', '/requests', { key: emp.key, body: { title: 'Missed', priority: 'URGENT' } })).body;
        await backdate(fixtures.db, missed.id, 90);
        const [due] = await fixtures.db`select sla_first_response_due_at as fr, sla_resolution_due_at as res from requests where id = ${missed.id}`;
        const again = await spawnServer(env);
        try {
          const events = await until('the missed events were sent on start', () => slaEvents(fixtures, missed.id), (e) => e.length === 4);
          assert.deepEqual(events.map((e) => e.due_at), [due.fr, due.fr, due.res, due.res].map((d: Date) => d.toISOString()));
        } finally {
          again.child.kill('SIGTERM');
          assert.equal(await again.exited, 0);
        }
      } finally {
        if (!stopped) for (const p of procs) p.child.kill('SIGTERM');
      }
    } finally {
      await fixtures.close();
    }
  });
});
