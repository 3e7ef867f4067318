// The numbered-SQL migration runner: sql/migrations/NNNN_name.sql, applied in order,
// each in its own transaction, recorded with a checksum, under a transaction's advisory
// lock so that two runners starting at once apply each file exactly once, also through
// a transaction pooler.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connect, SQL_DIR, type Sql } from './db/index.ts';
import { toAppError } from './errors.ts';

export interface Migration { version: number; name: string; file: string; checksum: string; text: string }
export interface MigrationStatus { version: number; name: string; applied_at: Date | null }

export const MIGRATION_LOCK_KEY = 7_263_001; // any constant shared by every runner

export function readMigrations(dir = path.join(SQL_DIR, 'migrations')): Migration[] {
  const migrations = fs.readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file name must look like 0001_name.sql: ${file}`);
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      return { version: Number(match[1]), name: match[2], file, text, checksum: crypto.createHash('sha256').update(text).digest('hex') };
    });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 0001, 0002, … without gaps: ${m.file}`);
  });
  return migrations;
}

async function ensureTable(sql: Sql): Promise<void> {
  // Checked first: `create table if not exists` needs CREATE on the schema even when the
  // table is there, and the app's role (0003_roles.sql) may only read it.
  const [{ present }] = await sql`select to_regclass('schema_migrations') is not null as present`;
  if (present) return;
  await sql.begin(async (tx) => {
    // Two runners creating it at once would both pass `if not exists` and one fail on pg_type.
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx.unsafe(`create table if not exists schema_migrations (
      version integer primary key, name text not null, checksum text not null,
      applied_at timestamptz not null default now())`);
  });
}

/**
 * Applies pending migrations, each in its own transaction; returns the files applied.
 * Refuses an edited, applied file.
 *
 * The lock is a transaction's (pg_advisory_xact_lock), taken first in each file's
 * transaction, and whether the file is applied is read again under it: a session lock
 * would belong to whichever backend a transaction pooler lent that statement, and be
 * neither exclusive nor released. A second runner waits at the lock, then finds the file
 * applied and moves on, so each file is applied once however many instances start.
 */
export async function migrate(sql: Sql, migrations = readMigrations()): Promise<string[]> {
  await ensureTable(sql);
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await retryLostLocks(() => sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      const [row] = await tx`select checksum from schema_migrations where version = ${m.version}`;
      if (row && row.checksum !== m.checksum) {
        throw new Error(`migration ${m.file} was changed after it was applied (checksum differs); add a new migration instead of editing it`);
      }
      if (row) return false;
      try {
        // Once 0003_roles.sql has handed the schema to its owner, migrations run as that
        // role, so what they create is the owner's (and granted to the app by default).
        const [owner] = await tx`select format('set local role %I', r.rolname) as stmt
          from pg_class c join pg_roles r on r.oid = c.relowner
          where c.oid = 'schema_migrations'::regclass and r.rolname <> current_user`;
        if (owner) await tx.unsafe(owner.stmt);
        // A migration may rewrite a big table: the server login's statement_timeout is
        // not meant for it (the migrator may be that login when only DATABASE_URL is set).
        await tx.unsafe('set local statement_timeout = 0');
        await tx.unsafe(m.text);
        await tx`insert into schema_migrations (version, name, checksum) values (${m.version}, ${m.name}, ${m.checksum})`;
      } catch (err) {
        throw new Error(`migration ${m.file} failed: ${(err as Error).message}`, { cause: err });
      }
      return true;
    }));
    if (done) applied.push(m.file);
  }
  return applied;
}

/**
 * A migration altering tables that the running instances write (a rolling upgrade) may be
 * chosen as a deadlock's victim, or run out of lock_timeout, against their statements. Its
 * transaction was rolled back whole, so it is tried again, a few times, a little later each.
 */
async function retryLostLocks<T>(attempt: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (i >= tries || (code !== '40P01' && code !== '55P03')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * i));
    }
  }
}

export interface Patience {
  /** How long to keep trying in all, from the first attempt (a deadline, not a count). */
  waitMs?: number;
  retryMs?: number;
  /** Told of each failed attempt that will be retried, and how long it has waited so far. */
  onRetry?: (err: unknown, waitedMs: number) => void;
}

/**
 * Whether the server (or a pooler in front of it) answered and refused this connection: an
 * error it sent, such as PgBouncer's "unsupported startup parameter" (08P01) or a wrong
 * password, which waiting will not cure; unlike a server that is starting up (57P03), shutting
 * down (57P01) or full (53300), or a connection that never got an answer.
 */
export function refusedConnection(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown };
  return e?.name === 'PostgresError' && !['57P01', '57P03', '53300'].includes(String(e.code));
}

/** Waits, about a minute by default, until the database at `url` answers (still starting in compose or k8s). */
export async function waitForDatabase(url: string, { waitMs = 60_000, retryMs = 2_000, onRetry }: Patience = {}): Promise<void> {
  const started = Date.now();
  for (;;) {
    // A pool of its own each time: postgres.js spaces a failing pool's reconnects out (up to 20 s).
    const probe = connect(url, { max: 1 });
    try {
      await probe`select 1`;
      return;
    } catch (err) {
      const waited = Date.now() - started;
      if (refusedConnection(err) || toAppError(err).code !== 'database_unavailable' || waited + retryMs >= waitMs) throw err;
      onRetry?.(err, waited);
    } finally {
      await probe.end({ timeout: 1 });
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

export async function migrationStatus(sql: Sql, migrations = readMigrations()): Promise<MigrationStatus[]> {
  await ensureTable(sql);
  const done = new Map((await sql`select version, applied_at from schema_migrations`).map((r) => [r.version as number, r.applied_at as Date]));
  return migrations.map((m) => ({ version: m.version, name: m.name, applied_at: done.get(m.version) ?? null }));
}
