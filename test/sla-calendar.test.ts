// Business minutes (API.md, "SLA"): every case runs through the pure module
// (src/sla/calendar.ts) and through its twin in the database (sla_add_business_minutes,
// which files and re-prioritises requests), and both must give the expected instant — as
// the status machine is tested in both places.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, type Sql } from '../src/db/index.ts';
import {
  addBusinessMinutes, businessMinutesBetween, type Calendar, type Day, DAYS, type Range, warningAt, weeklyBusinessMinutes, zonedInstant,
} from '../src/sla/calendar.ts';
import { freshDatabase } from './helpers.ts';

type Hours = Calendar['business_hours'];
const week = (ranges: [string, string][], days: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri']): Hours =>
  Object.fromEntries(DAYS.map((d) => [d, days.includes(d) ? ranges : []])) as unknown as Hours;
const allWeek = (ranges: [string, string][]) => week(ranges, [...DAYS]);
const cal = (timezone: string, business_hours: Hours, holidays: string[] = []): Calendar => ({ timezone, business_hours, holidays });

const OFFICE = week([['09:00', '18:00']]);
const ALWAYS = allWeek([['00:00', '24:00']]);

interface Case { name: string; calendar: Calendar; start: string; minutes: number; due: string }

const CASES: Case[] = [
  {
    name: 'Friday 17:50 plus 30 minutes on Mon–Fri 09:00–18:00 is Monday 09:20',
    calendar: cal('UTC', OFFICE), start: '2026-06-05T17:50:00Z', minutes: 30, due: '2026-06-08T09:20:00.000Z',
  },
  {
    name: 'the same in Europe/Berlin over the weekend the clocks go forward (Monday 09:20 CEST)',
    calendar: cal('Europe/Berlin', OFFICE), start: '2026-03-27T16:50:00Z', minutes: 30, due: '2026-03-30T07:20:00.000Z',
  },
  {
    name: 'a due time on the end of the day is that end, not the next morning',
    calendar: cal('UTC', OFFICE), start: '2026-06-05T17:50:00Z', minutes: 10, due: '2026-06-05T18:00:00.000Z',
  },
  {
    name: 'a start before opening counts from the opening; a Saturday start from Monday',
    calendar: cal('UTC', OFFICE), start: '2026-06-06T11:00:00Z', minutes: 60, due: '2026-06-08T10:00:00.000Z',
  },
  {
    name: 'a lunch break is skipped',
    calendar: cal('UTC', week([['09:00', '12:00'], ['13:00', '17:00']])), start: '2026-06-03T11:30:00Z', minutes: 60, due: '2026-06-03T13:30:00.000Z',
  },
  {
    name: 'holidays are skipped: Christmas Eve 17:00 plus 2 hours, with the 25th a holiday, is Monday the 28th 10:00',
    calendar: cal('UTC', OFFICE, ['2026-12-25']), start: '2026-12-24T17:00:00Z', minutes: 120, due: '2026-12-28T10:00:00.000Z',
  },
  {
    name: 'holidays are dates in the policy\'s zone: a Tokyo holiday is skipped from 15:00 UTC the day before',
    calendar: cal('Asia/Tokyo', ALWAYS, ['2026-06-10']), start: '2026-06-09T14:30:00Z', minutes: 60, due: '2026-06-10T15:30:00.000Z',
  },
  {
    name: 'Europe/Berlin, spring forward: Sunday 00:00–06:00 on 2026-03-29 holds 5 real hours',
    calendar: cal('Europe/Berlin', allWeek([['00:00', '06:00']])), start: '2026-03-28T23:00:00Z', minutes: 300, due: '2026-03-29T04:00:00.000Z',
  },
  {
    name: 'Europe/Berlin, spring forward: one minute more goes on to Monday 00:01',
    calendar: cal('Europe/Berlin', allWeek([['00:00', '06:00']])), start: '2026-03-28T23:00:00Z', minutes: 301, due: '2026-03-29T22:01:00.000Z',
  },
  {
    name: 'Europe/Berlin, fall back: Sunday 00:00–06:00 on 2026-10-25 holds 7 real hours',
    calendar: cal('Europe/Berlin', allWeek([['00:00', '06:00']])), start: '2026-10-24T22:00:00Z', minutes: 400, due: '2026-10-25T04:40:00.000Z',
  },
  {
    name: 'Europe/Berlin, a range that starts in the skipped hour (02:30) starts at 03:30 CEST',
    calendar: cal('Europe/Berlin', allWeek([['02:30', '05:00']])), start: '2026-03-28T23:00:00Z', minutes: 90, due: '2026-03-29T03:00:00.000Z',
  },
  {
    name: 'Europe/Berlin 24×7: 24 hours from Saturday noon is Sunday 13:00 on the wall clock',
    calendar: cal('Europe/Berlin', ALWAYS), start: '2026-03-28T11:00:00Z', minutes: 1440, due: '2026-03-29T11:00:00.000Z',
  },
  {
    name: 'America/New_York, spring forward: Sunday 01:00–04:00 on 2026-03-08 holds 2 real hours, then Monday',
    calendar: cal('America/New_York', { ...week([['09:00', '17:00']]), sun: [['01:00', '04:00']] }), start: '2026-03-08T06:00:00Z', minutes: 150, due: '2026-03-09T13:30:00.000Z',
  },
  {
    name: 'America/New_York, fall back: Sunday 00:00–03:00 on 2026-11-01 holds 4 real hours',
    calendar: cal('America/New_York', allWeek([['00:00', '03:00']])), start: '2026-11-01T04:00:00Z', minutes: 210, due: '2026-11-01T07:30:00.000Z',
  },
  {
    name: 'America/New_York, office hours over the fall-back weekend: Friday 17:30 EDT plus 60 is Monday 09:30 EST',
    calendar: cal('America/New_York', OFFICE), start: '2026-10-30T21:30:00Z', minutes: 60, due: '2026-11-02T14:30:00.000Z',
  },
  {
    name: '24×7 in UTC is elapsed time',
    calendar: cal('UTC', ALWAYS), start: '2026-06-05T17:50:00.123Z', minutes: 90, due: '2026-06-05T19:20:00.123Z',
  },
  {
    name: 'a target longer than a week: two weeks and 30 minutes of office time, with a holiday inside',
    calendar: cal('Europe/Berlin', OFFICE, ['2026-06-10']), start: '2026-06-01T07:00:00Z', minutes: 10 * 540 + 30, due: '2026-06-16T07:30:00.000Z',
  },
  {
    name: 'a target of 30 days round the clock crosses the fall-back change',
    calendar: cal('Europe/Berlin', ALWAYS), start: '2026-10-10T10:00:00Z', minutes: 30 * 1440, due: '2026-11-09T10:00:00.000Z',
  },
];

describe('business minutes', () => {
  let db: Sql;
  before(async () => { db = connect(await freshDatabase(), { max: 2 }); });
  after(async () => { await db?.end(); });

  const inSql = async (start: number, minutes: number, c: Calendar) => {
    const [row] = await db`select sla_add_business_minutes(${new Date(start)}::timestamptz, ${minutes}::numeric, ${c as never}::jsonb) as due`;
    return (row.due as Date).getTime();
  };

  for (const c of CASES) {
    test(c.name, async () => {
      const start = Date.parse(c.start);
      assert.equal(new Date(addBusinessMinutes(start, c.minutes, c.calendar)).toISOString(), c.due, 'src/sla/calendar.ts');
      assert.equal(new Date(await inSql(start, c.minutes, c.calendar)).toISOString(), c.due, 'sla_add_business_minutes');
      assert.equal(businessMinutesBetween(start, Date.parse(c.due), c.calendar), c.minutes, 'the inverse gives the minutes back');
    });
  }

  test('the warning instant is warning_percent of the business time: 80 % of 30 minutes from Friday 17:50 is Monday 09:14', async () => {
    const start = Date.parse('2026-06-05T17:50:00Z');
    const c = cal('UTC', OFFICE);
    assert.equal(new Date(warningAt(start, 30, 80, c)).toISOString(), '2026-06-08T09:14:00.000Z');
    assert.equal(new Date(await inSql(start, 24, c)).toISOString(), '2026-06-08T09:14:00.000Z');
    assert.equal(new Date(warningAt(start, 1, 80, cal('UTC', ALWAYS))).toISOString(), '2026-06-05T17:50:48.000Z', 'fractions of a minute count');
  });

  test('local times the clock skips or shows twice read as PostgreSQL reads them', async () => {
    const cases: [string, number, string][] = [
      ['Europe/Berlin', Date.UTC(2026, 2, 29, 2, 30), '2026-03-29 02:30'],
      ['Europe/Berlin', Date.UTC(2026, 9, 25, 2, 30), '2026-10-25 02:30'],
      ['America/New_York', Date.UTC(2026, 2, 8, 2, 30), '2026-03-08 02:30'],
      ['America/New_York', Date.UTC(2026, 10, 1, 1, 30), '2026-11-01 01:30'],
      ['Australia/Lord_Howe', Date.UTC(2026, 9, 4, 2, 15), '2026-10-04 02:15'],
    ];
    for (const [zone, wall, text] of cases) {
      const d = new Date(wall);
      const ours = zonedInstant({ y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() }, d.getUTCHours() * 60 + d.getUTCMinutes(), zone);
      const [row] = await db`select (${text}::timestamp at time zone ${zone}) as t`;
      assert.equal(new Date(ours).toISOString(), (row.t as Date).toISOString(), `${text} ${zone}`);
    }
  });

  test('both agree on 300 random calendars, zones, starts and targets', async () => {
    let seed = 20260329;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago'];
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const cases: { start: number; minutes: number; c: Calendar }[] = [];
    for (let i = 0; i < 300; i++) {
      const hours = Object.fromEntries(DAYS.map((d) => {
        const ranges: [string, string][] = [];
        let at = rnd(4) * 30;
        for (let k = rnd(3); k > 0 && at < 1440; k--) {
          const end = Math.min(1440, at + 30 + rnd(16) * 30);
          ranges.push([hhmm(at), hhmm(end)]);
          at = end + rnd(4) * 60;
        }
        return [d, ranges];
      })) as unknown as Hours;
      if (weeklyBusinessMinutes(hours) === 0) (hours as Record<Day, Range[]>).wed = [['09:00', '17:00']];
      // Around the changes of 2026 (March, April, September, October, November) and any time.
      const start = Date.UTC(2026, [2, 3, 8, 9, 10][rnd(5)], 1 + rnd(28), rnd(24), rnd(60), rnd(60), rnd(1000));
      const holidays = Array.from({ length: rnd(4) }, () => new Date(start + rnd(20) * 86_400_000).toISOString().slice(0, 10));
      cases.push({ start, minutes: 1 + rnd(6000) + (rnd(2) ? 0.4 : 0), c: cal(zones[rnd(zones.length)], hours, holidays) });
    }
    const rows = await db`
      select sla_add_business_minutes(start, minutes, c) as due
      from jsonb_to_recordset(${cases.map((x, n) => ({ n, start: new Date(x.start).toISOString(), minutes: x.minutes, c: x.c })) as never}::jsonb)
        as t(n int, start timestamptz, minutes numeric, c jsonb)
      order by n`;
    cases.forEach((x, i) => {
      assert.equal((rows[i].due as Date).getTime(), addBusinessMinutes(x.start, x.minutes, x.c), JSON.stringify(x));
    });
  });
});
