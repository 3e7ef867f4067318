// `make test`: the whole node:test suite against a real PostgreSQL — the server named by
// DATABASE_URL, or else a throwaway embedded cluster. One migrated template database is
// cloned into a fresh database per test file (see helpers.ts).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { startEmbedded, type EmbeddedCluster } from '../src/db/embedded.ts';
import { connect } from '../src/db/index.ts';
import { migrate } from '../src/migrate.ts';
import { databaseUrl } from './db-url.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const files = (args.length ? args : fs.readdirSync(here).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(here, f)))
  .map((f) => path.resolve(f));

let cluster: EmbeddedCluster | undefined;
let server = process.env.DATABASE_URL || process.env.DATABASE_URL_POSTGRES;
if (!server) {
  process.stdout.write('starting a throwaway embedded PostgreSQL…\n');
  cluster = await startEmbedded();
  server = cluster.url;
}
const template = `sf_test_${process.pid}_${Date.now().toString(36)}`;
const maintenance = postgres(server, { max: 1, onnotice: () => {} });
const dropAll = async () => {
  const dbs = await maintenance`select datname from pg_database where datname like ${template + '%'}`;
  for (const { datname } of dbs) await maintenance.unsafe(`drop database if exists "${datname}" with (force)`);
};
let code = 1;
try {
  await maintenance.unsafe(`create database "${template}"`);
  const tpl = connect(databaseUrl(server, template), { max: 1 });
  await migrate(tpl);
  await tpl.end();
  code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=4', ...files,
    ], { stdio: 'inherit', env: { ...process.env, SF_TEST_SERVER: server, SF_TEST_TEMPLATE: template } });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} finally {
  await dropAll().catch((err) => process.stderr.write(`could not drop test databases: ${err.message}\n`));
  await maintenance.end();
  await cluster?.close();
}
process.exit(code);
