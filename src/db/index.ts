// The database handle: two postgres.js pools behind one `Sql`, and every .sql file under
// sql/queries read once at start-up so a call costs one round trip of a prepared statement.
//
// Why two pools (docs/architecture.md, "Connections"): postgres.js hands `sql.begin` its own
// connection only when BEGIN is the first statement on it. In a pool that also pipelines
// single statements, a BEGIN queued behind one in flight ran on a shared connection: the
// driver reported UNSAFE_TRANSACTION and gave the connection back with the transaction
// still open, so other callers' writes ran inside it and vanished with its rollback.
// Here single statements run on a pool that never pipelines (a statement never waits
// behind a slow one either), and every `begin` and `reserve` on a pool that carries
// nothing else, so a BEGIN always finds its connection idle.
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { AppError } from '../errors.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql | postgres.Sql;
export type Row = postgres.Row;

export const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');

function loadQueries(): Map<string, string> {
  const queries = new Map<string, string>();
  const root = path.join(SQL_DIR, 'queries');
  for (const dir of fs.readdirSync(root)) {
    for (const file of fs.readdirSync(path.join(root, dir))) {
      if (file.endsWith('.sql')) queries.set(`${dir}/${file.slice(0, -4)}`, fs.readFileSync(path.join(root, dir, file), 'utf8'));
    }
  }
  return queries;
}

const QUERIES = loadQueries();

/** Pools connected with `prepare: false`, and their transactions and reserved sessions (see `query`). */
const unnamedSessions = new WeakSet<object>();

/**
 * A counting gate: at most `size` holders, the rest wait in order, each for at most
 * `waitMs`; a wait that runs out is 503 database_unavailable, so a saturated pool answers
 * quickly instead of queueing without bound. A call that never got in was never sent.
 */
export interface Gate { size: number; held: number; waiting: number; run<T>(fn: () => Promise<T>): Promise<T> }

export function gate(size: number, waitMs: number): Gate {
  const queue: { go: () => void; timer: NodeJS.Timeout }[] = [];
  const g: Gate = {
    size, held: 0, waiting: 0,
    async run(fn) {
      if (g.held >= size) {
        await new Promise<void>((resolve, reject) => {
          const entry = {
            go: () => { clearTimeout(entry.timer); resolve(); },
            timer: setTimeout(() => {
              queue.splice(queue.indexOf(entry), 1);
              g.waiting = queue.length;
              reject(new AppError('database_unavailable', 'the database is busy; try again shortly', undefined, { 'Retry-After': '1' }));
            }, waitMs),
          };
          queue.push(entry);
          g.waiting = queue.length;
        });
      } else {
        g.held++;
      }
      try {
        return await fn();
      } finally {
        const next = queue.shift();
        g.waiting = queue.length;
        if (next) next.go(); // the permit passes on; held stays the same
        else g.held--;
      }
    },
  };
  return g;
}

const gates = new WeakMap<object, Gate>();

/** The gates of a handle from connect(): single statements and transactions. */
export function poolUse(db: Sql): { statements: Gate; transactions: Gate } | undefined {
  const statements = gates.get(db);
  const transactions = gates.get(db.begin);
  return statements && transactions ? { statements, transactions } : undefined;
}

/**
 * Runs sql/queries/<name>.sql with positional parameters as a named prepared statement,
 * whose plan PostgreSQL caches. `replan` sends it unnamed instead, so it is planned for
 * the values of each call: for the filter statements written as `$n is null or …`,
 * where one cached plan could not know which filters are on. A pool connected with
 * `prepare: false` (DB_PREPARE=false) sends every statement unnamed, these included:
 * postgres.js's own option wins over the per-call one. Such a pool, its transactions and
 * its reserved sessions send `<name>.unnamed.sql` instead where one exists: the same
 * statement inside a function whose plan the backend keeps across calls (and across a
 * pooler's clients), where the statement itself would be planned on every call
 * (sql/migrations/0014_kept_plans.sql). On the pool (not inside a transaction) the call
 * first waits its turn at the pool's gate.
 */
export async function query<T extends Row = Row>(db: Tx, name: string, params: unknown[] = [], replan = false): Promise<T[]> {
  const text = statementFor(db, name);
  const send = async () => (await db.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: !replan })) as unknown as T[];
  const g = gates.get(db);
  return g ? g.run(() => send().catch((err) => (isDeadlock(err) ? send() : Promise.reject(err)))) : send();
}

/** The text `query` sends on `db` for sql/queries/<name>.sql (its `.unnamed.sql` twin on an unnamed pool). */
export function statementFor(db: Tx, name: string): string {
  const text = (unnamedSessions.has(db) && QUERIES.get(`${name}.unnamed`)) || QUERIES.get(name);
  if (text === undefined) throw new Error(`no query file sql/queries/${name}.sql`);
  return text;
}

/**
 * A single statement chosen as a deadlock's victim was rolled back whole, so it is sent
 * once more: a migration that locks two hot tables (a rolling upgrade) otherwise turns a
 * statement locking them in the other order into a 503. Inside a transaction the whole
 * transaction is lost, and that is its caller's to answer.
 */
const isDeadlock = (err: unknown) => (err as { code?: unknown })?.code === '40P01';

/**
 * Runs the `copy … from stdin` of sql/queries/<name>.sql and gives the stream of its COPY
 * data. Inside a transaction only: the COPY holds its connection until the stream ends.
 */
