// Reports: every figure of GET /reports/summary against a hand-built data set with known
// timestamps (written through SQL with the bookkeeping triggers off, as a fixture; those
// that keep first responses are ENABLE ALWAYS and run, migration 0018), first responses
// kept as they happen through the API, an agent's summary limited to what they may see,
// and the CSV export.
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import { reportSummary } from '../src/db/reports.ts';
import { ALL_DAY, fixture, problem, useApp } from './helpers.ts';

/** RFC 4180 rows, as a spreadsheet reads them. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

describe('GET /reports/summary', () => {
  const app = useApp();
  const ids: Record<string, string> = {};
  let admin: { id: string; key: string }; let it: { id: string; key: string }; let emp: { id: string; key: string };

  before(async () => {
    admin = await app().user('ADMIN');
    it = await app().user('AGENT', 'Ivan IT');
    const hr = await app().user('AGENT', 'Hana HR');
    emp = await app().user('EMPLOYEE');
    const team = async (name: string, member: string) => {
      const t = (await app().call('POST', '/teams', { key: admin.key, body: { name } })).body;
      await app().call('PUT', `/teams/${t.id}/members/${member}`, { key: admin.key });
      return t.id as string;
    };
    const IT = await team('IT', it.id);
    const HR = await team('HR', hr.id);
    const reserved = await app().db.reserve();
    try {
      await reserved`begin`;
      // A fixture with known times: the bookkeeping triggers (which stamp now()) are off.
      await reserved`set local session_replication_role = replica`;
      const add = async (name: string, r: { team: string | null; priority: string; status: string; assignee?: string; created: string; resolved?: string;
        responded?: string; responseDue?: string; resolutionDue?: string }) => {
        const [row] = await reserved`
          insert into requests (title, priority, status, team_id, assignee_id, created_by, created_at, updated_at, resolved_at,
                                first_response_at, sla_first_response_due_at, sla_resolution_due_at)
          values (${name}, ${r.priority}, ${r.status}, ${r.team}, ${r.assignee ?? null}, ${emp.id}, ${r.created}, ${r.created}, ${r.resolved ?? null},
                  ${r.responded ?? null}, ${r.responseDue ?? null}, ${r.resolutionDue ?? null})
          returning id`;
        ids[name] = row.id;
      };
      // SLA clocks: R1 answered late (due 09:20, answered 09:30) and resolved in time; R2
      // answered in time and its resolution still running, past due now; R4 canceled
      // before either was due (stopped: neither met nor breached).
      await add('R1', { team: IT, priority: 'HIGH', status: 'DONE', assignee: it.id, created: '2026-11-01T09:00:00Z', resolved: '2026-11-01T11:00:00Z',
        responded: '2026-11-01T09:30:00Z', responseDue: '2026-11-01T09:20:00Z', resolutionDue: '2026-11-01T12:00:00Z' });
      await add('R2', { team: IT, priority: 'NORMAL', status: 'IN_PROGRESS', assignee: it.id, created: '2026-11-02T10:00:00Z',
        responded: '2026-11-02T10:10:00Z', responseDue: '2026-11-02T10:30:00Z', resolutionDue: '2026-11-02T18:00:00Z' });
      await add('R3', { team: HR, priority: 'LOW', status: 'NEW', created: '2026-11-02T12:00:00Z' });
      await add('R4', { team: null, priority: 'URGENT', status: 'CANCELED', created: '2026-11-03T08:00:00Z', resolved: '2026-11-03T09:00:00Z',
        responseDue: '2026-11-03T10:00:00Z', resolutionDue: '2026-11-03T12:00:00Z' });
      await add('R5', { team: IT, priority: 'NORMAL', status: 'DONE', assignee: it.id, created: '2026-10-31T00:30:00Z', resolved: '2026-11-02T00:30:00Z' });
      await add('R6', { team: IT, priority: 'LOW', status: 'NEW', created: '2026-11-05T08:00:00Z' });
      const comment = (req: string, author: string, at: string, internal = false) =>
        reserved`insert into comments (request_id, author_id, body, internal, created_at) values (${ids[req]}, ${author}, 'c', ${internal}, ${at})`;
      await comment('R1', it.id, '2026-11-01T09:30:00Z'); // first response: 30 min
      await reserved`insert into audit_logs (actor_id, action, entity_type, entity_id, created_at)
        values (${it.id}, 'request.status_changed', 'request', ${ids.R2}, '2026-11-02T10:10:00Z')`; // first response: 10 min
      await comment('R3', emp.id, '2026-11-02T12:05:00Z'); // the creator's own: not a response
      await comment('R3', hr.id, '2026-11-02T12:06:00Z', true); // internal: not a response
      await reserved`commit`;
    } finally {
      reserved.release();
    }
  });

  test('an ADMIN gets every figure of the range, computed from the data', async () => {
    const r = await app().call('GET', '/reports/summary?from=2026-11-01&to=2026-11-04', { key: admin.key });
    assert.equal(r.status, 200, r.text);
    const s = r.body;
    assert.equal(s.from, '2026-11-01T00:00:00.000Z');
    assert.equal(s.to, '2026-11-04T00:00:00.000Z');
    assert.deepEqual([s.created, s.resolved, s.canceled], [4, 2, 1]);
    assert.deepEqual(s.open, { NEW: 2, IN_PROGRESS: 1 });
    assert.deepEqual(s.by_priority, { LOW: 1, NORMAL: 1, HIGH: 1, URGENT: 1 });
    // First response: R1 breached, R2 met → 50%. Resolution: R1 met, R2 breached (still
    // open after its due time) → 50%. R4's clocks stopped before they were due: not counted.
    assert.deepEqual(s.first_response, { median_minutes: 20, p90_minutes: 28, sla_met_percent: 50 });
    assert.deepEqual(s.resolution, { median_minutes: 1500, p90_minutes: 2604, sla_met_percent: 50 });
    assert.deepEqual(s.by_day, [
      { date: '2026-11-01', created: 1, resolved: 1 },
      { date: '2026-11-02', created: 2, resolved: 1 },
      { date: '2026-11-03', created: 1, resolved: 0 },
    ]);
    assert.deepEqual(s.by_team.map((t: any) => [t.name, t.created, t.resolved, t.open]), [[null, 1, 0, 0], ['HR', 1, 0, 1], ['IT', 2, 2, 2]]);
    assert.deepEqual(s.agents.map((a: any) => [a.full_name, a.open, a.resolved]), [['Ivan IT', 1, 2]]);
  });

  test("an agent's summary covers only what they may see (no HR case for the IT desk); an employee gets 403", async () => {
    const s = (await app().call('GET', '/reports/summary?from=2026-11-01&to=2026-11-04', { key: it.key })).body;
    assert.equal(s.created, 3);
    assert.deepEqual(s.open, { NEW: 1, IN_PROGRESS: 1 });
    assert.ok(!s.by_team.some((t: any) => t.name === 'HR'));
    assert.deepEqual(s.by_priority, { LOW: 0, NORMAL: 1, HIGH: 1, URGENT: 1 });
    problem(await app().call('GET', '/reports/summary', { key: emp.key }), 403, 'forbidden');
  });

  test('a team filter, the default range and its limits', async () => {
    const only = (await app().call('GET', `/reports/summary?from=2026-11-01&to=2026-11-04&team_id=none`, { key: admin.key })).body;
    assert.deepEqual([only.created, only.canceled], [1, 1]);
    assert.equal(only.first_response.sla_met_percent, null, 'no clock of the pool ended met or breached');
    const recent = await app().call('GET', '/reports/summary', { key: admin.key });
    assert.equal(recent.status, 200);
    assert.equal(Date.parse(recent.body.to) - Date.parse(recent.body.from), 30 * 86_400_000);
    problem(await app().call('GET', '/reports/summary?from=2025-01-01&to=2026-11-04', { key: admin.key }), 400, 'invalid_query');
    problem(await app().call('GET', '/reports/summary?from=2026-11-04&to=2026-11-01', { key: admin.key }), 400, 'invalid_query');
    problem(await app().call('GET', '/reports/summary?from=yesterday', { key: admin.key }), 400, 'invalid_query');
  });

  test('a date alone as `to` defaults `from` to the date 30 days before it', async () => {
    const r = await app().call('GET', '/reports/summary?to=2026-11-04', { key: admin.key });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, (await app().call('GET', '/reports/summary?from=2026-10-05&to=2026-11-04', { key: admin.key })).body);
    assert.equal(r.body.by_day.length, 30);
  });

  test('every RFC 3339 offset is taken, impossible dates and times are 400 (not 422), and the years 0001-0099 stay themselves', async () => {
    // 2026-11-01T00:00Z, written at +16:00 and -23:59 (PostgreSQL itself takes no offset past ±15:59).
    for (const from of ['2026-11-01T16:00:00%2B16:00', '2026-10-31T00:01:00-23:59']) {
      const r = await app().call('GET', `/reports/summary?from=${from}&to=2026-11-04`, { key: admin.key });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.from, '2026-11-01T00:00:00.000Z');
      assert.deepEqual([r.body.created, r.body.resolved, r.body.canceled], [4, 2, 1]);
    }
    for (const bad of ['from=2026-02-30', 'from=2026-11-31', 'to=2026-11-04T24:00:00Z', 'to=2026-11-04T10:60:00Z', 'from=2026-11-01T00:00:00%2B24:00', 'to=0001-01-15']) {
      problem(await app().call('GET', `/reports/summary?${bad}`, { key: admin.key }), 400, 'invalid_query');
    }
    // Past microseconds, cut (PostgreSQL would round .9999999 into the year 10000).
    const last = await app().call('GET', '/reports/summary?from=9999-12-20&to=9999-12-31T23:59:59.9999999Z', { key: admin.key });
    assert.equal(last.status, 200, last.text);
    assert.equal(last.body.to, '9999-12-31T23:59:59.999Z');
    const ancient = await app().call('GET', '/reports/summary?from=0050-03-01&to=0050-03-05', { key: admin.key });
    assert.equal(ancient.status, 200, ancient.text);
    assert.deepEqual([ancient.body.from, ancient.body.to], ['0050-03-01T00:00:00.000Z', '0050-03-05T00:00:00.000Z']);
    assert.deepEqual(ancient.body.by_day.map((d: any) => d.date), ['0050-03-01', '0050-03-02', '0050-03-03', '0050-03-04']);
  });
});

describe('GET /reports/summary: what the report counts that the SLA clock does not', () => {
  const app = useApp();
  let admin: { id: string; key: string }; let ada: { id: string; key: string };

  before(async () => {
    admin = await app().user('ADMIN');
    ada = await app().user('AGENT', 'Ada Agent');
    const bo = await app().user('AGENT', 'Bo Agent');
    const emp = await app().user('EMPLOYEE');
    const team = async (name: string, member: string) => {
      const t = (await app().call('POST', '/teams', { key: admin.key, body: { name } })).body;
      await app().call('PUT', `/teams/${t.id}/members/${member}`, { key: admin.key });
      return t.id as string;
    };
    const T = await team('Desk', ada.id);
    const U = await team('Unseen', bo.id);
    const reserved = await app().db.reserve();
    try {
      await reserved`begin`;
      await reserved`set local session_replication_role = replica`; // a fixture with known times
      const ids: Record<string, string> = {};
      const add = async (name: string, r: { team: string | null; priority: string; status: string; assignee?: string; created: string; resolved?: string;
        responded?: string; responseDue?: string }) => {
        const [row] = await reserved`
          insert into requests (title, priority, status, team_id, assignee_id, created_by, created_at, updated_at, resolved_at,
                                first_response_at, sla_first_response_due_at)
          values (${name}, ${r.priority}, ${r.status}, ${r.team}, ${r.assignee ?? null}, ${emp.id}, ${r.created}, ${r.created}, ${r.resolved ?? null},
                  ${r.responded ?? null}, ${r.responseDue ?? null})
          returning id`;
        ids[name] = row.id;
      };
      const move = (req: string, actor: string | null, at: string) => reserved`
        insert into audit_logs (actor_id, action, entity_type, entity_id, created_at) values (${actor}, 'request.status_changed', 'request', ${ids[req]}, ${at})`;
      const comment = (req: string, author: string, at: string, internal = false) =>
        reserved`insert into comments (request_id, author_id, body, internal, created_at) values (${ids[req]}, ${author}, 'c', ${internal}, ${at})`;
      // C1: an agent cancels it after 15 minutes. A response for the report; for the SLA clock
      // a CANCELED move is none (first_response_at stays null), so its clock ends breached.
      await add('C1', { team: T, priority: 'HIGH', status: 'CANCELED', created: '2026-11-01T09:00:00Z', resolved: '2026-11-01T09:15:00Z', responseDue: '2026-11-01T09:10:00Z' });
      await move('C1', ada.id, '2026-11-01T09:15:00Z');
      // C2: the creator cancels it, then an agent comments on the closed request after 40 minutes.
      await add('C2', { team: T, priority: 'LOW', status: 'CANCELED', created: '2026-11-02T10:00:00Z', resolved: '2026-11-02T10:10:00Z' });
      await move('C2', emp.id, '2026-11-02T10:10:00Z');
      await comment('C2', ada.id, '2026-11-02T10:40:00Z');
      // C3: moved after 5 minutes by a writer with no actor (not the creator, so a response).
      await add('C3', { team: null, priority: 'URGENT', status: 'IN_PROGRESS', assignee: ada.id, created: '2026-11-03T08:00:00Z',
        responded: '2026-11-03T08:05:00Z', responseDue: '2026-11-03T08:30:00Z' });
      await move('C3', null, '2026-11-03T08:05:00Z');
      // C4: only the creator's comment, an internal note and an edit: no response.
      await add('C4', { team: null, priority: 'NORMAL', status: 'NEW', created: '2026-11-03T12:00:00Z' });
      await comment('C4', emp.id, '2026-11-03T12:01:00Z');
      await comment('C4', ada.id, '2026-11-03T12:02:00Z', true);
      await reserved`insert into audit_logs (actor_id, action, entity_type, entity_id, created_at) values (${ada.id}, 'request.updated', 'request', ${ids.C4}, '2026-11-03T12:03:00Z')`;
      // C5: another team's, resolved long before the range by Bo.
      await add('C5', { team: U, priority: 'NORMAL', status: 'DONE', assignee: bo.id, created: '2026-06-01T08:00:00Z', resolved: '2026-06-02T08:00:00Z' });
      await reserved`commit`;
    } finally {
      reserved.release();
    }
  });

  test('a cancel, a comment on a closed request and a move without an actor are first responses; teams and agents seen only outside the range are listed with zeros', async () => {
    const s = (await app().call('GET', '/reports/summary?from=2026-11-01&to=2026-11-04', { key: admin.key })).body;
    assert.deepEqual([s.created, s.resolved, s.canceled], [4, 0, 2]);
    assert.deepEqual(s.open, { NEW: 1, IN_PROGRESS: 1 });
    assert.deepEqual(s.by_priority, { LOW: 1, NORMAL: 1, HIGH: 1, URGENT: 1 });
    // Minutes 5, 15, 40: median 15, p90 15 + 0.8 × 25. SLA: C3 met, C1 breached.
    assert.deepEqual(s.first_response, { median_minutes: 15, p90_minutes: 35, sla_met_percent: 50 });
    assert.deepEqual(s.resolution, { median_minutes: null, p90_minutes: null, sla_met_percent: null });
    assert.deepEqual(s.by_day, [
      { date: '2026-11-01', created: 1, resolved: 0 },
      { date: '2026-11-02', created: 1, resolved: 0 },
      { date: '2026-11-03', created: 2, resolved: 0 },
    ]);
    assert.deepEqual(s.by_team.map((t: any) => [t.name, t.created, t.resolved, t.open]), [[null, 2, 0, 2], ['Desk', 2, 0, 0], ['Unseen', 0, 0, 0]]);
    assert.deepEqual(s.agents.map((a: any) => [a.full_name, a.open, a.resolved]), [['Ada Agent', 1, 0], ['Bo Agent', 0, 0]]);
    const mine = (await app().call('GET', '/reports/summary?from=2026-11-01&to=2026-11-04', { key: ada.key })).body;
    assert.equal(mine.created, 4);
    assert.deepEqual(mine.by_team.map((t: any) => t.name), [null, 'Desk']);
    assert.deepEqual(mine.agents.map((a: any) => a.full_name), ['Ada Agent']);
  });
});

describe('GET /reports/summary: first responses kept as they happen', () => {
  const app = useApp();

  test('made through the API, each request keeps the time of its first public comment or status change by someone other than the creator, and the report reads it', async () => {
    const admin = await app().user('ADMIN');
    const agent = await app().user('AGENT');
    const emp = await app().user('EMPLOYEE');
    const file = async (title: string) => (await app().call('POST', '/requests', { key: emp.key, body: { title } })).body.id as string;
    const comment = async (id: string, key: string, body: string, internal = false) =>
      assert.equal((await app().call('POST', `/requests/${id}/comments`, { key, body: { body, ...(internal ? { internal } : {}) } })).status, 201);
    const move = async (id: string, key: string, status: string) =>
      assert.equal((await app().call('PATCH', `/requests/${id}/status`, { key, body: { status } })).status, 200);
    // A: the creator's comment and an internal note are none; the agent's public comment is;
    // the agent's later moves and comments leave it where it was.
    const a = await file('A');
    await comment(a, emp.key, 'any news?');
    await comment(a, agent.key, 'note to self', true);
    await comment(a, agent.key, 'looking into it');
    await move(a, agent.key, 'IN_PROGRESS');
    await comment(a, agent.key, 'fixed, I think');
    // B: the agent's cancel is one (the SLA clock says otherwise: its first_response_at stays null).
    const b = await file('B');
    await move(b, agent.key, 'CANCELED');
    // C: the creator cancels, then the agent comments on the closed request.
    const c = await file('C');
    await move(c, emp.key, 'CANCELED');
    await comment(c, agent.key, 'reopen it if it comes back');
    // D: never answered.
    const d = await file('D');
    await comment(d, emp.key, 'hello?');

    const firsts = await app().db`
      select x.request_id, min(x.at) as at
      from (
        select cm.request_id, cm.created_at as at from comments cm
        join requests r on r.id = cm.request_id where not cm.internal and cm.author_id <> r.created_by
        union all
        select a.entity_id, a.created_at from audit_logs a join requests r on r.id = a.entity_id
        where a.action = 'request.status_changed' and a.actor_id <> r.created_by
      ) x
      group by x.request_id`;
    const kept = await app().db`select request_id, at, request_created_at from request_first_responses`;
    const keptOf = new Map(kept.map((k) => [k.request_id, k]));
    assert.deepEqual(new Set(kept.map((k) => k.request_id)), new Set([a, b, c]), 'A, B and C were answered, D was not');
    for (const f of firsts) assert.equal(keptOf.get(f.request_id)!.at.getTime(), f.at.getTime(), 'the first response, not a later one');
    const [{ sla }] = await app().db`select first_response_at as sla from requests where id = ${b}`;
    assert.equal(sla, null);

    // The report reads what is kept: given known answer times (10, 20 and 40 minutes), the
    // median is 20 and the p90 20 + 0.8 × 20.
    for (const [id, minutes] of [[a, 10], [b, 20], [c, 40]] as const) {
      await app().db`update request_first_responses set at = request_created_at + make_interval(mins => ${minutes}) where request_id = ${id}`;
    }
    const s = (await app().call('GET', '/reports/summary', { key: admin.key })).body;
    assert.deepEqual([s.first_response.median_minutes, s.first_response.p90_minutes], [20, 36], 'the median and p90 of the three kept first responses');
  });

  test('many comments at once on one request: the earliest by someone other than the creator is kept, and every 201 is stored with its audit row and event', async () => {
    const agents = [await app().user('AGENT'), await app().user('AGENT')];
    const emp = await app().user('EMPLOYEE');
    const id = (await app().call('POST', '/requests', { key: emp.key, body: { title: 'busy' } })).body.id as string;
    const posted = await Promise.all(Array.from({ length: 24 }, (_, i) =>
      app().call('POST', `/requests/${id}/comments`, { key: i % 3 === 2 ? emp.key : agents[i % 3].key, body: { body: `comment ${i}` } })));
    assert.ok(posted.every((r) => r.status === 201));
    const ids = posted.map((r) => r.body.id as string);
    const [stored] = await app().db`
      select (select count(*)::int from comments where id = any(${ids}::uuid[])) as comments,
             (select count(*)::int from audit_logs where action = 'comment.added' and entity_id = any(${ids}::uuid[])) as audited,
             (select count(*)::int from events where type = 'comment.created' and data -> 'comment' ->> 'id' = any(${ids}::text[])) as events`;
    assert.deepEqual(stored, { comments: 24, audited: 24, events: 24 });
    const [{ first }] = await app().db`
      select min(cm.created_at) as first from comments cm join requests r on r.id = cm.request_id
      where cm.request_id = ${id} and cm.author_id <> r.created_by`;
    const kept = await app().db`select at from request_first_responses where request_id = ${id}`;
    assert.equal(kept.length, 1);
    assert.equal(kept[0].at.getTime(), first.getTime(), 'the earliest agent comment, whichever committed first');
  });
});

describe('GET /reports/summary: days in a time zone whose clocks change at midnight', () => {
  const app = useApp();
  let admin: { id: string; key: string };

  // America/Havana in 2026: on 8 March the clock goes from 00:00 to 01:00 (no midnight); on
  // 1 November from 01:00 back to 00:00 (midnight twice: 04:00Z and 05:00Z).
  before(async () => {
    admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    assert.equal((await app().call('PUT', '/sla-policy', { key: admin.key, body: { timezone: 'America/Havana', business_hours: ALL_DAY } })).status, 200);
    await fixture(app().db, async (tx) => {
      for (const [title, at] of [
        ['Oct 31, 23:59 daylight', '2026-11-01T03:59:00Z'], ['Nov 1, 00:30 daylight (the first midnight)', '2026-11-01T04:30:00Z'],
        ['Nov 1, 00:30 standard (the second)', '2026-11-01T05:30:00Z'],
        ['Mar 7, 23:59 standard', '2026-03-08T04:59:00Z'], ['Mar 8, 01:00 daylight (no midnight)', '2026-03-08T05:00:00Z'],
      ]) {
        await tx`insert into requests (title, created_by, created_at, updated_at) values (${title}, ${emp.id}, ${at}, ${at})`;
      }
    });
  });

  const summary = async (from: string, to: string) => {
    const r = await app().call('GET', `/reports/summary?from=${from}&to=${to}`, { key: admin.key });
    assert.equal(r.status, 200, r.text);
    return r.body;
  };

  test('a date alone as `to` defaults `from` to the midnight of the date 30 days before, in the policy\'s zone', async () => {
    const r = await app().call('GET', '/reports/summary?to=2026-11-05', { key: admin.key });
    assert.equal(r.status, 200, r.text);
    // 6 October 00:00 in Havana (daylight, UTC-4) to 5 November 00:00 (standard, UTC-5): 30 local days.
    assert.deepEqual([r.body.from, r.body.to], ['2026-10-06T04:00:00.000Z', '2026-11-05T05:00:00.000Z']);
    assert.deepEqual(r.body, await summary('2026-10-06', '2026-11-05'));
    assert.equal(r.body.by_day.length, 30);
  });

  test('a request is counted on its local day, and the day that has midnight twice starts at the first', async () => {
    const fall = await summary('2026-10-31', '2026-11-02');
    assert.equal(fall.created, 3);
    assert.deepEqual(fall.by_day, [{ date: '2026-10-31', created: 1, resolved: 0 }, { date: '2026-11-01', created: 2, resolved: 0 }]);
    // A range from that date starts at its first midnight: both of its 00:30s are in it.
    const day = await summary('2026-11-01', '2026-11-02');
    assert.equal(day.created, 2);
    assert.deepEqual(day.by_day, [{ date: '2026-11-01', created: 2, resolved: 0 }]);
    const spring = await summary('2026-03-07', '2026-03-09');
    assert.deepEqual(spring.by_day, [{ date: '2026-03-07', created: 1, resolved: 0 }, { date: '2026-03-08', created: 1, resolved: 0 }]);
    assert.equal((await summary('2026-03-08', '2026-03-09')).created, 1);
  });

  test('the days do not depend on the database session\'s own time zone, even one that skips a midnight in the range', async () => {
    const s: any = await app().db.begin(async (tx) => {
      await tx`set local time zone 'America/Santiago'`; // midnight of 2026-09-06 is skipped there
      return reportSummary(tx, {
        from: new Date('2026-09-04T00:00:00Z'), to: new Date('2026-09-09T00:00:00Z'), team: null, noTeam: false,
        visible: { all: true, teams: [], actor: admin.id }, tz: 'UTC', now: new Date('2026-12-01T00:00:00Z'),
      });
    });
    assert.deepEqual(s.by_day.map((d: any) => d.date), ['2026-09-04', '2026-09-05', '2026-09-06', '2026-09-07', '2026-09-08']);
  });
});

describe('GET /reports/summary: the years\' ends in a zone east of UTC (Tokyo, whose first midnight of 0001 is 14:41:01 on 31 December of the year 0, UTC)', () => {
  const app = useApp();

  test('a date whose midnight there falls in the year 0 is 400 invalid_query, not a database error', async () => {
    const admin = await app().user('ADMIN');
    const allDay = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));
    assert.equal((await app().call('PUT', '/sla-policy', { key: admin.key, body: { timezone: 'Asia/Tokyo', business_hours: allDay } })).status, 200);
    problem(await app().call('GET', '/reports/summary?from=0001-01-01&to=0001-01-10', { key: admin.key }), 400, 'invalid_query');
    const next = await app().call('GET', '/reports/summary?from=0001-01-02&to=0001-01-10', { key: admin.key });
    assert.equal(next.status, 200, next.text);
    assert.equal(next.body.by_day[0].date, '0001-01-02');
  });
});

describe('GET /requests.csv', () => {
  const app = useApp();

  test('round-trips titles with commas, quotes, line breaks and emoji, and guards formulas', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE', 'Erin, "E"');
    const titles = ['Comma, inside', 'Quote " inside', 'Line\nbreak', 'Emoji 🚀 ok', '=HYPERLINK("http://evil")', '+1 phone', '-minus', '@at'];
    for (const title of titles) await app().call('POST', '/requests', { key: emp.key, body: { title, description: 'first line\r\nsecond' } });
    const r = await app().call('GET', '/requests.csv', { key: admin.key });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.match(String(r.headers['content-disposition']), /^attachment; filename="serviceflow-requests-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parseCsv(r.text);
    assert.deepEqual(rows[0], ['public_id', 'id', 'title', 'status', 'priority', 'team', 'created_by', 'assignee', 'created_at', 'updated_at', 'resolved_at', 'description']);
    const got = rows.slice(1).map((row) => row[2]);
    const guard = (t: string) => (/^[=+\-@]/.test(t) ? `'${t}` : t);
    assert.deepEqual([...got].sort(), titles.map(guard).sort());
    assert.ok(rows.slice(1).every((row) => row.length === 12 && row[6] === 'Erin, "E"' && row[11] === 'first line\r\nsecond'));
  });

  test('takes the filters and visibility of GET /requests: an employee exports only their own requests', async () => {
    const a = await app().user('EMPLOYEE');
    const b = await app().user('EMPLOYEE');
    await app().call('POST', '/requests', { key: a.key, body: { title: 'mine', priority: 'HIGH' } });
    await app().call('POST', '/requests', { key: a.key, body: { title: 'mine too', priority: 'LOW' } });
    await app().call('POST', '/requests', { key: b.key, body: { title: 'not yours' } });
    const own = parseCsv((await app().call('GET', '/requests.csv', { key: a.key })).text).slice(1).map((r) => r[2]);
    assert.deepEqual(own.sort(), ['mine', 'mine too']);
    const high = parseCsv((await app().call('GET', '/requests.csv?priority=HIGH', { key: a.key })).text).slice(1).map((r) => r[2]);
    assert.deepEqual(high, ['mine']);
    problem(await app().call('GET', '/requests.csv?limit=5', { key: a.key }), 400, 'invalid_query');
  });

  test('a filter the database could not read is 400 before the first byte; any RFC 3339 offset is taken', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    await app().call('POST', '/requests', { key: emp.key, body: { title: 'Offset check' } });
    for (const bad of ['created_after=2026-02-30T00:00:00Z', 'created_before=2026-11-31', 'created_after=2026-11-01T24:00:00Z']) {
      problem(await app().call('GET', `/requests.csv?${bad}`, { key: admin.key }), 400, 'invalid_query');
    }
    // The same instant, at an offset past PostgreSQL's ±15:59 and in UTC: the same rows, whole.
    const at = new Date(Date.now() - 3_600_000);
    const local = new Date(at.getTime() + 16 * 3_600_000).toISOString().slice(0, 19) + '+16:00';
    const far = await app().call('GET', `/requests.csv?created_after=${encodeURIComponent(local)}`, { key: admin.key });
    const utc = await app().call('GET', `/requests.csv?created_after=${encodeURIComponent(at.toISOString())}`, { key: admin.key });
    assert.equal(far.status, 200, far.text);
    assert.equal(far.text, utc.text);
    assert.ok(parseCsv(far.text).some((row) => row[2] === 'Offset check'));
  });

  test('streams every row, past one page of the cursor', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    await app().db`insert into requests (title, created_by) select 'bulk ' || i, ${emp.id}::uuid from generate_series(1, 2500) i`;
    const rows = parseCsv((await app().call('GET', `/requests.csv?created_by=${emp.id}`, { key: admin.key })).text);
    assert.equal(rows.length, 2501);
    assert.equal(new Set(rows.slice(1).map((r) => r[0])).size, 2500, 'no row twice');
  });

  test('a client that reads slowly gets every page, and the server keeps one wait for it at a time', async () => {
    const admin = await app().user('ADMIN');
    const emp = await app().user('EMPLOYEE');
    await app().db`insert into requests (title, description, created_by) select 'slow ' || i, repeat('x', 200), ${emp.id}::uuid from generate_series(1, 14000) i`;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const lines = await new Promise<number>((resolve, reject) => {
        http.get(`${app().url}/requests.csv?created_by=${emp.id}`, { headers: { 'X-API-Key': admin.key } }, (res) => {
          let n = 0;
          res.on('data', (c: Buffer) => {
            for (const b of c) if (b === 0x0a) n++;
            res.pause(); // the socket fills, and the server waits for it before each page
            setTimeout(() => res.resume(), 2);
          });
          res.on('end', () => resolve(n));
          res.on('error', reject);
        }).on('error', reject);
      });
      assert.equal(lines, 14001);
      await new Promise((r) => setImmediate(r)); // a warning is emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });
});
