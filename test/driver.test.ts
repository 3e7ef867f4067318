// The database driver stores the value it was sent, also when it re-sends a statement.
// postgres.js re-sends a prepared statement once when the server no longer knows it
// (SQLSTATE 26000: DEALLOCATE, a transaction pooler) or its cached plan changed result
// type (an ALTER TABLE), and serialises the parameters a second time on the way; with its
// default serialisers `true` became false, a jsonb object a JSON string and bytea
// double-encoded, silently (issue 12, point 10).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import postgres from 'postgres';
import { connect, type Sql } from '../src/db/index.ts';
import { insertComment, insertRequest, updateRequest, type RequestRow } from '../src/db/requests.ts';
import { insertUser, updateUser } from '../src/db/users.ts';
import { hashApiKey, newApiKey } from '../src/users/keys.ts';
import { freshDatabase } from './helpers.ts';

/** One value of every parameter type the service sends. */
const sent = () => ({
  b: true,
  j: { title: [null, 'x'], nested: { list: [1, 'two', null], flag: false } },
  y: Buffer.from([0x00, 0x01, 0x5c, 0x78, 0xff]),
  t: 'text with a \\ backslash, "quotes" and ünïcödé',
  u: crypto.randomUUID(),
  i: 42,
  n: '9007199254740993',
  a: ['x', 'y,z', '"q"', 'back\\slash'],
  ts: new Date('2026-01-02T03:04:05.678Z'),
});

const COLUMNS = 'b boolean, j jsonb, y bytea, t text, u uuid, i integer, n bigint, a text[], ts timestamptz';

async function assertStoredAsSent(db: Sql, table: string, id: string, v: ReturnType<typeof sent>): Promise<void> {
  const [row] = await db.unsafe(`select *, jsonb_typeof(j) as j_type, octet_length(y) as y_len from ${table} where id = $1`, [id]);
  assert.equal(row.b, true, 'a boolean true stays true');
  assert.equal(row.j_type, 'object', 'a jsonb object stays an object');
  assert.deepEqual(row.j, v.j);
  assert.equal(row.y_len, v.y.length, 'bytea is stored once, not double-encoded');
  assert.ok(Buffer.from(row.y).equals(v.y));
  assert.equal(row.t, v.t);
  assert.equal(row.u, v.u);
  assert.equal(row.i, v.i);
  assert.equal(row.n, v.n);
  assert.deepEqual(row.a, v.a);
  assert.equal((row.ts as Date).toISOString(), v.ts.toISOString());
}

