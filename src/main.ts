// The composition root: configuration → database → (migrate, seed) → server; signals.
//   tsx src/main.ts                   migrate, then serve (make run)
//   tsx src/main.ts migrate           apply pending migrations (make migrate)
//   tsx src/main.ts migrate --status
//   tsx src/main.ts seed              demo users and requests (make seed)
//   tsx src/main.ts issue-key EMAIL   a new API key for that user, shown once (make issue-key)
//   tsx src/main.ts rebuild-tallies   the report's tallies counted afresh (make rebuild-tallies)
// Two roles connect (README, "Database roles"): the migrator (MIGRATION_DATABASE_URL, else
// DATABASE_URL; the embedded cluster's superuser) migrates and runs the commands; the server
// connects as DATABASE_URL (the embedded cluster's serviceflow_api), a login in
// serviceflow_app, which cannot change or delete audit rows nor disable triggers.
import cluster from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, poolOptions, serverSettings, type Config } from './config.ts';
import { startEmbedded, type EmbeddedCluster } from './db/embedded.ts';
import { connect, one, type Sql } from './db/index.ts';
import { applyServerSettings, auditBypass, issueAppLogin, loginFailed, serverSettingsStatements, settingsDiffer } from './db/login.ts';
import { rebuildTallies } from './db/reports.ts';
import { getUserByEmail, rotateApiKey } from './db/users.ts';
import { toAppError } from './errors.ts';
import { describeError, log, setLogLevel } from './log.ts';
import { migrate, migrationStatus, refusedConnection, waitForDatabase } from './migrate.ts';
import { printKeys, seed } from './seed.ts';
import { hashApiKey, newApiKey } from './users/keys.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Database {
  /** The server's login (a member of serviceflow_app). */
  appUrl: string;
  /** The migrator's: the schema's owner or a superuser. The same as appUrl when only DATABASE_URL is set. */
  ownerUrl: string;
  embedded?: EmbeddedCluster;
}

async function locateDatabase(config: Config): Promise<Database> {
  if (config.DATABASE_URL) return { appUrl: config.DATABASE_URL, ownerUrl: config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL };
  if (config.MIGRATION_DATABASE_URL) throw new Error('MIGRATION_DATABASE_URL is set but DATABASE_URL is not: set both, or neither for the embedded PostgreSQL');
  const embedded = await startEmbedded({
    dataDir: path.resolve(ROOT, config.DATA_DIR),
    onLog: (line) => log.debug('postgres', { line }),
    onNotice: (message) => log.warn(message),
  });
  return { appUrl: embedded.appUrl, ownerUrl: embedded.url, embedded };
}

/** host:port of a database URL, for log lines: never its user or password. */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${decodeURIComponent(u.hostname) || 'localhost'}:${u.port || 5432}`;
  } catch {
    return 'the database';
  }
}

/** The start-up error for a connection the server or a pooler refused, naming what it said. */
function refused(host: string, err: unknown): Error {
  const e = err as Error & { code?: string };
  const hint = e.code === '08P01' && /startup parameter/i.test(e.message)
    ? ' (a pooler such as PgBouncer refuses startup parameters it does not know: check DATABASE_URL for ?options; README, "Scaling out")'
    : '';
  return new Error(`the database at ${host} refused the connection: ${e.message} (SQLSTATE ${e.code})${hint}`, { cause: err });
}

/** Migrates, once the database answers: it may still be starting (compose, k8s); about a minute, a deadline. */
async function migrateWhenUp(db: Sql, url: string): Promise<string[]> {
  const host = hostOf(url);
  try {
    await waitForDatabase(url, {
      onRetry: (err, waited) => log.warn('database not reachable yet; retrying', { host, ...describeError(err), waited_s: Math.round(waited / 1000) }),
    });
    return await migrate(db);
  } catch (err) {
    if (refusedConnection(err)) throw refused(host, err);
    if (toAppError(err).code === 'database_unavailable') throw new Error(`the database at ${host} did not answer within a minute: ${(err as Error).message}`);
    if ((err as { cause?: { code?: string } }).cause?.code === '42501') {
      throw new Error(`${(err as Error).message} (migrations need the schema's owner or a superuser: set MIGRATION_DATABASE_URL; README, "Database roles")`);
    }
    throw err;
  }
}

