// Test helpers: a fresh database cloned from the migrated template, a real server on
// port 0, and a small HTTP client. No mocks anywhere.
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import postgres from 'postgres';
import { type AppOptions, createApp } from '../src/app.ts';
import { loadConfig, poolOptions, serverSettings, type Config } from '../src/config.ts';
import { connect, type Sql } from '../src/db/index.ts';
import { applyServerSettings } from '../src/db/login.ts';
import { insertUser } from '../src/db/users.ts';
import { migrate, readMigrations } from '../src/migrate.ts';
import { setLogLevel } from '../src/log.ts';
import type { Services } from '../src/services.ts';
import { hashApiKey, newApiKey, type Role } from '../src/users/keys.ts';
import type { Worker } from '../src/worker/index.ts';
import { checkResponse } from './contract.ts';
import { databaseUrl } from './db-url.ts';
import { type Pooler, startNginx, startPgbouncer } from './fleet.ts';

setLogLevel('silent');

const SERVER = process.env.SF_TEST_SERVER;
const TEMPLATE = process.env.SF_TEST_TEMPLATE;
const APP_LOGIN = process.env.SF_TEST_APP_URL;
/**
 * SF_TEST_VIA_PGBOUNCER=1: every server under test reaches the database through PgBouncer
 * in transaction mode, with DB_PREPARE=false (the fixtures' own handle stays direct, so
 * what a test reads back is what PostgreSQL holds). SF_TEST_VIA_NGINX=1: startApp puts
 * two instances over the same database behind nginx with deploy/nginx.conf, and `url` is
 * nginx's (test/fleet.ts; .ci/run runs a subset both ways).
 */
export const VIA_PGBOUNCER = process.env.SF_TEST_VIA_PGBOUNCER === '1';
export const VIA_NGINX = process.env.SF_TEST_VIA_NGINX === '1';

let pooler: Promise<Pooler> | undefined;
/** This test process's PgBouncer, started on first use. */
export function testPooler(): Promise<Pooler> {
  if (!SERVER || !APP_LOGIN) throw new Error('run the tests with `make test` (test/run.ts prepares the database)');
  pooler ??= startPgbouncer(SERVER, [APP_LOGIN]);
  return pooler;
}

/** The URL the servers under test connect to for this database: direct, or through this process's PgBouncer. */
export async function serverUrl(dbUrl: string): Promise<string> {
  return VIA_PGBOUNCER ? (await testPooler()).url(dbUrl) : dbUrl;
}

/** The server's timeouts as its login's defaults in this database, as main.ts sets them at start-up. */
export async function settleServerSettings(fixtures: Sql, config: Config): Promise<void> {
  await applyServerSettings(fixtures, decodeURIComponent(new URL(asAppRole(SERVER!)).username), serverSettings(config));
}

/** The same database as this run's login in serviceflow_app: what every server under test connects as. */
export function asAppRole(dbUrl: string): string {
  if (!APP_LOGIN) throw new Error('run the tests with `make test` (test/run.ts creates the login)');
  const login = new URL(APP_LOGIN);
  const url = new URL(dbUrl);
  url.username = login.username;
  url.password = login.password;
  return url.toString();
}

/** Creates a fresh, migrated database for one test file; returns its URL. */
export async function freshDatabase(): Promise<string> {
  if (!SERVER || !TEMPLATE) throw new Error('run the tests with `make test` (test/run.ts prepares the database)');
  const name = `${TEMPLATE}_${crypto.randomBytes(4).toString('hex')}`;
  const maintenance = postgres(SERVER, { max: 1, onnotice: () => {} });
  try {
    await maintenance.unsafe(`create database "${name}" template "${TEMPLATE}"`);
  } finally {
    await maintenance.end();
  }
  return databaseUrl(SERVER, name);
}

/**
 * A fresh database migrated up to, not including, the migration named `name`, holding one
 * ADMIN (`Old Timer`) as the superuser wrote it: for testing what that migration does to
 * data already there. `finish()` applies the rest.
 */
