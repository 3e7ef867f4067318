// What a new operator meets: where the embedded data lives, start-up lines, the way in to an
// empty database, a lost admin key, make seed's audit rows, and the image and compose files.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import postgres from 'postgres';
import { startEmbedded } from '../src/db/embedded.ts';
import { waitForDatabase } from '../src/migrate.ts';
import { asAppRole, freshDatabase, spawnServer, startApp } from './helpers.ts';

const isRoot = process.getuid?.() === 0;
const tsx = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 60_000 });

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the embedded PostgreSQL', () => {
  test('keeps its data in DATA_DIR itself, so deleting that folder resets the demo; the server connects as serviceflow_api', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-data-'));
    fs.chmodSync(parent, 0o755); // an ordinary checkout: the postgres user may pass through
    const dataDir = path.join(parent, 'data');
    const server = await spawnServer({ DATABASE_URL: '', DATABASE_URL_POSTGRES: '', DATA_DIR: dataDir, ADMIN_BOOTSTRAP_KEY: '' });
    try {
      assert.ok(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION')), `no cluster in ${dataDir}: ${server.output()}`);
      assert.doesNotMatch(server.output(), /cannot reach|keeping the embedded data in/);
      assert.match(server.output(), /ADMIN\s+admin@example\.com\s+sfk_/);
      const port = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3];
      const password = fs.readFileSync(path.join(dataDir, 'password'), 'utf8').trim();
      const su = postgres(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => {} });
      try {
        const roles = await su`select distinct usename from pg_stat_activity where application_name = 'serviceflow'`;
        assert.deepEqual(roles.map((r) => r.usename), ['serviceflow_api']);
      } finally { await su.end(); }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  test('under a private parent folder (a mode-700 checkout, as in CI) the data goes elsewhere, and it says where', { skip: !isRoot && 'only root runs PostgreSQL as another user' }, async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-private-')); // mode 700
    const notices: string[] = [];
    const cluster = await startEmbedded({ dataDir: path.join(parent, 'data'), onNotice: (m) => notices.push(m) });
    try {
      assert.ok(!cluster.dataDir.startsWith(parent), cluster.dataDir);
      assert.match(notices.join('\n'), /cannot reach .*data.*; keeping the embedded data in \/var\/tmp\/serviceflow-/);
    } finally {
      await cluster.close();
      fs.rmSync(path.dirname(cluster.dataDir), { recursive: true, force: true });
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('start-up', () => {
  test('while the database is unreachable, each retry line names host:port and the error, never the password', async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, DATABASE_URL: `postgres://sf:hunter2-not-logged@127.0.0.1:${port}/sf`, MIGRATION_DATABASE_URL: '', LOG_LEVEL: 'info', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no retry line: ${output}`)), 20_000);
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk;
          const m = /^.*database not reachable yet.*$/m.exec(output);
          if (m) { clearTimeout(timer); resolve(m[0]); }
        });
        child.on('exit', () => { clearTimeout(timer); reject(new Error(`exited: ${output}`)); });
      });
      const fields = JSON.parse(line);
      assert.equal(fields.level, 'warn');
      assert.equal(fields.host, `127.0.0.1:${port}`);
      assert.equal(fields.error_code, 'ECONNREFUSED');
      assert.match(fields.error, /ECONNREFUSED/);
      assert.ok(!output.includes('hunter2'), 'the password is never logged');
      assert.doesNotMatch(output, /at .*\.ts:\d+|select |insert /i);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('the wait for the database is a deadline, not a number of attempts', async () => {
    const retries: number[] = [];
    const started = Date.now();
    const url = `postgres://sf@127.0.0.1:${await closedPort()}/sf`;
    await assert.rejects(waitForDatabase(url, { waitMs: 1500, retryMs: 100, onRetry: (_err, waited) => retries.push(waited) }), { code: 'ECONNREFUSED' });
    const took = Date.now() - started;
    assert.ok(took >= 1300 && took < 3000, `gave up after ${took} ms`);
    // Every attempt really tries (no reconnect backoff growing between them).
    assert.ok(retries.length >= 8, `${retries.length} retries`);
  });

  test('an empty database without ADMIN_BOOTSTRAP_KEY says, at warn, how to get in', async () => {
    const server = await spawnServer({ DATABASE_URL: await freshDatabase(), ADMIN_BOOTSTRAP_KEY: '' });
    try {
      const line = server.output().split('\n').find((l) => l.includes('no users'));
      assert.ok(line, server.output());
      const { level, msg } = JSON.parse(line);
      assert.equal(level, 'warn');
      assert.match(msg, /ADMIN_BOOTSTRAP_KEY is unset/);
      assert.match(msg, /X-Bootstrap-Key/);
      assert.match(msg, /make issue-key EMAIL=/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('issue-key', () => {
  test('gives the user with that email a new key, printed once, and audits it with the CLI as the actor', async () => {
    const app = await startApp();
    try {
      const admin = await app.user('ADMIN');
      const env = { DATABASE_URL: asAppRole(app.dbUrl), MIGRATION_DATABASE_URL: app.dbUrl };
      const run = tsx(['issue-key', admin.email.toUpperCase()], env);
      assert.equal(run.status, 0, run.stderr + run.stdout);
      const keys = run.stdout.match(/sfk_[A-Za-z0-9_-]+/g) ?? [];
      assert.equal(keys.length, 1, run.stdout);
      assert.equal((await app.call('GET', '/users/me', { key: keys[0] })).body.email, admin.email);
      assert.equal((await app.call('GET', '/users/me', { key: admin.key })).status, 401);
      const audits = await app.db`select actor_id, request_id, ip, user_agent, changes from audit_logs where entity_id = ${admin.id} and action = 'user.api_key_rotated'`;
      assert.equal(audits.length, 1);
      const { changes, ...who } = audits[0];
      assert.deepEqual(who, { actor_id: null, request_id: 'cli', ip: null, user_agent: 'cli' });
      assert.deepEqual(changes.api_key_last4, [admin.key.slice(-4), keys[0].slice(-4)]);
    } finally { await app.close(); }
  });

  test('an unknown email fails with a message naming it, and changes nothing', async () => {
    const dbUrl = await freshDatabase();
    const run = tsx(['issue-key', 'nobody@example.com'], { DATABASE_URL: dbUrl });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no user has the email nobody@example\.com/);
    const db = postgres(dbUrl, { max: 1 });
    try {
      const [{ n }] = await db`select count(*)::int as n from audit_logs`;
      assert.equal(n, 0);
    } finally { await db.end(); }
  });
});

describe('make seed', () => {
  test("its key rotations are make seed's, not the demo users' own", async () => {
    const dbUrl = await freshDatabase();
    for (let i = 0; i < 2; i++) {
      const run = tsx(['seed'], { DATABASE_URL: dbUrl });
      assert.equal(run.status, 0, run.stderr);
    }
    const db = postgres(dbUrl, { max: 1 });
    try {
      const rows = await db`select actor_id, request_id, user_agent from audit_logs where action = 'user.api_key_rotated'`;
      assert.equal(rows.length, 5, 'one rotation per demo user on the second run');
      for (const row of rows) assert.deepEqual({ ...row }, { actor_id: null, request_id: 'seed', user_agent: 'make seed' });
    } finally { await db.end(); }
  });
});

describe('the image and compose files', () => {
  test('.dockerignore keeps local state and secrets out of the build context', () => {
    const lines = fs.readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.data', 'test-output', 'bench-results', '.git', '*.log', '.env']) {
      assert.ok(lines.includes(entry), entry);
    }
  });

  test("the image's HEALTHCHECK asks the port in $PORT", async () => {
    const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
    const m = /HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(dockerfile);
    assert.ok(m, 'a HEALTHCHECK in exec form');
    const [cmd, ...args] = JSON.parse(m[1]) as string[];
    assert.equal(cmd, 'node');
    const check = (port: string) => new Promise<number | null>((resolve) => {
      execFile(process.execPath, args, { env: { ...process.env, PORT: port }, timeout: 10_000 }, (err) => resolve(err ? (err.code as number) ?? null : 0));
    });
    const app = await startApp();
    try {
      assert.equal(await check(new URL(app.url).port), 0);
      assert.equal(await check(String(await closedPort())), 1);
    } finally { await app.close(); }
  });

  const compose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
  const composeConfig = (env: Record<string, string>) => {
    const { ADMIN_BOOTSTRAP_KEY: _, PUBLISH_ADDRESS: __, ...rest } = process.env;
    const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sf-compose-')), '.env');
    fs.writeFileSync(empty, '');
    try {
      return spawnSync('docker-compose', ['--env-file', empty, 'config'], { env: { ...rest, ...env }, encoding: 'utf8' });
    } finally { fs.rmSync(path.dirname(empty), { recursive: true, force: true }); }
  };

  test('docker-compose refuses to run without ADMIN_BOOTSTRAP_KEY and publishes the API on 127.0.0.1', { skip: !compose && 'docker-compose is not installed' }, () => {
    const without = composeConfig({});
    assert.notEqual(without.status, 0);
    assert.match(without.stderr, /set ADMIN_BOOTSTRAP_KEY/);
    const withKey = composeConfig({ ADMIN_BOOTSTRAP_KEY: 'a-long-random-secret-0123456789' });
    assert.equal(withKey.status, 0, withKey.stderr);
    assert.match(withKey.stdout, /- 127\.0\.0\.1:8000:8000/);
    assert.doesNotMatch(withKey.stdout, /change-me/);
    const wide = composeConfig({ ADMIN_BOOTSTRAP_KEY: 'a-long-random-secret-0123456789', PUBLISH_ADDRESS: '0.0.0.0', PUBLISH_PORT: '9000' });
    assert.match(wide.stdout, /- 0\.0\.0\.0:9000:8000/);
  });
});
