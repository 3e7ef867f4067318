// Database roles (sql/migrations/0003_roles.sql): the server's own login cannot bypass the
// audit log, the schema belongs to serviceflow_owner, and the API still works as that login.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { connect, type Sql } from '../src/db/index.ts';
import { migrate, readMigrations } from '../src/migrate.ts';
import { asAppRole, freshDatabase, request, spawnServer, startApp, type TestApp } from './helpers.ts';

describe("the app's role", () => {
  let app: TestApp;
  let asApp: Sql;
  before(async () => {
    app = await startApp();
    asApp = connect(asAppRole(app.dbUrl), { max: 2 });
  });
  after(async () => {
    await asApp.end();
    await app.close();
  });

  test('is a plain login: not a superuser, not the owner, a member of serviceflow_app', async () => {
    const [me] = await asApp`select current_user as name, rolsuper, pg_has_role(current_user, 'serviceflow_owner', 'MEMBER') as owner,
      pg_has_role(current_user, 'serviceflow_app', 'MEMBER') as app from pg_roles where rolname = current_user`;
    assert.deepEqual({ ...me }, { name: new URL(asAppRole(app.dbUrl)).username, rolsuper: false, owner: false, app: true });
  });

  test('may read and append to the audit log, but not change, delete or truncate it', async () => {
    const admin = await app.user('ADMIN');
    await asApp`insert into audit_logs (actor_id, action, entity_type, entity_id) values (${admin.id}, 'user.updated', 'user', ${admin.id})`;
    const [{ n }] = await asApp`select count(*)::int as n from audit_logs`;
    assert.ok(n >= 2);
    for (const statement of [
      'update audit_logs set action = \'user.forged\'',
      'delete from audit_logs',
      'truncate audit_logs',
    ]) {
      await assert.rejects(asApp.unsafe(statement), { code: '42501', message: /permission denied for table audit_logs/ }, statement);
    }
    const [{ same }] = await app.db`select count(*)::int as same from audit_logs where action <> 'user.forged'`;
    assert.equal(same, n);
  });

  test('cannot switch a trigger off or drop one, on the audit log or on requests', async () => {
    for (const statement of [
      'alter table audit_logs disable trigger all',
      'alter table audit_logs disable trigger _100_append_only',
      'drop trigger _100_append_only on audit_logs',
      'alter table requests disable trigger _100_guard',
      'drop function audit_logs__append_only() cascade',
    ]) {
      await assert.rejects(asApp.unsafe(statement), { code: '42501' }, statement);
    }
    const [{ enabled }] = await app.db`select count(*)::int as enabled from pg_trigger where tgname in ('_100_append_only', '_101_no_truncate', '_100_guard') and tgenabled = 'O'`;
    assert.equal(enabled, 3);
  });

  test('cannot create objects of its own in the schema', async () => {
    await assert.rejects(asApp`create table mine (id int)`, { code: '42501' });
  });

  test('serves a whole API flow: users, a request, a comment, a status change, the history', async () => {
    const admin = await app.user('ADMIN');
    const agent = (await app.call('POST', '/users', { key: admin.key, body: { email: 'role-agent@example.com', full_name: 'Agent', role: 'AGENT' } })).body;
    const emp = (await app.call('POST', '/users', { key: admin.key, body: { email: 'role-emp@example.com', full_name: 'Emp' } })).body;
    const req = await app.call('POST', '/requests', { key: emp.api_key, body: { title: 'Printer on fire' } });
    assert.equal(req.status, 201);
    assert.equal((await app.call('POST', `/requests/${req.body.id}/comments`, { key: emp.api_key, body: { body: 'Still burning.' } })).status, 201);
    assert.equal((await app.call('PATCH', `/requests/${req.body.id}/status`, { key: agent.api_key, body: { status: 'IN_PROGRESS' } })).status, 200);
    const history = await app.call('GET', `/requests/${req.body.id}/history`, { key: emp.api_key });
    assert.deepEqual(history.body.items.map((e: any) => e.action).sort(), ['comment.added', 'request.created', 'request.status_changed']);
    // The server's pool (application_name serviceflow) is connected as the app's login only.
    const roles = await app.db`select distinct usename from pg_stat_activity where datname = current_database() and application_name = 'serviceflow'`;
    assert.deepEqual(roles.map((r) => r.usename), [new URL(asAppRole(app.dbUrl)).username]);
  });
});

