// `make test`: the whole node:test suite against a real PostgreSQL — the server named by
// DATABASE_URL (a superuser), or else a throwaway embedded cluster. One migrated template
// database is cloned into a fresh database per test file (see helpers.ts). The servers under
// test connect as this run's own login in serviceflow_app (0003_roles.sql), created here and
// dropped at the end, as production's server connects as a role that cannot bypass the audit log.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { startEmbedded, type EmbeddedCluster } from '../src/db/embedded.ts';
import { connect } from '../src/db/index.ts';
import { issueAppLogin } from '../src/db/login.ts';
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
const appLogin = new URL(server);
appLogin.username = `${template}_app`;
appLogin.password = crypto.randomBytes(18).toString('base64url');
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
  await issueAppLogin(tpl, appLogin.toString());
  await tpl.end();
  const { MIGRATION_DATABASE_URL: _, ...env } = process.env; // the tests name their own databases
  code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=4', ...files,
    ], { stdio: 'inherit', env: { ...env, SF_TEST_SERVER: server, SF_TEST_TEMPLATE: template, SF_TEST_APP_URL: appLogin.toString() } });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} finally {
  await dropAll().catch((err) => process.stderr.write(`could not drop test databases: ${err.message}\n`));
  await maintenance.unsafe(`drop role if exists "${appLogin.username}"`).catch((err) => process.stderr.write(`could not drop the test login: ${err.message}\n`));
  await maintenance.end();
  await cluster?.close();
}
process.exit(code);
