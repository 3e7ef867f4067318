// GET /requests: every filter, keyset pagination under concurrent inserts, and the
// query plans that keep deep pages as cheap as the first.
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { query, statementFor } from '../src/db/index.ts';
import { problem, startApp, useApp } from './helpers.ts';

describe('listing requests', () => {
  const app = useApp();
  let emp: { id: string; key: string };
  let emp2: { id: string; key: string };
  let agent: { id: string; key: string };
  let admin: { id: string; key: string };
  const ids: Record<string, string> = {};

  before(async () => {
    emp = await app().user('EMPLOYEE');
    emp2 = await app().user('EMPLOYEE');
    agent = await app().user('AGENT');
    admin = await app().user('ADMIN');
    const make = async (key: string, name: string, body: Record<string, unknown>) => {
      const r = await app().call('POST', '/requests', { key, body: { title: name, ...body } });
      ids[name] = r.body.id;
      return r.body.id;
    };
    await make(emp.key, 'Laptop battery swelling', { description: 'The battery bulges under the keyboard', priority: 'URGENT' });
    await make(emp.key, 'Printer jams on tray two', { priority: 'LOW' });
    await make(emp2.key, 'Need access to the finance share', { description: 'For the quarterly close' });
    const taken = await make(emp2.key, 'Monitor flickers', { priority: 'HIGH' });
    await app().call('PATCH', `/requests/${taken}/status`, { key: agent.key, body: { status: 'IN_PROGRESS' } });
    const canceled = await make(emp.key, 'Mouse broken', {});
    await app().call('PATCH', `/requests/${canceled}/status`, { key: emp.key, body: { status: 'CANCELED' } });
  });

  const titles = async (key: string, qs: string) => {
    const r = await app().call('GET', `/requests${qs}`, { key });
    assert.equal(r.status, 200, r.text);
    return r.body.items.map((x: any) => x.title);
  };

  test('newest first, and an employee sees only their own', async () => {
    assert.deepEqual(await titles(emp.key, ''), ['Mouse broken', 'Printer jams on tray two', 'Laptop battery swelling']);
    assert.equal((await titles(agent.key, '')).length, 5);
  });

  test('status takes a comma list', async () => {
    assert.deepEqual(await titles(admin.key, '?status=IN_PROGRESS,CANCELED'), ['Mouse broken', 'Monitor flickers']);
  });

  test('the queue is status=NEW&assignee_id=none', async () => {
    assert.deepEqual(await titles(agent.key, '?status=NEW&assignee_id=none'), ['Need access to the finance share', 'Printer jams on tray two', 'Laptop battery swelling']);
  });

  test('assignee_id accepts me and a UUID; created_by accepts me and a UUID', async () => {
    assert.deepEqual(await titles(agent.key, '?assignee_id=me'), ['Monitor flickers']);
    assert.deepEqual(await titles(admin.key, `?assignee_id=${agent.id}`), ['Monitor flickers']);
    assert.deepEqual(await titles(admin.key, `?created_by=${emp2.id}`), ['Monitor flickers', 'Need access to the finance share']);
    assert.deepEqual(await titles(emp2.key, '?created_by=me&status=NEW'), ['Need access to the finance share']);
  });

  test('priority filters', async () => {
    assert.deepEqual(await titles(admin.key, '?priority=URGENT'), ['Laptop battery swelling']);
  });

  test('q is full-text over title and description, with stemming', async () => {
    assert.deepEqual(await titles(admin.key, '?q=batteries'), ['Laptop battery swelling']);
    assert.deepEqual(await titles(admin.key, '?q=quarterly'), ['Need access to the finance share']);
    assert.deepEqual(await titles(admin.key, '?q=jammed%20printer'), ['Printer jams on tray two']);
    assert.deepEqual(await titles(emp2.key, '?q=battery'), [], 'an employee searches only their own');
  });

  test('created_after and created_before bound the creation time', async () => {
    const [{ created_at }] = await app().db`select created_at from requests where id = ${ids['Monitor flickers']}`;
    const at = encodeURIComponent(created_at.toISOString());
    assert.deepEqual(await titles(admin.key, `?created_after=${at}`), ['Mouse broken', 'Monitor flickers']);
    assert.deepEqual(await titles(admin.key, `?created_before=${at}`), ['Need access to the finance share', 'Printer jams on tray two', 'Laptop battery swelling']);
  });

  test('malformed filters and cursors are 400 invalid_query', async () => {
    for (const qs of ['status=OPEN', 'status=', 'priority=MEDIUM', 'assignee_id=someone', 'created_by=none', 'created_after=yesterday',
      'limit=abc', 'limit=500', 'cursor=zzz', 'cursor=czoxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMw', 'sort=title', 'status=NEW&status=DONE']) {
      problem(await app().call('GET', `/requests?${qs}`, { key: admin.key }), 400, 'invalid_query');
    }
  });
});

