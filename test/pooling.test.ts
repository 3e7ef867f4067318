// Behind PgBouncer in transaction mode (issue 21, point 1): a server connection is lent for
// one transaction, so the next statement may reach another backend. With DB_PREPARE=false
// every acknowledged write is stored exactly as sent, two instances starting at once apply
// each migration once, and a connection the pooler refuses stops the start naming why.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { MIGRATION_LOCK_KEY, readMigrations } from '../src/migrate.ts';
import { databaseUrl } from './db-url.ts';
import { installed, type Pooler, startPgbouncer } from './fleet.ts';
import { asAppRole, request, spawnServer, startApp, type Proc, type TestApp } from './helpers.ts';

const SERVER = process.env.SF_TEST_SERVER!;
const skip = !installed('pgbouncer') && 'pgbouncer is not installed (apt-get install pgbouncer)';

describe('through PgBouncer in transaction mode', { skip }, () => {
  let pooler: Pooler;
  let app: TestApp;
  before(async () => {
    // Three backends for a server with more connections than that: consecutive statements
    // of one server connection land on different backends all the time.
    pooler = await startPgbouncer(SERVER, [process.env.SF_TEST_APP_URL!], { poolSize: 3 });
    app = await startApp({ DB_POOL_MAX: '8', DB_TX_POOL_MAX: '4' }, undefined, { pooler });
  });
  after(async () => {
    await app?.close();
    await pooler?.close();
  });

  test('every acknowledged write is present and exact: requests, internal and public comments (booleans), user activity and key hashes (bytea), audit changes (jsonb)', async () => {
    const admin = await app.user('ADMIN');
    const acknowledged: { id: string; title: string; priority: string; description: string }[] = [];
    const comments: { id: string; request: string; body: string; internal: boolean }[] = [];
    const users: { id: string; active: boolean; key: string }[] = [];
    const failures: string[] = [];
    const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];
    const client = async (c: number) => {
      for (let i = 0; i < 12; i++) {
        const want = { title: `pooled ${c}.${i}`, priority: PRIORITIES[(c + i) % 4], description: `ünïcödé \\ "${c}" ${i}` };
        const r = await app.call('POST', '/requests', { key: admin.key, body: want });
        if (r.status !== 201) { failures.push(`create ${r.status} ${r.text.slice(0, 200)}`); continue; }
        acknowledged.push({ id: r.body.id, ...want });
        const internal = i % 2 === 0;
        const cm = await app.call('POST', `/requests/${r.body.id}/comments`, { key: admin.key, body: { body: `note ${c}.${i}`, internal } });
        if (cm.status !== 201) failures.push(`comment ${cm.status} ${cm.text.slice(0, 200)}`);
        else comments.push({ id: cm.body.id, request: r.body.id, body: `note ${c}.${i}`, internal });
      }
      const u = await app.call('POST', '/users', { key: admin.key, body: { email: `pooled${c}.${crypto.randomBytes(3).toString('hex')}@example.com`, full_name: `Pooled ${c}`, role: 'AGENT' } });
      if (u.status !== 201) return void failures.push(`user ${u.status} ${u.text.slice(0, 200)}`);
      let active = true;
      // Off, on, off…: a boolean stored wrong shows as a user in the other state.
      for (let i = 0; i < 3; i++) {
        const r = await app.call('PATCH', `/users/${u.body.id}`, { key: admin.key, body: { is_active: !active } });
        if (r.status !== 200) { failures.push(`patch user ${r.status} ${r.text.slice(0, 200)}`); break; }
        assert.equal(r.body.is_active, !active, 'the 200 shows the change');
        active = !active;
      }
      users.push({ id: u.body.id, active, key: u.body.api_key });
    };
    await Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
    assert.deepEqual(failures, [], 'every call succeeded');

    const stored = await app.db`select id, title, priority, description from requests where id in ${app.db(acknowledged.map((r) => r.id))}`;
    assert.equal(stored.length, acknowledged.length, 'every acknowledged request is stored');
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const want of acknowledged) assert.deepEqual({ ...byId.get(want.id) }, want);

    const storedComments = await app.db`select id, request_id, body, internal from comments where id in ${app.db(comments.map((c) => c.id))}`;
    assert.equal(storedComments.length, comments.length, 'every acknowledged comment is stored');
    const commentsById = new Map(storedComments.map((c) => [c.id, c]));
    for (const want of comments) {
      const got = commentsById.get(want.id)!;
      assert.deepEqual([got.request_id, got.body, got.internal], [want.request, want.body, want.internal]);
    }

    const storedUsers = await app.db`select id, is_active, api_key_hash from users where id in ${app.db(users.map((u) => u.id))}`;
    for (const want of users) {
      const got = storedUsers.find((u) => u.id === want.id)!;
      assert.equal(got.is_active, want.active, 'the last acknowledged activity is stored');
      assert.ok(Buffer.from(got.api_key_hash).equals(crypto.createHash('sha256').update(want.key).digest()), 'the key hash is the 32 bytes of the key shown');
    }
    const audits = await app.db`select jsonb_typeof(changes) as type, changes from audit_logs where entity_id in ${app.db(users.map((u) => u.id))} and action = 'user.updated'`;
    assert.equal(audits.length, users.length * 3, 'one audit row per acknowledged change');
    for (const a of audits) {
      assert.equal(a.type, 'object');
      assert.equal(typeof a.changes.is_active[1], 'boolean');
    }
  });

  test('two instances starting at once on an empty database apply each migration once, and leave no advisory lock behind', async () => {
    const name = `${process.env.SF_TEST_TEMPLATE}_empty_${crypto.randomBytes(3).toString('hex')}`;
    const maintenance = postgres(SERVER, { max: 1, onnotice: () => {} });
    await maintenance.unsafe(`create database "${name}"`);
    const direct = databaseUrl(SERVER, name);
    const env = {
      MIGRATION_DATABASE_URL: pooler.url(direct), DATABASE_URL: asAppRole(pooler.url(direct)), DB_PREPARE: 'false',
    };
    const procs: Proc[] = [];
    try {
      procs.push(...(await Promise.all([spawnServer(env), spawnServer(env)])));
      const files = readMigrations().map((m) => m.file);
      const applied = procs.flatMap((p) => {
        const line = p.output().split('\n').find((l) => l.includes('"msg":"migrations applied"'));
        return line ? (JSON.parse(line).files as string[]) : [];
      });
      assert.deepEqual([...applied].sort(), files, 'each file applied by exactly one of them');
      const db = postgres(direct, { max: 1, onnotice: () => {} });
      try {
        const rows = await db`select version from schema_migrations order by version`;
        assert.equal(rows.length, files.length);
        // The migrations' lock, in this database: pg_locks is the whole cluster's, where other
        // test files' transactions take advisory locks of their own at any moment, and the
        // servers' tally folds take theirs every second (sql/queries/reports/lock_tallies.sql).
        // A one-number key is classid 0, objid the number (PostgreSQL's pg_locks docs).
        const [{ n }] = await db`select count(*)::int as n from pg_locks
          where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())
            and classid = 0 and objid = ${MIGRATION_LOCK_KEY}`;
        assert.equal(n, 0, 'the migrations\' advisory lock is not held once both serve');
        for (const p of procs) assert.equal((await request(p.base, 'GET', '/health/ready')).status, 200);
      } finally {
        await db.end();
      }
    } finally {
      for (const p of procs) { p.child.kill('SIGTERM'); await p.exited; }
      await maintenance.unsafe(`drop database if exists "${name}" with (force)`);
      await maintenance.end();
    }
  });

  test('a connection the pooler refuses stops the start at once, and the log names what it said', async () => {
    // A startup parameter PgBouncer does not know, as the old code sent statement_timeout.
    const url = new URL(pooler.url(app.dbUrl));
    url.searchParams.set('statement_timeout', '1000');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: url.toString(), MIGRATION_DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1, output);
    assert.ok(Date.now() - started < 15_000, 'it did not wait a minute for an answer it already had');
    assert.match(output, /refused the connection: unsupported startup parameter: statement_timeout \(SQLSTATE 08P01\)/);
    assert.doesNotMatch(output, /not reachable/);
  });
});

describe('through PgBouncer in session mode', { skip }, () => {
  test('the default DB_PREPARE=true works: a connection is a backend of its own for as long as it lives', async () => {
    const pooler = await startPgbouncer(SERVER, [process.env.SF_TEST_APP_URL!], { poolMode: 'session', poolSize: 20 });
    const app = await startApp({ DB_PREPARE: 'true' }, undefined, { pooler });
    try {
      const admin = await app.user('ADMIN');
      const ids = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const r = await app.call('POST', '/requests', { key: admin.key, body: { title: `session ${i}` } });
        assert.equal(r.status, 201, r.text);
        const c = await app.call('POST', `/requests/${r.body.id}/comments`, { key: admin.key, body: { body: 'n', internal: i % 2 === 0 } });
        assert.equal(c.status, 201, c.text);
        return [c.body.id as string, i % 2 === 0] as const;
      }));
      const rows = await app.db`select id, internal from comments where id in ${app.db(ids.map(([id]) => id))}`;
      assert.deepEqual(new Map(rows.map((r) => [r.id, r.internal])), new Map(ids));
    } finally {
      await app.close();
      await pooler.close();
    }
  });
});
