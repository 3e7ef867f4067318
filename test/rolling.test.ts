// A rolling upgrade (issue 21, point 4): the new code's migrations are applied while an
// instance of the old code serves under load, then the new instances start. The migration
// alters the hot tables (a column, defaults, a constraint, an index), which invalidates
// every statement the serving instance has prepared; nothing it acknowledged may be lost or stored wrong. A call
// whose transaction lost a deadlock against the migration's locks is refused with 503 (and
// writes nothing); single statements are retried once instead (src/db/index.ts).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { connect } from '../src/db/index.ts';
import { migrate, readMigrations, type Migration } from '../src/migrate.ts';
import { type Reply, serverUrl, startApp, VIA_PGBOUNCER } from './helpers.ts';

// Every write inserts an audit row, so audit_logs gets the new column: requests and
// comments keep theirs, as on PostgreSQL 15 and 16 a column cannot be added to a table
// whose row type a function with a SQL-standard body uses (request_json, comment_json).
const ALTER_HOT_TABLES = `
alter table audit_logs add column rolling_note text not null default 'none';
alter table comments alter column body set default '';
alter table requests alter column description set default '(none)';
alter table requests add constraint requests_rolling_title check (length(title) < 1000) not valid;
create index requests_rolling on requests (priority, created_at);
`;

function nextMigration(text: string): Migration {
  const version = readMigrations().length + 1;
  return { version, name: 'rolling', file: `${String(version).padStart(4, '0')}_rolling.sql`, text, checksum: crypto.createHash('sha256').update(text).digest('hex') };
}

test('while one instance serves creates, comments and edits, a migration altering the hot tables (a column of audit_logs, defaults, a constraint, an index) is applied: every acknowledged write is there and exact, no call fails', async (t) => {
  const old = await startApp({ DB_POOL_MAX: '6', DB_TX_POOL_MAX: '3' });
  const migrator = connect(await serverUrl(old.dbUrl), { max: 2, txMax: 2, prepare: !VIA_PGBOUNCER });
  let next: Awaited<ReturnType<typeof startApp>> | undefined;
  try {
    const admin = await old.user('ADMIN');
    // Prepared before the migration, so the serving instance holds plans of the old tables.
    await old.call('POST', '/requests', { key: admin.key, body: { title: 'warm up' } });
    const requests = new Map<string, { title: string; priority: string; description: string; edits: number }>();
    const comments: { id: string; request: string; internal: boolean; body: string }[] = [];
    const failures: string[] = [];
    // Answered 503 (nothing acknowledged): what the call tried to write must not be there.
    const refused: { title?: string; comment?: string }[] = [];
    const busy = (r: Reply) => r.status === 503 && r.body?.code === 'database_unavailable' && Number(r.headers['retry-after']) >= 1;
    let migrated = false;
    let stopped = false;
    let after = 0;
    const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];
    const client = async (c: number) => {
      for (let i = 0; !stopped; i++) {
        const want = { title: `rolling ${c}.${i}`, priority: PRIORITIES[(c + i) % 4], description: `before ${i}` };
        const r = await old.call('POST', '/requests', { key: admin.key, body: want });
        if (busy(r)) { refused.push({ title: want.title }); continue; }
        if (r.status !== 201) { failures.push(`create ${r.status} ${r.text.slice(0, 200)}`); continue; }
        if (migrated) after++;
        const mine = { ...want, edits: 0 };
        requests.set(r.body.id, mine);
        const internal = i % 2 === 1;
        const cm = await old.call('POST', `/requests/${r.body.id}/comments`, { key: admin.key, body: { body: `c ${c}.${i}`, internal } });
        if (cm.status === 201) comments.push({ id: cm.body.id, request: r.body.id, internal, body: `c ${c}.${i}` });
        else if (busy(cm)) refused.push({ comment: `c ${c}.${i}` });
        else failures.push(`comment ${cm.status} ${cm.text.slice(0, 200)}`);
        const title = `edited ${c}.${i}`;
        const ed = await old.call('PATCH', `/requests/${r.body.id}`, { key: admin.key, body: { title } });
        if (ed.status === 200) { mine.title = title; mine.edits++; } else if (!busy(ed)) failures.push(`edit ${ed.status} ${ed.text.slice(0, 200)}`);
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, (_, c) => client(c)));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = Date.now();
    const applied = await migrate(migrator, [...readMigrations(), nextMigration(ALTER_HOT_TABLES)]).catch(async (err) => {
      stopped = true; // the migration's error, not the load's cut connections, is the failure
      await load.catch(() => {});
      throw err;
    });
    const migrationMs = Date.now() - started;
    migrated = true;
    // The old instance goes on serving on the new schema for a while.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    stopped = true;
    await load;
    assert.equal(applied.length, 1, 'the new migration applied, once');
    assert.deepEqual(failures, [], 'every call during the upgrade succeeded or was refused with 503 and Retry-After');
    assert.ok(refused.length <= requests.size / 20, `${refused.length} calls refused`);
    const titles = refused.flatMap((x) => (x.title ? [x.title] : []));
    const bodies = refused.flatMap((x) => (x.comment ? [x.comment] : []));
    const [{ n: leftovers }] = await old.db`select (select count(*) from requests where title = any(${titles}))
      + (select count(*) from comments where body = any(${bodies}))::int as n`;
    assert.equal(Number(leftovers), 0, 'a refused call wrote nothing');
    assert.ok(after > 0, 'the old instance kept acknowledging writes after the migration');
    t.diagnostic(`${requests.size} requests (${after} after the migration, which took ${migrationMs} ms), ${comments.length} comments acknowledged; ${refused.length} calls refused with 503`);

    const ids = [...requests.keys()];
    const stored = await old.db`select id, title, priority, description from requests where id in ${old.db(ids)}`;
    assert.equal(stored.length, ids.length, 'every acknowledged request is stored');
    for (const row of stored) {
      const want = requests.get(row.id)!;
      assert.deepEqual([row.title, row.priority, row.description], [want.title, want.priority, want.description]);
    }
    const audits = await old.db`select entity_id, count(*)::int as n from audit_logs where entity_id in ${old.db(ids)} group by entity_id`;
    for (const a of audits) assert.equal(a.n, 1 + requests.get(a.entity_id)!.edits, 'one audit row per acknowledged change');
    assert.equal(audits.length, ids.length);
    const storedComments = await old.db`select id, request_id, internal, body from comments where id in ${old.db(comments.map((c) => c.id))}`;
    assert.equal(storedComments.length, comments.length, 'every acknowledged comment is stored');
    for (const want of comments) {
      const got = storedComments.find((c) => c.id === want.id)!;
      assert.deepEqual([got.request_id, got.internal, got.body], [want.request, want.internal, want.body]);
    }
    const notes = await old.db`select distinct rolling_note from audit_logs`;
    assert.deepEqual(notes.map((n) => n.rolling_note), ['none'], 'rows the old code wrote after the migration have the default');

    // The new code's instance starts on the migrated database beside the old one.
    next = await startApp({}, old.dbUrl);
    const [someId] = ids;
    const [a, b] = await Promise.all([old, next].map((app) => app.call('GET', `/requests/${someId}`, { key: admin.key })));
    assert.equal(a.status, 200);
    assert.deepEqual([b.status, b.body.title, b.headers.etag], [200, a.body.title, a.headers.etag], 'both generations answer the same');
  } finally {
    await next?.close();
    await migrator.end({ timeout: 5 });
    await old.close();
  }
});