describe('the driver stores exactly what it was sent when it re-sends a prepared statement', () => {
  let url: string;
  let db: Sql;
  let other: postgres.Sql;
  before(async () => {
    url = await freshDatabase();
    other = postgres(url, { max: 1, onnotice: () => {} });
  });
  // A pool per test, with one connection for single statements, so DEALLOCATE runs where
  // the statements live and each test starts with nothing prepared.
  beforeEach(() => { db = connect(url, { max: 1 }); });
  afterEach(async () => { await db.end({ timeout: 5 }); });
  after(async () => { await other.end({ timeout: 5 }); });

  const insert = (table: string, v: ReturnType<typeof sent>) =>
    db.unsafe(
      `insert into ${table} (b, j, y, t, u, i, n, a, ts) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
      [v.b, v.j, v.y, v.t, v.u, v.i, v.n, v.a, v.ts] as postgres.ParameterOrJSON<never>[],
      { prepare: true },
    );

  test('after another session alters the table under a prepared insert … returning *, the next row is stored as sent', async () => {
    const table = 'driver_alter';
    await db.unsafe(`create table ${table} (id uuid primary key default gen_random_uuid(), ${COLUMNS})`);
    const stmt = (v: ReturnType<typeof sent>) =>
      db.unsafe(
        `insert into ${table} (b, j, y, t, u, i, n, a, ts) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *`,
        [v.b, v.j, v.y, v.t, v.u, v.i, v.n, v.a, v.ts] as postgres.ParameterOrJSON<never>[],
        { prepare: true },
      );
    const first = sent();
    const [one] = await stmt(first);
    await assertStoredAsSent(db, table, one.id, first);
    // The cached plan's result type changes: PostgreSQL refuses it (0A000) and the driver re-sends.
    await other.unsafe(`alter table ${table} add column extra text`);
    const second = sent();
    const [two] = await stmt(second);
    assert.equal(two.b, true, 'the row returned is the row sent');
    await assertStoredAsSent(db, table, two.id, second);
  });

  test('after DEALLOCATE ALL on the pool\'s only connection, the next row is stored as sent', async () => {
    const table = 'driver_deallocate';
    await db.unsafe(`create table ${table} (id uuid primary key default gen_random_uuid(), ${COLUMNS})`);
    const first = sent();
    const [one] = await insert(table, first);
    await assertStoredAsSent(db, table, one.id, first);
    // The named statement is gone (26000 on the next Bind) and the driver re-sends it.
    await db.unsafe('deallocate all');
    const second = sent();
    const [two] = await insert(table, second);
    await assertStoredAsSent(db, table, two.id, second);
  });

  test('an internal note stays internal when insert_comment.sql is re-prepared, and its audit changes stay an object', async () => {
    const author = await insertUser(db, { email: `driver.${crypto.randomBytes(3).toString('hex')}@example.com`, full_name: 'Dee', role: 'AGENT', keyHash: hashApiKey(newApiKey()), last4: 'abcd' }, null, 'user.created', [null, null, null]);
    const r = await insertRequest(db, { title: 'driver', description: '', priority: 'NORMAL', team_id: null }, author!.id, [null, '127.0.0.1', null]);
    const note = () => insertComment(db, { request_id: r!.id, author_id: author!.id, body: 'internal only', internal: true }, ['rid', '127.0.0.1', 'ua']);
    const c1 = await note();
    await db.unsafe('deallocate all');
    const c2 = await note();
    const rows = await db`select id, internal from comments where id in ${db([c1!.id, c2!.id])}`;
    assert.deepEqual(rows.map((x) => x.internal), [true, true], 'both notes internal');
    const audits = await db`select jsonb_typeof(changes) as type, changes from audit_logs where entity_id in ${db([c1!.id, c2!.id])}`;
    assert.equal(audits.length, 2);
    for (const a of audits) {
      assert.equal(a.type, 'object');
      assert.deepEqual(a.changes.internal, [null, true]);
    }
  });

  test('an audit row\'s changes stay a jsonb object when update_request.sql is re-prepared', async () => {
    const author = await insertUser(db, { email: `driver.${crypto.randomBytes(3).toString('hex')}@example.com`, full_name: 'Dee', role: 'ADMIN', keyHash: hashApiKey(newApiKey()), last4: 'abcd' }, null, 'user.created', [null, null, null]);
    let r = (await insertRequest(db, { title: 'v0', description: '', priority: 'NORMAL', team_id: null }, author!.id, [null, null, null]))! as RequestRow;
    const edit = async (title: string) => {
      r = (await updateRequest(db, r, { patch: { title }, action: 'request.updated', comment: null }, author!.id, ['rid', null, null]))!;
      assert.ok(r, 'the edit applied');
    };
    await edit('v1');
    await db.unsafe('deallocate all');
    await edit('v2');
    const audits = await db`select jsonb_typeof(changes) as type, changes from audit_logs where entity_id = ${r.id} and action = 'request.updated' order by created_at, id`;
    assert.deepEqual(audits.map((a) => a.type), ['object', 'object']);
    assert.deepEqual(audits.map((a) => a.changes.title), [['v0', 'v1'], ['v1', 'v2']]);
  });

  test('a user reactivated through a re-prepared update_user.sql is active, and a key hash is stored as sent', async () => {
    const email = () => `driver.${crypto.randomBytes(3).toString('hex')}@example.com`;
    const admin = await insertUser(db, { email: email(), full_name: 'Ada', role: 'ADMIN', keyHash: hashApiKey(newApiKey()), last4: 'abcd' }, null, 'user.created', [null, null, null]);
    const agent = (keyHash: Buffer) => insertUser(db, { email: email(), full_name: 'Uma', role: 'AGENT', keyHash, last4: 'wxyz' }, admin!.id, 'user.created', [null, null, null]);
    const u1 = await agent(hashApiKey(newApiKey()));
    await updateUser(db, u1!.id, { is_active: true }, admin!.id, [null, null, null]);
    await updateUser(db, u1!.id, { is_active: false }, admin!.id, [null, null, null]);
    await db.unsafe('deallocate all');
    const back = await updateUser(db, u1!.id, { is_active: true }, admin!.id, [null, null, null]);
    assert.equal(back?.is_active, true, 'reactivated');
    const [stored] = await db`select is_active from users where id = ${u1!.id}`;
    assert.equal(stored.is_active, true);
    await db.unsafe('deallocate all');
    const hash = hashApiKey(newApiKey());
    const u2 = await agent(hash);
    const [row] = await db`select api_key_hash from users where id = ${u2!.id}`;
    assert.ok(Buffer.from(row.api_key_hash).equals(hash), 'the key hash is the 32 bytes sent');
  });
});