describe('the schema', () => {
  test('every table, view, sequence and function belongs to serviceflow_owner', async () => {
    const db = connect(await freshDatabase(), { max: 1 });
    try {
      const others = await db`
        select c.relname as name, pg_get_userbyid(c.relowner) as owner from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
          and pg_get_userbyid(c.relowner) <> 'serviceflow_owner'
        union all
        select p.proname, pg_get_userbyid(p.proowner) from pg_proc p
        where p.pronamespace = 'public'::regnamespace and pg_get_userbyid(p.proowner) <> 'serviceflow_owner'`;
      assert.deepEqual([...others], []);
    } finally { await db.end(); }
  });

  test("a later migration runs as the owner, and its tables are granted to the app's role by default", async () => {
    const url = await freshDatabase();
    const db = connect(url, { max: 1 });
    const asApp = connect(asAppRole(url), { max: 1 });
    try {
      const text = 'create table later_things (id bigint generated always as identity, note text);';
      const later = { version: readMigrations().length + 1, name: 'later', file: 'later.sql', text, checksum: crypto.createHash('sha256').update(text).digest('hex') };
      assert.deepEqual(await migrate(db, [...readMigrations(), later]), ['later.sql']);
      const [{ owner }] = await db`select pg_get_userbyid(relowner) as owner from pg_class where oid = 'later_things'::regclass`;
      assert.equal(owner, 'serviceflow_owner');
      await asApp`insert into later_things (note) values ('a')`;
      await asApp`update later_things set note = 'b'`;
      await asApp`delete from later_things`;
      await assert.rejects(asApp`truncate later_things`, { code: '42501' });
    } finally {
      await asApp.end();
      await db.end();
    }
  });
});

describe('a server process', () => {
  test('given a migrator and a login that does not exist yet, it issues the login and serves as it', async () => {
    const url = await freshDatabase();
    const login = new URL(url);
    login.username = `sf_test_login_${crypto.randomBytes(4).toString('hex')}`;
    login.password = crypto.randomBytes(12).toString('hex');
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    const server = await spawnServer({ DATABASE_URL: login.toString(), MIGRATION_DATABASE_URL: url, ADMIN_BOOTSTRAP_KEY: 'bootstrap-key-for-tests-0123456789' });
    try {
      assert.match(server.output(), /"msg":"created the server's database login"/);
      assert.doesNotMatch(server.output(), /can bypass|could disable/);
      assert.ok(!server.output().includes(login.password), 'the password is never logged');
      const boot = await request(server.base, 'POST', '/users', { body: { email: 'first@example.com', full_name: 'First' }, headers: { 'X-Bootstrap-Key': 'bootstrap-key-for-tests-0123456789' } });
      assert.equal(boot.status, 201);
      const roles = await admin`select distinct usename from pg_stat_activity where datname = current_database() and application_name = 'serviceflow'`;
      assert.deepEqual(roles.map((r) => r.usename), [login.username]);
      // Its sessions, a pooler's among them, start with its timeouts and without JIT (src/db/login.ts).
      const asLogin = postgres(login.toString(), { max: 1, onnotice: () => {} });
      try {
        const [s] = await asLogin`select current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock,
          current_setting('idle_in_transaction_session_timeout') as idle, current_setting('jit') as jit`;
        assert.deepEqual({ ...s }, { statement: '15s', lock: '5s', idle: '30s', jit: 'off' });
      } finally {
        await asLogin.end();
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await admin.unsafe(`drop role if exists "${login.username}"`);
      await admin.end();
    }
  });

  test('connected as a superuser, it says the audit log could be bypassed', async () => {
    const url = await freshDatabase();
    const server = await spawnServer({ DATABASE_URL: url, MIGRATION_DATABASE_URL: '' });
    try {
      assert.match(server.output(), /"level":"warn","msg":"the server connects as a superuser or the schema's owner/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