describe('keyset pagination', () => {
  const app = useApp();

  test('walking every page finds each row exactly once while new rows are inserted between pages', async () => {
    const emp = await app().user('EMPLOYEE');
    const agent = await app().user('AGENT');
    await app().db`
      insert into requests (title, created_by)
      select 'bulk ' || i, ${emp.id}::uuid from generate_series(1, 230) as i`;
    const existing = new Set((await app().db`select id from requests`).map((r) => r.id));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await app().call('GET', `/requests?limit=37${cursor ? `&cursor=${cursor}` : ''}`, { key: agent.key });
      assert.equal(r.status, 200);
      seen.push(...r.body.items.map((x: any) => x.id));
      cursor = r.body.next_cursor;
      pages++;
      // Someone files a request between our pages: it is newer, so it belongs before page one.
      await app().call('POST', '/requests', { key: emp.key, body: { title: `late ${pages}` } });
    } while (cursor);
    assert.equal(seen.length, new Set(seen).size, 'no duplicates');
    assert.deepEqual(new Set(seen), existing, 'every row that existed at the start, and only those');
    assert.equal(pages, Math.ceil(230 / 37));
  });

  test('the hot lists keep one cached plan: an index scan from the cursor, never a sort of the table', async () => {
    // Realistic proportions: most requests closed, one employee with a few among many.
    const emp = await app().user('EMPLOYEE');
    const other = await app().user('EMPLOYEE');
    await app().db`insert into requests (title, created_by) select 'plan ' || i, ${other.id}::uuid from generate_series(1, 20000) as i`;
    await app().db`insert into requests (title, created_by) select 'mine ' || i, ${emp.id}::uuid from generate_series(1, 60) as i`;
    await app().db`update requests set status = 'CANCELED' where created_by = ${other.id} and number % 20 <> 0`;
    await app().db`analyze requests`;
    const [{ mid }] = await app().db`select (max(number) - 15000)::text as mid from requests`;
    // Run a statement as the server does (src/db/index.ts: a named prepared statement),
    // ten times on one connection, in PostgreSQL's default plan_cache_mode; then read how
    // often it was planned and the plan it would use now.
    const asServed = async (file: string, params: unknown[]) => {
      const reserved = await app().db.reserve();
      try {
        await reserved.unsafe('deallocate all'); // as on a new connection: no history of this statement
        for (let i = 0; i < 10; i++) await query(reserved, `requests/${file}`, params);
        const [ps] = await reserved`select name, generic_plans::int, custom_plans::int from pg_prepared_statements where statement = ${statementFor(reserved, `requests/${file}`)}`;
        const literal = (v: unknown) => (v === null ? 'null' : typeof v === 'number' ? String(v) : `'${v}'`);
        const plan = (await reserved.unsafe(`explain execute "${ps.name}"(${params.map(literal).join(', ')})`)).map((r: any) => r['QUERY PLAN']).join('\n');
        return { generic: ps.generic_plans, custom: ps.custom_plans, plan };
      } finally {
        await reserved.unsafe('deallocate all').catch(() => {});
        reserved.release();
      }
    };
    const cached = (s: { generic: number; custom: number }) =>
      assert.ok(s.generic >= 5 && s.custom <= 5, `planned per call: ${JSON.stringify(s)}`);
    const nobody = '00000000-0000-0000-0000-000000000000';
    const deep = await asServed('list_recent', [mid, 51, true, '{}', nobody]);
    cached(deep);
    assert.match(deep.plan, /Index Scan Backward using requests_number_key/);
    assert.doesNotMatch(deep.plan, /Sort|Seq Scan on requests/);
    // An agent's view (the pool, two teams, their own work) keeps the same walk and plan.
    const agentsView = await asServed('list_recent', [mid, 51, false, `{${crypto.randomUUID()},${crypto.randomUUID()}}`, nobody]);
    cached(agentsView);
    assert.match(agentsView.plan, /Index Scan Backward using requests_number_key/);
    assert.doesNotMatch(agentsView.plan, /Sort|Seq Scan on requests/);
    const queue = await asServed('list_queue', [mid, 51, true, '{}']);
    cached(queue);
    assert.match(queue.plan, /requests_queue_number/);
    assert.doesNotMatch(queue.plan, /Sort|Seq Scan on requests/);
    // One person's list is planned per call (sent unnamed): for these values, only that
    // person's rows are read, whether they have few requests or most of them. (A cached
    // plan walks every request by number for the one with few: PostgreSQL costs the
    // creator index's heap reads as random, by the creator column's correlation.)
    for (const who of [emp.id, other.id]) {
      const reserved = await app().db.reserve();
      try {
        await reserved.unsafe(`prepare probe(uuid, bigint, int, boolean, uuid[], uuid) as ${statementFor(reserved, 'requests/list_recent_by_creator')}`);
        await reserved.unsafe('set plan_cache_mode = force_custom_plan');
        const own = (await reserved.unsafe(`explain execute probe('${who}', null, 51, true, '{}', '${who}')`)).map((r: any) => r['QUERY PLAN']).join('\n');
        assert.match(own, /Index (Only )?Scan using requests_created_by_number|Index (Only )?Scan Backward using requests_number_key/);
        if (who === emp.id) assert.match(own, /Index (Only )?Scan using requests_created_by_number/);
        assert.doesNotMatch(own, /Seq Scan on requests/);
      } finally {
        await reserved.unsafe('deallocate all; reset plan_cache_mode').catch(() => {});
        reserved.release();
      }
    }
    // A team's queue walks that team's queue alone.
    const [{ id: teamId }] = await app().db`insert into teams (name) values ('Plans') returning id::text`;
    // Most of the team's requests closed, as in the rest of this table.
    await app().db`insert into requests (title, created_by, team_id) select 'team ' || i, ${other.id}::uuid, ${teamId}::uuid from generate_series(1, 3000) as i`;
    await app().db`update requests set status = 'CANCELED' where team_id = ${teamId} and number % 20 <> 0`;
    await app().db`analyze requests`;
    const teamQueue = await asServed('list_team_queue', [teamId, null, 51, false, `{${teamId}}`]);
    cached(teamQueue);
    assert.match(teamQueue.plan, /requests_team_queue_number/);
    assert.doesNotMatch(teamQueue.plan, /Sort|Seq Scan on requests/);
  });

  test('a hot list keeps its cached plan on a long-lived connection while the table grows sixfold', async () => {
    // From 10 000 rows, where the estimate of the statement's constant inner limit (1000)
    // caps its cost (sql/queries/requests/list_recent.sql); a smaller table still grows it.
    const grown = await startApp();
    try {
      const emp = await grown.user('EMPLOYEE');
      const add = (n: number) => grown.db`insert into requests (title, created_by) select 'grow ' || i, ${emp.id}::uuid from generate_series(1, ${n}) as i`;
      await add(10000);
      await grown.db`analyze requests`;
      const reserved = await grown.db.reserve();
      try {
        const [{ id: teamId }] = await grown.db`insert into teams (name) values ('Grown') returning id::text`;
        const calls = [
          ['list_recent', [null, 51, false, '{}', emp.id]], ['list_queue', [null, 51, false, '{}']],
          ['list_team_queue', [teamId, null, 51, true, '{}']],
        ] as const;
        const run = async () => { for (let i = 0; i < 10; i++) for (const [file, params] of calls) await query(reserved, `requests/${file}`, [...params]); };
        const plans = async () => {
          const out: Record<string, { generic: number; custom: number }> = {};
          for (const [file] of calls) {
            const [ps] = await reserved`select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where statement = ${statementFor(reserved, `requests/${file}`)}`;
            out[file] = ps as unknown as { generic: number; custom: number };
          }
          return out;
        };
        await reserved.unsafe('deallocate all');
        await run();
        const before = await plans();
        await add(50000);
        await grown.db`analyze requests`; // re-costs the cached plans
        await run();
        const after = await plans();
        for (const [file] of calls) {
          // Planned per call again, the custom plans would keep adding up after the ANALYZE.
          assert.equal(after[file].custom, before[file].custom, `${file}: ${JSON.stringify({ before: before[file], after: after[file] })}`);
          assert.equal(after[file].generic, before[file].generic + 10, file);
        }
      } finally {
        await reserved.unsafe('deallocate all').catch(() => {});
        reserved.release();
      }
    } finally {
      await grown.close();
    }
  });
});