/** Pending migrations; the embedded demo database also seeds itself when empty. */
async function prepare(config: Config, owner: Sql, database: Database): Promise<void> {
  const applied = await migrateWhenUp(owner, database.ownerUrl);
  if (applied.length) log.info('migrations applied', { files: applied });
  const users = (await one<{ n: number }>(owner, 'system/count_users'))!.n;
  // Only the embedded demo database seeds itself; a real DATABASE_URL starts empty (bootstrap).
  if (database.embedded && users === 0) {
    printKeys(await seed(owner, config.API_KEY), (line) => process.stdout.write(line + '\n'));
  } else if (users === 0 && !config.ADMIN_BOOTSTRAP_KEY) {
    log.warn('the database has no users and ADMIN_BOOTSTRAP_KEY is unset, so nobody can sign in: restart with ADMIN_BOOTSTRAP_KEY set to a long random secret, then create the first admin with POST /users and the header X-Bootstrap-Key (README, "Bootstrap the first admin"); a lost key is replaced with `make issue-key EMAIL=…`');
  }
}

/** The server's pool, as DATABASE_URL's login; the migrator issues that login when it cannot log in yet. */
async function connectServer(config: Config, owner: Sql, database: Database): Promise<Sql> {
  const user = database.appUrl === database.ownerUrl
    ? (await one<{ role: string }>(owner, 'system/audit_bypass'))!.role
    : decodeURIComponent(new URL(database.appUrl).username);
  // Before the pool's first connection, so that it starts with them.
  const settled = await settleSettings(config, owner, user);
  const db = connect(database.appUrl, poolOptions(config));
  try {
    await one(db, 'system/ping');
  } catch (err) {
    if (!loginFailed(err)) throw err;
    const done = await issueAppLogin(owner, database.appUrl);
    log.info(`${done} the server's database login`, { role: user });
    if (!settled) await settleSettings(config, owner, user);
  }
  return db;
}

/**
 * The server's timeouts become its login's defaults in this database, so that they hold
 * through any pooler (which refuses them as startup parameters). False when the login does
 * not exist yet; a warning with the statements to run when the migrator may not alter it.
 */
async function settleSettings(config: Config, owner: Sql, user: string): Promise<boolean> {
  try {
    await applyServerSettings(owner, user, serverSettings(config));
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '42704') return false; // no such role yet: connectServer issues it
    if (code !== '42501') throw err;
    log.warn('the migrator may not set the server login\'s timeouts (it needs CREATEROLE or a superuser): have a superuser run the statements, or the server runs without them', {
      role: user, statements: await serverSettingsStatements(owner, user, serverSettings(config)),
    });
    return true;
  }
}

/** A warn line when the sessions the server opens do not have the timeouts it was configured with. */
async function checkSettings(config: Config, db: Sql): Promise<void> {
  const differ = await settingsDiffer(db, serverSettings(config));
  if (Object.keys(differ).length) {
    log.warn('the server\'s database sessions do not run with the configured timeouts (another instance with other settings, or its login\'s defaults were not set); see README, "Scaling out"', { settings: differ });
  }
}

/** A warn line when the server's role could switch the audit log's protection off. */
async function checkRole(db: Sql): Promise<void> {
  const { role, can_bypass } = await auditBypass(db);
  if (can_bypass) {
    log.warn('the server connects as a superuser or the schema\'s owner, which could disable the audit log\'s triggers: set DATABASE_URL to a login in serviceflow_app and MIGRATION_DATABASE_URL to the owner (README, "Database roles")', { role });
  }
}

