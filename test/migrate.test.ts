// The migration runner: order, checksums, idempotent re-runs, and two runners at once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { connect, type Sql } from '../src/db/index.ts';
import { migrate, migrationStatus, readMigrations } from '../src/migrate.ts';
import { freshDatabase } from './helpers.ts';

/** An empty database (the template's schema dropped) and a folder of migration files. */
async function emptyDatabase(): Promise<Sql> {
  const db = connect(await freshDatabase(), { max: 4 });
  await db.unsafe('drop schema public cascade; create schema public;');
  return db;
}

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-migrations-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('migrations', () => {
  const open: Sql[] = [];
  after(async () => { await Promise.all(open.map((db) => db.end())); });
  const fresh = async () => { const db = await emptyDatabase(); open.push(db); return db; };

  test('files apply in numeric order, each recorded with its checksum', async () => {
    const db = await fresh();
    const dir = folder({
      '0002_add_column.sql': 'alter table things add column colour text;',
      '0001_things.sql': 'create table things (id int primary key);',
    });
    assert.deepEqual(await migrate(db, readMigrations(dir)), ['0001_things.sql', '0002_add_column.sql']);
    const rows = await db`select version, name, length(checksum) as len from schema_migrations order by version`;
    assert.deepEqual(rows.map((r) => [r.version, r.name, r.len]), [[1, 'things', 64], [2, 'add_column', 64]]);
    const status = await migrationStatus(db, readMigrations(dir));
    assert.ok(status.every((s) => s.applied_at instanceof Date));
  });

  test('running again applies nothing', async () => {
    const db = await fresh();
    const dir = folder({ '0001_things.sql': 'create table things (id int primary key);' });
    await migrate(db, readMigrations(dir));
    assert.deepEqual(await migrate(db, readMigrations(dir)), []);
  });

  test('a pending migration shows as pending in the status', async () => {
    const db = await fresh();
    const dir = folder({ '0001_things.sql': 'create table things (id int primary key);' });
    await migrate(db, readMigrations(dir));
    fs.writeFileSync(path.join(dir, '0002_more.sql'), 'create table more (id int);');
    const status = await migrationStatus(db, readMigrations(dir));
    assert.deepEqual(status.map((s) => [s.version, s.applied_at === null]), [[1, false], [2, true]]);
  });

  test('an applied file that was edited is refused with a clear message', async () => {
    const db = await fresh();
    const dir = folder({ '0001_things.sql': 'create table things (id int primary key);' });
    await migrate(db, readMigrations(dir));
    fs.writeFileSync(path.join(dir, '0001_things.sql'), 'create table things (id bigint primary key);');
    await assert.rejects(migrate(db, readMigrations(dir)), /0001_things\.sql was changed after it was applied/);
  });

  test('a failing file rolls back alone; the ones before it stay applied', async () => {
    const db = await fresh();
    const dir = folder({
      '0001_things.sql': 'create table things (id int primary key);',
      '0002_broken.sql': 'create table half (id int); select * from no_such_table;',
    });
    await assert.rejects(migrate(db, readMigrations(dir)), /0002_broken\.sql failed/);
    const [{ half }] = await db`select to_regclass('half') is not null as half`;
    assert.equal(half, false);
    const versions = await db`select version from schema_migrations`;
    assert.deepEqual(versions.map((r) => r.version), [1]);
  });

  test('file names must be numbered without gaps', () => {
    assert.throws(() => readMigrations(folder({ '0001_a.sql': '', '0003_c.sql': '' })), /without gaps/);
    assert.throws(() => readMigrations(folder({ 'init.sql': '' })), /0001_name\.sql/);
  });

  test('two runners at once apply each file exactly once', async () => {
    const db = await fresh();
    const other = connect(dbUrl(db), { max: 2 });
    open.push(other);
    const dir = folder({
      '0001_slow.sql': 'create table slow (id int); select pg_sleep(0.3);',
      '0002_counter.sql': 'create table counter (n int); insert into counter values (1);',
    });
    const results = await Promise.all([migrate(db, readMigrations(dir)), migrate(other, readMigrations(dir))]);
    // The lock is each file's transaction's (it must hold through a transaction pooler), so
    // the two may share the work; each file is applied by exactly one of them.
    assert.deepEqual(results.flat().sort(), ['0001_slow.sql', '0002_counter.sql']);
    const [{ n }] = await db`select count(*)::int as n from counter`;
    assert.equal(n, 1);
  });

  test('the real schema applies on an empty database and again is a no-op', async () => {
    const db = await fresh();
    assert.ok((await migrate(db)).includes('0001_init.sql'));
    assert.deepEqual(await migrate(db), []);
  });
});

/** Rebuilds the URL of a postgres.js handle so a second, independent pool can reach the same database. */
function dbUrl(db: Sql): string {
  const o = db.options as unknown as { host: string[]; port: number[]; user: string; pass: string | null; database: string };
  const auth = o.pass ? `${encodeURIComponent(o.user)}:${encodeURIComponent(o.pass)}` : encodeURIComponent(o.user);
  return `postgres://${auth}@${o.host[0]}:${o.port[0]}/${o.database}`;
}
