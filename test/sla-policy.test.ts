// GET and PUT /sla-policy (API.md, "SLA"): a fresh install has no targets and 24×7 hours
// in UTC; only an ADMIN changes it; every field is validated; a change is audited and
// emits no event.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { problem, useApp } from './helpers.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const office = { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] };

describe('the SLA policy', () => {
  const app = useApp();
  let admin: { id: string; key: string };
  let agent: { id: string; key: string };
  let emp: { id: string; key: string };

  before(async () => {
    admin = await app().user('ADMIN');
    agent = await app().user('AGENT');
    emp = await app().user('EMPLOYEE');
  });

  const put = (body: unknown, key = admin.key) => app().call('PUT', '/sla-policy', { key, body });

  test('a fresh install has every target null and 24×7 hours in UTC, readable by anyone; its requests have no SLA', async () => {
    for (const who of [emp, agent, admin]) {
      const r = await app().call('GET', '/sla-policy', { key: who.key });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {
        timezone: 'UTC',
        business_hours: Object.fromEntries(DAYS.map((d) => [d, [['00:00', '24:00']]])),
        holidays: [],
        targets: { URGENT: null, HIGH: null, NORMAL: null, LOW: null },
        warning_percent: 80,
      });
    }
    const filed = await app().call('POST', '/requests', { key: emp.key, body: { title: 'No SLA yet', priority: 'URGENT' } });
    assert.equal(filed.body.sla, null);
    problem(await app().call('GET', '/sla-policy?x=1', { key: emp.key }), 400, 'invalid_query');
    problem(await app().call('GET', '/sla-policy'), 401, 'missing_api_key');
  });

  test('an ADMIN puts a policy: normalised (ranges and holidays sorted, days, targets and defaults filled in), then in force', async () => {
    const r = await put({
      timezone: 'Europe/Berlin',
      business_hours: { mon: [['13:00', '17:00'], ['08:00', '12:00']], fri: [['09:00', '15:00']] },
      holidays: ['2026-12-26', '2026-12-25', '2026-12-26'],
      targets: { URGENT: { first_response_minutes: 30, resolution_minutes: 240 } },
    });
    assert.equal(r.status, 200, r.text);
    const expected = {
      timezone: 'Europe/Berlin',
      business_hours: { mon: [['08:00', '12:00'], ['13:00', '17:00']], tue: [], wed: [], thu: [], fri: [['09:00', '15:00']], sat: [], sun: [] },
      holidays: ['2026-12-25', '2026-12-26'],
      targets: { URGENT: { first_response_minutes: 30, resolution_minutes: 240 }, HIGH: null, NORMAL: null, LOW: null },
      warning_percent: 80,
    };
    assert.deepEqual(r.body, expected);
    assert.equal(JSON.stringify(r.body), JSON.stringify(expected), 'in the API\'s order, keys and days alike');
    assert.deepEqual((await app().call('GET', '/sla-policy', { key: agent.key })).body, expected);
  });

  test('only an ADMIN may change it (403), and input is checked first (422)', async () => {
    const good = { timezone: 'UTC', business_hours: office };
    problem(await put(good, agent.key), 403, 'forbidden');
    problem(await put(good, emp.key), 403, 'forbidden');
    problem(await put({ timezone: 'Nowhere/Land', business_hours: office }, emp.key), 422, 'validation_failed');
  });

  test('every field is validated: a real IANA zone, well-formed non-overlapping hours, dates that exist, percentages, targets', async () => {
    const base = { timezone: 'UTC', business_hours: office };
    const cases: [unknown, string][] = [
      [{ ...base, timezone: 'Mars/Olympus_Mons' }, 'timezone'],
      [{ ...base, timezone: '+01:00' }, 'timezone'],
      [{ ...base, timezone: '' }, 'timezone'],
      [{ ...base, timezone: 42 }, 'timezone'],
      [{ ...base, business_hours: { mon: [['09:00', '25:00']] } }, 'business_hours.mon.0.1'],
      [{ ...base, business_hours: { mon: [['9:00', '17:00']] } }, 'business_hours.mon.0.0'],
      [{ ...base, business_hours: { mon: [['09:60', '17:00']] } }, 'business_hours.mon.0.0'],
      [{ ...base, business_hours: { mon: [['24:00', '24:00']] } }, 'business_hours.mon.0'],
      [{ ...base, business_hours: { mon: [['17:00', '09:00']] } }, 'business_hours.mon.0'],
      [{ ...base, business_hours: { mon: [['09:00', '13:00'], ['12:00', '17:00']] } }, 'business_hours.mon'],
      [{ ...base, business_hours: { mon: [['09:00', '13:00', '15:00']] } }, 'business_hours.mon.0.2'],
      [{ ...base, business_hours: { thur: [['09:00', '17:00']] } }, 'business_hours.thur'],
      [{ ...base, holidays: ['2026-02-30'] }, 'holidays.0'],
      [{ ...base, holidays: ['2026-13-01'] }, 'holidays.0'],
      [{ ...base, holidays: ['26-12-25'] }, 'holidays.0'],
      [{ ...base, holidays: ['2026-12-25T00:00:00Z'] }, 'holidays.0'],
      [{ ...base, warning_percent: 0 }, 'warning_percent'],
      [{ ...base, warning_percent: 100 }, 'warning_percent'],
      [{ ...base, warning_percent: 50.5 }, 'warning_percent'],
      [{ ...base, targets: { URGENT: { first_response_minutes: 0, resolution_minutes: 60 } } }, 'targets.URGENT.first_response_minutes'],
      [{ ...base, targets: { URGENT: { first_response_minutes: 1.5, resolution_minutes: 60 } } }, 'targets.URGENT.first_response_minutes'],
      [{ ...base, targets: { URGENT: { first_response_minutes: 30 } } }, 'targets.URGENT.resolution_minutes'],
      [{ ...base, targets: { CRITICAL: null } }, 'targets.CRITICAL'],
      [{ ...base, targets: { URGENT: { first_response_minutes: 30, resolution_minutes: 999_999 } } }, 'targets.URGENT.resolution_minutes'],
      [{ timezone: 'UTC', business_hours: {}, targets: { LOW: { first_response_minutes: 30, resolution_minutes: 60 } } }, 'targets'],
      [{ timezone: 'UTC', business_hours: { sun: [['09:00', '09:01']] }, targets: { LOW: { first_response_minutes: 30, resolution_minutes: 600 } } }, 'targets'],
      [{ ...base, colour: 'blue' }, 'colour'],
      [{ business_hours: office }, 'timezone'],
      [{ timezone: 'UTC' }, 'business_hours'],
    ];
    for (const [body, path] of cases) {
      const r = await put(body);
      problem(r, 422, 'validation_failed');
      assert.ok(r.body.errors.some((e: { path: string }) => e.path === path), `${JSON.stringify(body)} → ${JSON.stringify(r.body.errors)}`);
    }
  });

  test('zones are IANA names as written; only their case is corrected', async () => {
    assert.equal((await put({ timezone: 'europe/berlin', business_hours: office })).body.timezone, 'Europe/Berlin');
    assert.equal((await put({ timezone: 'Asia/Kolkata', business_hours: office })).body.timezone, 'Asia/Kolkata');
    assert.equal((await put({ timezone: 'America/New_York', business_hours: office })).body.timezone, 'America/New_York');
  });

  test('a change is audited with [old, new] of each field it changes, emits no event, and the same policy again changes nothing', async () => {
    await put({ timezone: 'UTC', business_hours: office });
    const events = async () => (await app().db`select count(*)::int as n from events`)[0].n;
    const before = await events();
    const r = await put({ timezone: 'UTC', business_hours: office, warning_percent: 75, holidays: ['2026-05-01'] });
    assert.equal(r.status, 200);
    assert.equal(await events(), before, 'no event');
    const log = await app().call('GET', '/audit-logs?entity_type=sla_policy&limit=1', { key: admin.key });
    assert.equal(log.status, 200, log.text);
    const [entry] = log.body.items;
    assert.equal(entry.action, 'sla_policy.updated');
    assert.deepEqual(entry.actor, { id: admin.id, full_name: entry.actor.full_name });
    assert.deepEqual(entry.changes, { warning_percent: [80, 75], holidays: [[], ['2026-05-01']] });
    const again = await put({ timezone: 'UTC', business_hours: office, warning_percent: 75, holidays: ['2026-05-01'] });
    assert.equal(again.status, 200);
    const after = await app().call('GET', '/audit-logs?entity_type=sla_policy', { key: admin.key });
    assert.equal(after.body.items[0].id, entry.id, 'the same policy again writes no audit row');
  });

  test('the database refuses to rewrite a policy version the server wrote', async () => {
    await assert.rejects(app().serverDb`update sla_policies set policy = policy`, { code: '42501' });
    await assert.rejects(app().serverDb`delete from sla_policies`, { code: '42501' });
  });
});