/** Serves until SIGTERM or SIGINT, then drains and calls `stopped`. */
async function listen(config: Config, db: Sql, stopped: () => Promise<void>): Promise<void> {
  const { server, worker, services } = createApp(config, db);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  log.info('listening', { url: `http://${config.HOST}:${port}`, pid: process.pid });
  worker.start();
  if (config.LOG_LEVEL !== 'info' && config.LOG_LEVEL !== 'debug' && (cluster.worker?.id ?? 1) === 1) process.stdout.write(`ServiceFlow listening on http://${config.HOST}:${port}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    // Stop accepting; let requests and background work in flight finish, up to SHUTDOWN_TIMEOUT_MS.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    services.live.close(); // open event streams end; clients resume with Last-Event-ID
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
    await Promise.all([closed, worker.stop(config.SHUTDOWN_TIMEOUT_MS)]);
    clearTimeout(timer);
    await db.end({ timeout: 5 });
    await stopped();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * WEB_CONCURRENCY > 1: this process prepares the database, then forks that many workers
 * that share the port (node:cluster) and talk to the same database; signals are passed on.
 */
async function primary(config: Config, url: string, embedded?: EmbeddedCluster): Promise<void> {
  for (let i = 0; i < config.WEB_CONCURRENCY; i++) cluster.fork({ DATABASE_URL: url });
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    await Promise.all(workers.map((w) => new Promise((resolve) => { w!.once('exit', resolve); w!.process.kill(signal); })));
    await embedded?.close();
    process.exit(0);
  };
  cluster.on('exit', (worker, code) => {
    if (!stopping) log.error('worker exited', { pid: worker.process.pid, code });
  });
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGTERM'));
}

/**
 * A failure that nothing awaited or caught must not take every other caller down with it:
 * it is logged (without a stack, src/log.ts) and the process serves on. The state that
 * matters lives in PostgreSQL, committed or not; what a process holds (caches, limits)
 * is rebuilt from there.
 */
function serveOnAfterStrayErrors(): void {
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection', describeError(reason)));
  process.on('uncaughtException', (err) => log.error('uncaught exception', describeError(err)));
}

/** A new key for the user with this email (a lost admin key); audited with the CLI as the actor. */
async function issueKey(db: Sql, email: string | undefined): Promise<void> {
  if (!email) throw new Error('usage: tsx src/main.ts issue-key <email>  (or make issue-key EMAIL=<email>)');
  const user = await getUserByEmail(db, email.trim().toLowerCase());
  if (!user) throw new Error(`no user has the email ${email}`);
  const key = newApiKey();
  await rotateApiKey(db, user.id, hashApiKey(key), key.slice(-4), null, ['cli', null, 'cli']);
  console.log(`New API key for ${user.email} (${user.role}), shown this once; the old key no longer works:\n  ${key}`);
  if (!user.is_active) console.log(`${user.email} is deactivated: the key works once an admin reactivates the user.`);
}

async function main(): Promise<void> {
  serveOnAfterStrayErrors();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  setLogLevel(config.LOG_LEVEL);
  const [command = 'serve', arg] = process.argv.slice(2);
  if (cluster.isWorker) {
    const db = connect(config.DATABASE_URL!, poolOptions(config));
    return listen(config, db, async () => {});
  }
  const database = await locateDatabase(config);
  const { embedded } = database;
  const owner = connect(database.ownerUrl, { max: 2, txMax: 2, prepare: config.DB_PREPARE });
  if (command === 'serve') {
    await prepare(config, owner, database);
    const db = await connectServer(config, owner, database);
    await owner.end({ timeout: 5 });
    await checkRole(db);
    await checkSettings(config, db);
    if (config.WEB_CONCURRENCY === 1) return listen(config, db, async () => { await embedded?.close(); });
    await db.end();
    return primary(config, database.appUrl, embedded);
  }
  try {
    if (command === 'migrate' && arg === '--status') {
      for (const m of await migrationStatus(owner)) {
        console.log(`${String(m.version).padStart(4, '0')}_${m.name}  ${m.applied_at ? `applied ${m.applied_at.toISOString()}` : 'pending'}`);
      }
    } else if (command === 'migrate') {
      const applied = await migrate(owner);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the database is up to date');
    } else if (command === 'seed') {
      await migrate(owner);
      printKeys(await seed(owner, config.API_KEY));
    } else if (command === 'issue-key') {
      await issueKey(owner, arg);
    } else if (command === 'rebuild-tallies') {
      console.log(`report tallies counted afresh from the requests: ${await rebuildTallies(owner)} rows`);
    } else {
      throw new Error(`unknown command ${command}; use serve, migrate [--status], seed, issue-key <email> or rebuild-tallies`);
    }
  } finally {
    await owner.end({ timeout: 5 });
    await embedded?.close();
  }
}

main().catch((err) => {
  log.error('fatal', describeError(err));
  process.stderr.write(`serviceflow: ${(err as Error).message}\n`);
  process.exit(1);
});
