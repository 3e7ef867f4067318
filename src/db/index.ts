// The database handle: a postgres.js pool, and every .sql file under sql/queries read
// once at start-up so a call costs one round trip of a prepared statement.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

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

let inFlight = 0;
/** Statements sent and not yet answered: the pool is busy with min(inFlight, max) of them. */
export const queriesInFlight = () => inFlight;

/**
 * Runs sql/queries/<name>.sql with positional parameters as a named prepared statement,
 * whose plan PostgreSQL caches. `replan` sends it unnamed instead, so it is planned for
 * the values of each call: for the filter statements written as `$n is null or …`,
 * where one cached plan could not know which filters are on.
 */
export async function query<T extends Row = Row>(db: Tx, name: string, params: unknown[] = [], replan = false): Promise<T[]> {
  const text = QUERIES.get(name);
  if (text === undefined) throw new Error(`no query file sql/queries/${name}.sql`);
  inFlight++;
  try {
    return (await db.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: !replan })) as unknown as T[];
  } finally {
    inFlight--;
  }
}

export async function one<T extends Row = Row>(db: Tx, name: string, params: unknown[] = []): Promise<T | undefined> {
  return (await query<T>(db, name, params))[0];
}

export interface ConnectOptions { max?: number; applicationName?: string }

export function connect(url: string, opts: ConnectOptions = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 10,
    connect_timeout: 3,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    onnotice: () => {},
    // At most one statement queued behind the one in flight on a connection; the rest
    // wait for the first free connection. postgres.js pipelines up to 100 by default, and
    // a statement stuck behind a slow one (or a backend the OS has not scheduled) set our
    // p99: a list at 32 HTTP connections, 46–56 ms with 100, 22–26 ms with 1, same
    // throughput (docs/benchmarks.md). 0 would be fairer still, but then postgres.js never
    // hands a transaction its connection. (An option of postgres.js that its type
    // declarations leave out, hence the spread.)
    ...({ max_pipeline: 1 } as object),
    connection: {
      application_name: opts.applicationName ?? 'serviceflow',
      statement_timeout: 15_000,
      idle_in_transaction_session_timeout: 30_000,
    },
  });
}