export async function databaseBefore(name: string): Promise<{ db: Sql; user: { id: string }; finish: () => Promise<string[]> }> {
  const db = connect(await freshDatabase(), { max: 2 });
  await db.unsafe('drop schema public cascade; create schema public;');
  const all = readMigrations();
  const at = all.find((m) => m.name === name)!;
  await migrate(db, all.filter((m) => m.version < at.version));
  const [user] = await db`insert into users (email, full_name, role, api_key_hash, api_key_last4)
    values ('old@example.com', 'Old Timer', 'ADMIN', ${hashApiKey('k')}, 'kkkk') returning id`;
  return { db, user: { id: user.id }, finish: () => migrate(db, all) };
}

/** An SLA policy's business hours: every hour of every day, so business time is elapsed time. */
export const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));

/** Rows written with known times: the bookkeeping triggers that stamp now() are off (those ENABLE ALWAYS still run). */
export const fixture = <T>(db: Sql, write: (tx: postgres.TransactionSql) => Promise<T>) =>
  db.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    return write(tx);
  }) as Promise<T>;

export const testConfig = (env: Record<string, string> = {}): Config =>
  loadConfig({ RATE_LIMIT_RPS: '0', AUTH_FAILURE_LIMIT: '0', LOG_LEVEL: 'silent', ADMIN_BOOTSTRAP_KEY: 'bootstrap-key-for-tests-0123456789', ...env });

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: any; text: string }

/** `from`: the local address to call from (any of 127.0.0.0/8 on Linux), to be another client. */
export interface Call { key?: string; body?: unknown; headers?: Record<string, string>; raw?: string; from?: string }

export interface TestApp {
  url: string;
  /** Each instance's own address (behind nginx, `url` is nginx's). */
  instances: string[];
  /** For fixtures and checks, as the database's superuser; the server runs as asAppRole(dbUrl). */
  db: Sql;
  /** The server's own pool, connected as asAppRole(dbUrl). */
  serverDb: Sql;
  dbUrl: string;
  config: Config;
  /** The server's services and its worker (not started: run a loop with worker.runNow). */
  services: Services;
  worker: Worker;
  call(method: string, path: string, opts?: Call): Promise<Reply>;
  user(role: Role, name?: string): Promise<{ id: string; key: string; email: string }>;
  close(): Promise<void>;
}

