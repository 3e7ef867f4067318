// The composition root: configuration → database → (migrate, seed) → server; signals.
//   tsx src/main.ts             migrate, then serve (make run)
//   tsx src/main.ts migrate     apply pending migrations (make migrate)
//   tsx src/main.ts migrate --status
//   tsx src/main.ts seed        demo users and requests (make seed)
import cluster from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, poolOptions, type Config } from './config.ts';
import { startEmbedded, type EmbeddedCluster } from './db/embedded.ts';
import { connect, one, type Sql } from './db/index.ts';
import { toAppError } from './errors.ts';
import { describeError, log, setLogLevel } from './log.ts';
import { migrate, migrationStatus } from './migrate.ts';
import { printKeys, seed } from './seed.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function openDatabase(config: Config): Promise<{ db: Sql; url: string; embedded?: EmbeddedCluster }> {
  if (config.DATABASE_URL) return { db: connect(config.DATABASE_URL, poolOptions(config)), url: config.DATABASE_URL };
  const embedded = await startEmbedded({
    dataDir: path.resolve(ROOT, config.DATA_DIR),
    onLog: (line) => log.debug('postgres', { line }),
    onNotice: (message) => log.warn(message),
  });
  return { db: connect(embedded.url, poolOptions(config)), url: embedded.url, embedded };
}

/** Migrates, waiting up to a minute for a database that is still starting (compose, k8s). */
async function migrateWhenReachable(db: Sql): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(db);
    } catch (err) {
      if (toAppError(err).code !== 'database_unavailable' || attempt === 30) throw err;
      log.warn('database not reachable yet; retrying', { attempt });
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

/** Pending migrations; the embedded demo database also seeds itself when empty. */
async function prepare(config: Config, db: Sql, embedded?: EmbeddedCluster): Promise<void> {
  const applied = await migrateWhenReachable(db);
  if (applied.length) log.info('migrations applied', { files: applied });
  // Only the embedded demo database seeds itself; a real DATABASE_URL starts empty (bootstrap).
  if (embedded && (await one<{ n: number }>(db, 'system/count_users'))!.n === 0) {
    printKeys(await seed(db, config.API_KEY), (line) => process.stdout.write(line + '\n'));
  }
}

/** Serves until SIGTERM or SIGINT, then drains and calls `stopped`. */
async function listen(config: Config, db: Sql, stopped: () => Promise<void>): Promise<void> {
  const { server, worker } = createApp(config, db);
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
  const [command = 'serve', flag] = process.argv.slice(2);
  if (cluster.isWorker) {
    const db = connect(config.DATABASE_URL!, poolOptions(config));
    return listen(config, db, async () => {});
  }
  const { db, embedded, url } = await openDatabase(config);
  if (command === 'serve') {
    await prepare(config, db, embedded);
    if (config.WEB_CONCURRENCY === 1) return listen(config, db, async () => { await embedded?.close(); });
    await db.end();
    return primary(config, url, embedded);
  }
  try {
    if (command === 'migrate' && flag === '--status') {
      for (const m of await migrationStatus(db)) {
        console.log(`${String(m.version).padStart(4, '0')}_${m.name}  ${m.applied_at ? `applied ${m.applied_at.toISOString()}` : 'pending'}`);
      }
    } else if (command === 'migrate') {
      const applied = await migrate(db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the database is up to date');
    } else if (command === 'seed') {
      await migrate(db);
      printKeys(await seed(db, config.API_KEY));
    } else {
      throw new Error(`unknown command ${command}; use serve, migrate [--status] or seed`);
    }
  } finally {
    await db.end({ timeout: 5 });
    await embedded?.close();
  }
}

main().catch((err) => {
  log.error('fatal', describeError(err));
  process.stderr.write(`serviceflow: ${(err as Error).message}\n`);
  process.exit(1);
});
