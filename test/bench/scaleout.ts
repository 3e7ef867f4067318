// `make bench`, scaling out (issue 21): what it costs a request to run behind a transaction
// pooler and to share the rate limits between instances.
//   BENCH_ONLY=prepare  get_one and create with DB_PREPARE=true, then false straight to
//                       PostgreSQL (the unnamed statements alone), then false through
//                       PgBouncer in transaction mode when it is installed (the deployment)
//   BENCH_ONLY=limits   get_one and create with the rate limit off, in memory, and shared
//                       in PostgreSQL (a limit too high to refuse anything: the cost of
//                       counting, not of refusing)
// Each variant is its own server process over the same seeded database, measured like every
// other scenario (warm-up, then BENCH_DURATION seconds at 32 connections), in BENCH_ROUNDS
// (2) alternating rounds; the best round of each is reported, so that a burst of other work
// on the machine during one variant does not decide the comparison.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type autocannon from 'autocannon';
import postgres from 'postgres';
import { createLoad } from './client.ts';
import { installed, startPgbouncer, type Pooler } from '../fleet.ts';

interface Measured { scenario: string; rps: number; p50: number; p99: number; non2xx: number; errors: number }

export interface ScaleoutHarness {
  dbUrl: string;
  startServer(env: Record<string, string>): Promise<{ base: string; child: ChildProcess }>;
  bootstrapAdmin(base: string, bootstrap: string): Promise<string>;
  stopServer(s: { base: string; child: ChildProcess }): Promise<void>;
  load(name: string, base: string, opts: Partial<autocannon.Options>): Promise<Measured>;
  api(base: string, method: string, p: string, key: string | null, body?: unknown): Promise<any>;
  progress(msg: string): void;
  durationS: number;
}

interface Variant { name: string; env: Record<string, string>; pooled?: boolean }

const VARIANTS: Record<'prepare' | 'limits', Variant[]> = {
  prepare: [
    { name: 'DB_PREPARE=true', env: { DB_PREPARE: 'true' } },
    { name: 'DB_PREPARE=false', env: { DB_PREPARE: 'false' } },
    { name: 'DB_PREPARE=false via PgBouncer', env: { DB_PREPARE: 'false' }, pooled: true },
  ],
  limits: [
    { name: 'limits off', env: { RATE_LIMIT_RPS: '0', AUTH_FAILURE_LIMIT: '0' } },
    { name: 'limits in memory', env: { RATE_LIMIT_RPS: '1000000', RATE_LIMIT_BURST: '1000000', RATE_LIMIT_STORE: 'memory' } },
    { name: 'limits shared (postgres)', env: { RATE_LIMIT_RPS: '1000000', RATE_LIMIT_BURST: '1000000', RATE_LIMIT_STORE: 'postgres' } },
  ],
};

export async function scaleoutBench(only: 'prepare' | 'limits', h: ScaleoutHarness): Promise<void> {
  const bootstrap = crypto.randomBytes(24).toString('base64url');
  // Migrate and seed once, with the default settings.
  const first = await h.startServer({ DATABASE_URL: h.dbUrl, LOG_LEVEL: 'warn', ADMIN_BOOTSTRAP_KEY: bootstrap });
  let admin: string;
  let emp: string;
  let agent: string;
  try {
    admin = await h.bootstrapAdmin(first.base, bootstrap);
    emp = (await h.api(first.base, 'POST', '/users', admin, { email: 'bench-emp@example.com', full_name: 'Employee' })).api_key;
    agent = (await h.api(first.base, 'POST', '/users', admin, { email: 'bench-agent@example.com', full_name: 'Agent', role: 'AGENT' })).api_key;
    h.progress('seeding 2 000 requests');
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < 2000) { next++; await h.api(first.base, 'POST', '/requests', emp, { title: `scaleout ${next}`, priority: 'NORMAL' }); }
    }));
  } finally {
    await h.stopServer(first);
  }
  const sql = postgres(h.dbUrl, { max: 1, onnotice: () => {} });
  const numbers = (await sql`select number::int as n from requests order by random() limit 2000`).map((r) => r.n as number);
  let pooler: Pooler | undefined;
  const rows: { variant: string; get_one: Measured; create: Measured }[] = [];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const best = (a: Measured | undefined, b: Measured) => (a && a.rps >= b.rps ? a : b);
  try {
    for (let round = 0; round < rounds; round++) for (const v of VARIANTS[only]) {
      let url = h.dbUrl;
      if (v.pooled) {
        if (!installed('pgbouncer')) { if (round === 0) h.progress(`${v.name}: skipped, pgbouncer is not installed`); continue; }
        // DATABASE_URL alone: the server migrates and serves as that one login.
        pooler ??= await startPgbouncer(h.dbUrl, [], { poolSize: 20 });
        url = pooler.url(h.dbUrl);
      }
      const server = await h.startServer({ DATABASE_URL: url, LOG_LEVEL: 'warn', ...v.env });
      try {
        h.progress(`${v.name}: get_one (round ${round + 1} of ${rounds})`);
        const getOne = await h.load('get_one', server.base, { requests: [{ method: 'GET', headers: { 'x-api-key': agent }, setupRequest: (r: any) => ({ ...r, path: `/requests/REQ-${numbers[Math.floor(Math.random() * numbers.length)]}` }) }] });
        h.progress(`${v.name}: create`);
        const create = await h.load('create', server.base, createLoad(emp));
        const row = rows.find((r) => r.variant === v.name);
        if (row) { row.get_one = best(row.get_one, getOne); row.create = best(row.create, create); }
        else rows.push({ variant: v.name, get_one: getOne, create });
      } finally {
        await h.stopServer(server);
      }
    }
  } finally {
    await pooler?.close();
    await sql.end();
  }
  const base = rows[0];
  const lines = [
    `| ${only} | get_one req/s | p99 ms | vs first | create req/s | p99 ms | vs first | non-2xx |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.variant} | ${r.get_one.rps} | ${r.get_one.p99} | ${Math.round((r.get_one.rps / base.get_one.rps) * 100)}% | ${r.create.rps} | ${r.create.p99} | ${Math.round((r.create.rps / base.create.rps) * 100)}% | ${r.get_one.non2xx + r.get_one.errors + r.create.non2xx + r.create.errors} |`),
  ];
  console.log('\n' + lines.join('\n'));
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}; the best of ${rounds} rounds of ${h.durationS} s per figure`);
  fs.mkdirSync('bench-results', { recursive: true });
  const out = path.join('bench-results', `${only}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, JSON.stringify({ only, rows, duration_s: h.durationS }, null, 2));
  console.log(`figures written to ${out}`);
}