/** Sends one request; `raw` sends a body as it is, `body` as JSON. */
export function request(base: string, method: string, path: string, opts: Call = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers['X-API-Key'] = opts.key;
  let payload: string | undefined = opts.raw;
  if (opts.body !== undefined) payload = JSON.stringify(opts.body);
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method, headers, agent: false, localAddress: opts.from }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let body: unknown = undefined;
        try { body = text ? JSON.parse(text) : undefined; } catch { body = undefined; }
        try {
          checkResponse(method, path, res.statusCode!, res.headers['content-type'], body);
        } catch (err) {
          return reject(err);
        }
        resolve({ status: res.statusCode!, headers: res.headers, body, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

let userCounter = 0;

export interface StartOptions extends AppOptions {
  /** The PgBouncer the servers connect through (null: directly); default as SF_TEST_VIA_PGBOUNCER says. */
  pooler?: Pooler | null;
  /** Instances over the same database behind nginx (deploy/nginx.conf); default 2 with SF_TEST_VIA_NGINX, else none. */
  behindNginx?: number;
}

/** A server on port 0 over its own fresh database (or `dbUrl`), closed after the file's tests; `opts` as createApp's (a clock), and where it runs. */
export async function startApp(env: Record<string, string> = {}, dbUrl?: string, opts: StartOptions = {}): Promise<TestApp> {
  const { pooler: given, behindNginx = VIA_NGINX ? 2 : 0, ...appOptions } = opts;
  const url = dbUrl ?? (await freshDatabase());
  const pooler = given === undefined ? (VIA_PGBOUNCER ? await testPooler() : null) : given;
  const config = testConfig({ ...(pooler ? { DB_PREPARE: 'false' } : {}), ...env });
  const db = connect(url, { max: 20, applicationName: 'serviceflow-test-fixtures' });
  await settleServerSettings(db, config);
  const target = asAppRole(pooler ? pooler.url(url) : url);
  // Behind nginx, several instances; the test sees the first one's services and worker. The
  // authentication cache is off there: the suite's "stops working at once" holds on the
  // instance that made the change, and the next call may reach another one, which is
  // promised within a second (API.md), tested on its own (test/balancing.test.ts).
  const count = Math.max(behindNginx, 1);
  const instances: (ReturnType<typeof createApp> & { serverDb: Sql; base: string })[] = [];
  for (let i = 0; i < count; i++) {
    const serverDb = connect(target, poolOptions(config));
    const app = createApp(config, serverDb, behindNginx ? { authTtlMs: 0, ...appOptions } : appOptions);
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    // The live-event hub runs as in every server process; the other loops (deliveries, timers,
    // the bot) only when a test starts them (worker.start() or runNow), so it controls them.
    app.worker.start(['live-events']);
    instances.push({ ...app, serverDb, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` });
  }
  const proxy = behindNginx ? await startNginx(instances.map((i) => i.base)) : undefined;
  const base = proxy?.base ?? instances[0].base;
  const [{ serverDb, services, worker }] = instances;
  return {
    url: base,
    instances: instances.map((i) => i.base),
    db,
    serverDb,
    dbUrl: url,
    config,
    services,
    worker,
    call: (method, path, opts) => request(base, method, path, opts),
    async user(role, name) {
      const key = newApiKey();
      const n = ++userCounter;
      const email = `${role.toLowerCase()}${n}.${crypto.randomBytes(3).toString('hex')}@example.com`;
      const row = await insertUser(db, { email, full_name: name ?? `${role[0]}${role.slice(1).toLowerCase()} ${n}`, role, keyHash: hashApiKey(key), last4: key.slice(-4) }, null, 'user.created', [null, null, null]);
      return { id: row!.id, key, email };
    },
    async close() {
      await proxy?.close();
      await Promise.all(instances.map(async ({ server, services, worker, serverDb }) => {
        services.live.close();
        await worker.stop(5000);
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await serverDb.end({ timeout: 5 });
      }));
      await db.end({ timeout: 5 });
    },
  };
}

/** Starts one app for the whole file: `const app = useApp();` then `app().call(…)` in tests. */
export function useApp(env: Record<string, string> = {}): () => TestApp {
  let app: TestApp;
  before(async () => { app = await startApp(env); });
  after(async () => { await app?.close(); });
  return () => app;
}

export const problem = (reply: Reply, status: number, code: string) => {
  if (reply.status !== status || reply.body?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${reply.status} ${reply.text.slice(0, 300)}`);
  }
  if (!String(reply.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${reply.headers['content-type']}`);
  }
};

export interface Proc { base: string; child: ChildProcess; exited: Promise<number | null>; output: () => string }

/**
 * Starts `tsx src/main.ts` on a free port and waits for its "listening" line. Given a test
 * database's DATABASE_URL, it runs as production does: migrating as that (superuser) URL and
 * serving as asAppRole(url); pass MIGRATION_DATABASE_URL (even '') to choose otherwise.
 */
export async function spawnServer(env: Record<string, string>): Promise<Proc> {
  const via = env.DATABASE_URL ? await serverUrl(env.DATABASE_URL) : undefined;
  const roles = via && !('MIGRATION_DATABASE_URL' in env)
    ? { MIGRATION_DATABASE_URL: via, DATABASE_URL: asAppRole(via) }
    : {};
  const pooled = VIA_PGBOUNCER ? { DB_PREPARE: 'false' } : {};
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', RATE_LIMIT_RPS: '0', AUTH_FAILURE_LIMIT: '0', ...pooled, ...env, ...roles },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start: ${output}`)); }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /"msg":"listening","url":"(http:\/\/[^"]+)"/.exec(output);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => { clearTimeout(timer); reject(new Error(`server exited: ${output}`)); });
  });
  return { base, child, exited, output: () => output };
}