export async function copyIn(db: Tx, name: string): Promise<Writable> {
  const text = QUERIES.get(name);
  if (text === undefined) throw new Error(`no query file sql/queries/${name}.sql`);
  return db.unsafe(text).writable();
}

export async function one<T extends Row = Row>(db: Tx, name: string, params: unknown[] = []): Promise<T | undefined> {
  return (await query<T>(db, name, params))[0];
}

/**
 * Serialisers that give the same text when applied twice. postgres.js serialises a
 * statement's parameters in place, and when it re-sends a prepared statement that the
 * server no longer knows (SQLSTATE 26000: DEALLOCATE, a transaction pooler) or whose
 * result type changed (an ALTER TABLE), it serialises them again: with its own
 * serialisers `true` became 'f', a jsonb object a JSON string, a bytea double-encoded,
 * silently (test/driver.test.ts). A value already in PostgreSQL's text form is a string,
 * so a string passes through. The one thing this gives up: a JavaScript string sent to
 * a json parameter is taken as JSON text, not as a JSON string value (nothing sends one).
 */
const idempotentTypes = {
  boolean: { to: 16, from: [16], serialize: (x: unknown) => (typeof x === 'string' ? x : x === true ? 't' : 'f'), parse: (x: string) => x === 't' },
  json: { to: 114, from: [114, 3802], serialize: (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x)), parse: (x: string) => JSON.parse(x) },
  bytea: {
    to: 17, from: [17],
    serialize: (x: unknown) => (typeof x === 'string' ? x : '\\x' + Buffer.from(x as Uint8Array).toString('hex')),
    parse: (x: string) => Buffer.from(x.slice(2), 'hex'),
  },
  date: {
    to: 1184, from: [1082, 1114, 1184],
    serialize: (x: unknown) => (typeof x === 'string' ? x : (x instanceof Date ? x : new Date(x as number)).toISOString()),
    parse: (x: string) => new Date(x),
  },
};

export interface ConnectOptions {
  /** Connections for single statements. */
  max?: number;
  /** Connections for transactions (begin) and reserved sessions; default half of max, at least 2. */
  txMax?: number;
  /** How long a call waits for a free connection before it is refused with 503. */
  acquireTimeoutMs?: number;
  /**
   * Named prepared statements (default true). false for a pooler in transaction mode: a
   * statement prepared on one backend is unknown to the next, and postgres.js even sends
   * BEGIN and COMMIT as named statements, so a COMMIT could fail on a backend that never
   * saw it while the transaction's work was rolled back elsewhere.
   */
  prepare?: boolean;
  applicationName?: string;
}

export function connect(url: string, opts: ConnectOptions = {}): Sql {
  const max = opts.max ?? 10;
  const txMax = opts.txMax ?? Math.max(2, Math.ceil(max / 2));
  const waitMs = opts.acquireTimeoutMs ?? 2000;
  const common = {
    connect_timeout: 2,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    // Reconnect attempts at most 0.25 s apart while the database is away, so a call made
    // during an outage fails within connect_timeout plus that (503, then recovery by
    // itself), not after postgres.js's default backoff of up to 20 s.
    backoff: (retries: number) => Math.min(0.25, 0.02 * 2 ** retries),
    onnotice: () => {},
    types: idempotentTypes,
    prepare: opts.prepare ?? true,
    // The one startup parameter PgBouncer keeps track of; it refuses any other (such as
    // statement_timeout), so the server's timeouts are its login's defaults instead
    // (src/db/login.ts, applyServerSettings).
    connection: { application_name: opts.applicationName ?? 'serviceflow' },
  };
  // max_pipeline is an option of postgres.js that its type declarations leave out, hence
  // the casts: 0 sends a statement only to an idle connection, 1 is what begin needs.
  const statements = postgres(url, { ...common, max, ...({ max_pipeline: 0 } as object) });
  const transactions = postgres(url, { ...common, max: txMax, ...({ max_pipeline: 1 } as object) });
  const txGate = gate(txMax, waitMs);
  const unnamed = opts.prepare === false;
  const marked = (args: unknown[]) => (unnamed
    ? args.map((a) => (typeof a === 'function' ? (tx: object) => { unnamedSessions.add(tx); return a(tx); } : a))
    : args);
  const begin = ((...args: unknown[]) => txGate.run(() => (transactions.begin as (...a: unknown[]) => Promise<unknown>)(...marked(args)))) as Sql['begin'];
  // A reserved session holds its permit until released.
  const reserveHeld = (async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let conn!: postgres.ReservedSql;
    await new Promise<void>((ready, fail) => {
      txGate.run(async () => { conn = await transactions.reserve(); ready(); await held; }).catch(fail);
    });
    if (unnamed) unnamedSessions.add(conn);
    const done = conn.release;
    conn.release = () => { done(); release(); };
    return conn;
  }) as Sql['reserve'];
  const endStatements = statements.end;
  const end = async (o?: { timeout?: number }) => { await Promise.all([endStatements(o), transactions.end(o)]); };
  const db = Object.assign(statements, { begin, reserve: reserveHeld, end }) as Sql;
  if (unnamed) unnamedSessions.add(db);
  gates.set(db, gate(max, waitMs));
  gates.set(begin, txGate);
  return db;
}
