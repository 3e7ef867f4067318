// The numbered-SQL migration runner: sql/migrations/NNNN_name.sql, applied in order,
// each in its own transaction, recorded with a checksum, under an advisory lock so that
// two runners starting at once apply each file exactly once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connect, SQL_DIR, type Sql } from './db/index.ts';
import { toAppError } from './errors.ts';

export interface Migration { version: number; name: string; file: string; checksum: string; text: string }
export interface MigrationStatus { version: number; name: string; applied_at: Date | null }

const LOCK_KEY = 7_263_001; // any constant shared by every runner

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
  await sql.unsafe(`create table if not exists schema_migrations (
    version integer primary key, name text not null, checksum text not null,
    applied_at timestamptz not null default now())`);
}

/** Applies pending migrations, each in its own transaction; returns the files applied. Refuses an edited, applied file. */
export async function migrate(sql: Sql, migrations = readMigrations()): Promise<string[]> {
  const applied: string[] = [];
  const conn = await sql.reserve();
  try {
    // Held for the whole run: a second runner waits here, then finds nothing to do.
    await conn`select pg_advisory_lock(${LOCK_KEY})`;
    await ensureTable(conn as unknown as Sql);
    const done = new Map((await conn`select version, checksum from schema_migrations`).map((r) => [r.version as number, r.checksum as string]));
    for (const m of migrations) {
      const checksum = done.get(m.version);
      if (checksum !== undefined && checksum !== m.checksum) {
        throw new Error(`migration ${m.file} was changed after it was applied (checksum differs); add a new migration instead of editing it`);
      }
      if (checksum !== undefined) continue;
      await conn.unsafe('begin');
      try {
        // Once 0003_roles.sql has handed the schema to its owner, migrations run as that
        // role, so what they create is the owner's (and granted to the app by default).
        const [owner] = await conn`select format('set local role %I', r.rolname) as stmt
          from pg_class c join pg_roles r on r.oid = c.relowner
          where c.oid = 'schema_migrations'::regclass and r.rolname <> current_user`;
        if (owner) await conn.unsafe(owner.stmt);
        await conn.unsafe(m.text);
        await conn`insert into schema_migrations (version, name, checksum) values (${m.version}, ${m.name}, ${m.checksum})`;
        await conn.unsafe('commit');
      } catch (err) {
        await conn.unsafe('rollback').catch(() => {});
        throw new Error(`migration ${m.file} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.file);
    }
  } finally {
    await conn`select pg_advisory_unlock(${LOCK_KEY})`.catch(() => {});
    conn.release();
  }
  return applied;
}

export interface Patience {
  /** How long to keep trying in all, from the first attempt (a deadline, not a count). */
  waitMs?: number;
  retryMs?: number;
  /** Told of each failed attempt that will be retried, and how long it has waited so far. */
  onRetry?: (err: unknown, waitedMs: number) => void;
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
      if (toAppError(err).code !== 'database_unavailable' || waited + retryMs >= waitMs) throw err;
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
