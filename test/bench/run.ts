// `make bench`: ServiceFlow in production mode under load at 32 connections (wrk or autocannon: client.ts), beside
// pgbench running the very SQL files each scenario's handler executes (the database's own
// ceiling on this machine), at 20 000 and at 200 000 requests, then creates with a webhook
// endpoint subscribed to everything (test/bench/webhooks.ts). Figures go to stdout as a
// table and to bench-results/<time>.json. BENCH_ONLY=webhooks runs only the webhook
// scenario (and the create rate without an endpoint it is compared with); BENCH_ONLY=streams
// only the 200 open streams (test/bench/extra.ts streamsScenario).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { startEmbedded, type EmbeddedCluster } from '../../src/db/embedded.ts';
import { SQL_DIR } from '../../src/db/index.ts';
import { hashApiKey } from '../../src/users/keys.ts';
import { databaseUrl } from '../db-url.ts';
import { createLoad, drive, oneOf } from './client.ts';
import { type Extra, reportsScenarios, streamsScenario } from './extra.ts';
import { benchAttachments } from './attachments.ts';
import { pgbenchScript, type Param } from './pgbench.ts';
import { scaleoutBench } from './scaleout.ts';
import { type WebhookBench, webhookLines, webhookScenario, webhookTargets } from './webhooks.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
// Each scenario first runs this long unmeasured, so the figures are the steady state, not
// the first second's statements being prepared on each pooled connection and code not yet
// optimised (cold start is measured on its own).
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const CONNECTIONS = 32;
/** Attempts in flight to the bench's one endpoint (WEBHOOK_CONCURRENCY; default as in production). */
const HOOK_CONCURRENCY = Number(process.env.WEBHOOK_CONCURRENCY || 4);
const progress = (msg: string) => process.stdout.write(`» ${msg}\n`);
// BENCH_ONLY=attachments: only the attachment transfers (test/bench/attachments.ts).
const ONLY = process.env.BENCH_ONLY || undefined;
// BENCH_ONLY=prepare or limits: the cost of DB_PREPARE=false and of shared limits (test/bench/scaleout.ts).
const ONLY_CHOICES = ['attachments', 'webhooks', 'streams', 'prepare', 'limits'];
if (ONLY !== undefined && !ONLY_CHOICES.includes(ONLY)) throw new Error(`BENCH_ONLY must be one of ${ONLY_CHOICES.join(', ')} (or unset), not ${ONLY}`);

interface Server { base: string; child: ChildProcess }

async function startServer(env: Record<string, string>): Promise<Server & { readyMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', RATE_LIMIT_RPS: '0', AUTH_FAILURE_LIMIT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening[^\n]*?(http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`server exited: ${out}`)));
  });
  while ((await fetch(`${base}/health/ready`).catch(() => null))?.status !== 200) await new Promise((r) => setTimeout(r, 20));
  return { base, child, readyMs: performance.now() - started };
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

/** Cold start: first-ever start (initdb, migrate, seed) and a start on an initialised data directory. */
async function coldStart(): Promise<{ first_ms: number; warm_ms: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-cold-'));
  fs.chmodSync(dir, 0o755);
  const env = { DATABASE_URL: '', DATABASE_URL_POSTGRES: '', DATA_DIR: dir, LOG_LEVEL: 'warn' };
  const first = await startServer(env);
  await stopServer(first);
  const warm = await startServer(env);
  await stopServer(warm);
  fs.rmSync(dir, { recursive: true, force: true });
  return { first_ms: Math.round(first.readyMs), warm_ms: Math.round(warm.readyMs) };
}

async function api(base: string, method: string, p: string, key: string | null, body?: unknown) {
  const res = await fetch(base + p, {
    method, headers: { ...(key ? { 'X-API-Key': key } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = res.status === 204 ? null : await res.json();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const WORDS = ['printer', 'laptop', 'vpn', 'monitor', 'password', 'badge', 'desk', 'email', 'phone', 'license'];
const title = (i: number) => `${WORDS[i % WORDS.length]} issue number ${i}`;

/** `client_cpu`: CPU seconds the load generator used per second of the measured run. */
interface Result { scenario: string; rows: number; rps: number; p50: number; p99: number; non2xx: number; errors: number; client: string; client_cpu: number; ceiling_tps: number | null; share: number | null }

async function load(name: string, base: string, opts: Partial<autocannon.Options>): Promise<Omit<Result, 'ceiling_tps' | 'share' | 'rows'>> {
  if (WARMUP > 0) await drive(base, CONNECTIONS, WARMUP, opts);
  const r = await drive(base, CONNECTIONS, DURATION, opts);
  return { scenario: name, rps: Math.round(r.rps), p50: r.p50, p99: r.p99, non2xx: r.non2xx, errors: r.errors, client: r.client, client_cpu: Math.round(r.clientCpu * 100) / 100 };
}

/** pgbench's transactions per second over one script (null when pgbench is not installed or fails). */
function pgbench(server: string, script: string, defines: Record<string, string>): number | null {
  if (spawnSync('pgbench', ['--version']).status !== 0) return null;
  const url = new URL(server);
  const file = path.join(os.tmpdir(), `sf-pgbench-${crypto.randomBytes(4).toString('hex')}.sql`);
  fs.writeFileSync(file, script);
  const args = ['-n', '-M', 'prepared', '-c', String(CONNECTIONS), '-j', '2', '-T', String(DURATION), '-f', file,
    '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username), ...Object.entries(defines).flatMap(([k, v]) => ['-D', `${k}=${v}`]), url.pathname.slice(1)];
  const r = spawnSync('pgbench', args, {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) },
  });
  fs.rmSync(file);
  const tps = /tps = ([\d.]+)/.exec(r.stdout)?.[1];
  if (!tps || r.status !== 0) {
    progress(`pgbench failed (exit ${r.status}): ${`${r.stderr}\n${r.stdout}`.trim().split('\n').filter((l) => /error|ERROR|abort|FATAL/.test(l)).slice(0, 4).join(' | ') || r.stdout.trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
  return Number(tps);
}

/**
 * The bench's own session (fixtures, bulk rows, counts): without the server login's
 * statement_timeout, which it shares when the server connects as the same role (the
 * embedded cluster's superuser); 96 000 rows inserted at once took over its 15 s here.
 */
const BULK_SESSION = { statement_timeout: 0 };

/** The database the bench uses: DATABASE_URL's server, or a throwaway embedded cluster. */
async function benchDatabase() {
  const given = process.env.DATABASE_URL || process.env.DATABASE_URL_POSTGRES;
  const cluster = given ? undefined : await startEmbedded();
  const serverUrl = given || cluster!.url;
  const dbName = `sf_bench_${Date.now().toString(36)}`;
  const maintenance = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await maintenance.unsafe(`create database "${dbName}"`);
  const dbUrl = databaseUrl(serverUrl, dbName);
  return {
    dbUrl,
    async drop() {
      await maintenance.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => {});
      await maintenance.end();
      await cluster?.close();
    },
  };
}

/** The create rate without a webhook endpoint: the webhook scenario's slices without one. */
const createBaseline = (base: string, key: string) => async () => {
  progress('create without a webhook endpoint');
  const r = await load('create', base, createLoad(key));
  progress(`create without an endpoint: ${r.rps} req/s`);
  return r.rps;
};

/** The bench's ADMIN, made with the bootstrap key the server was started with; its API key. */
async function bootstrapAdmin(base: string, bootstrap: string): Promise<string> {
  const r = await fetch(`${base}/users`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Bootstrap-Key': bootstrap }, body: JSON.stringify({ email: 'bench-admin@example.com', full_name: 'Bench Admin' }) });
  return (await r.json()).api_key as string;
}

/** BENCH_ONLY=webhooks: creates without, then with, an endpoint subscribed to everything. */
async function webhooksOnly() {
  const database = await benchDatabase();
  const sql = postgres(database.dbUrl, { max: 2, onnotice: () => {}, connection: BULK_SESSION });
  const bootstrap = crypto.randomBytes(24).toString('base64url');
  const server = await startServer({ DATABASE_URL: database.dbUrl, LOG_LEVEL: 'warn', ADMIN_BOOTSTRAP_KEY: bootstrap, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CONCURRENCY: String(HOOK_CONCURRENCY) });
  try {
    const base = server.base;
    const admin = await bootstrapAdmin(base, bootstrap);
    const emp = await api(base, 'POST', '/users', admin, { email: 'bench-emp@example.com', full_name: 'Employee' });
    const w = await webhookScenario({ base, adminKey: admin, empKey: emp.api_key, sql, durationS: DURATION, baseline: createBaseline(base, emp.api_key), concurrency: HOOK_CONCURRENCY, api, load });
    const lines = webhookLines(w);
    console.log('\n' + lines.join('\n'));
    const targets = webhookTargets(w);
    console.log('\ntargets (issue 15):');
    for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.value}`);
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${DURATION} s measured after ${WARMUP} s of warm-up, ${CONNECTIONS} connections`);
    fs.mkdirSync('bench-results', { recursive: true });
    const out = path.join('bench-results', `webhooks-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(out, JSON.stringify({ webhooks: w, targets, duration_s: DURATION, warmup_s: WARMUP, connections: CONNECTIONS }, null, 2));
    console.log(`figures written to ${out}`);
  } finally {
    await stopServer(server).catch(() => {});
    await sql.end();
    await database.drop();
  }
}

/** BENCH_ONLY=streams: creates without, then with, 200 open streams. */
async function streamsOnly() {
  const database = await benchDatabase();
  const bootstrap = crypto.randomBytes(24).toString('base64url');
  const server = await startServer({ DATABASE_URL: database.dbUrl, LOG_LEVEL: 'warn', ADMIN_BOOTSTRAP_KEY: bootstrap });
  try {
    const base = server.base;
    const admin = await bootstrapAdmin(base, bootstrap);
    const emp = await api(base, 'POST', '/users', admin, { email: 'bench-emp@example.com', full_name: 'Employee' });
    if (WARMUP > 0) await drive(base, CONNECTIONS, WARMUP, createLoad(emp.api_key));
    const targets = await streamsScenario(base, admin, emp.api_key, DURATION, CONNECTIONS);
    console.log('\ntargets (issue 19):');
    for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.value}`);
  } finally {
    await stopServer(server).catch(() => {});
    await database.drop();
  }
}

async function main() {
  if (ONLY === 'webhooks') return webhooksOnly();
  if (ONLY === 'streams') return streamsOnly();
  if (ONLY === 'prepare' || ONLY === 'limits') {
    const database = await benchDatabase();
    try {
      return await scaleoutBench(ONLY, { dbUrl: database.dbUrl, startServer, bootstrapAdmin, stopServer, load, api, progress, durationS: DURATION });
    } finally {
      await database.drop();
    }
  }
  const results: Result[] = [];
  let cluster: EmbeddedCluster | undefined;
  const given = process.env.DATABASE_URL || process.env.DATABASE_URL_POSTGRES;
  if (!ONLY) progress('measuring cold start');
  const cold = ONLY ? { first_ms: 0, warm_ms: 0 } : await coldStart();
  if (!ONLY) progress(`cold start: first-ever ${cold.first_ms} ms, initialised ${cold.warm_ms} ms`);

  let serverUrl: string;
  if (given) {
    serverUrl = given;
  } else {
    cluster = await startEmbedded();
    serverUrl = cluster.url;
  }
  const dbName = `sf_bench_${Date.now().toString(36)}`;
  const maintenance = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await maintenance.unsafe(`create database "${dbName}"`);
  const dbUrl = databaseUrl(serverUrl, dbName);
  const sql = postgres(dbUrl, { max: 4, onnotice: () => {}, connection: BULK_SESSION });
  const bootstrap = crypto.randomBytes(24).toString('base64url');
  const server = await startServer({ DATABASE_URL: dbUrl, LOG_LEVEL: 'warn', ADMIN_BOOTSTRAP_KEY: bootstrap, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CONCURRENCY: String(HOOK_CONCURRENCY) });
  try {
    const base = server.base;
    if (ONLY === 'attachments') return await benchAttachments({ base, pid: server.child.pid!, bootstrap });
    progress('seeding users through the API');
    const admin = await bootstrapAdmin(base, bootstrap);
    const agent = await api(base, 'POST', '/users', admin, { email: 'bench-agent@example.com', full_name: 'Bench Agent', role: 'AGENT' });
    const employees = await Promise.all(Array.from({ length: 20 }, (_, i) => api(base, 'POST', '/users', admin, { email: `bench-emp${i}@example.com`, full_name: `Employee ${i}` })));
    // Twenty teams; the agent is in two of them (issue 14: an agent's list in 2 of 20 teams).
    const teams = await Promise.all(Array.from({ length: 20 }, (_, i) => api(base, 'POST', '/teams', admin, { name: `Team ${i}` })));
    for (const t of teams.slice(0, 2)) await fetch(`${base}/teams/${t.id}/members/${agent.id}`, { method: 'PUT', headers: { 'X-API-Key': admin } });
    // A request in every 21 goes to the general pool, the rest round-robin to the teams.
    const teamOf = (i: number) => (i % 21 === 20 ? null : teams[i % 21].id);
    progress('seeding 20 000 requests through the API (32 connections)');
    let next = 0;
    const seedStarted = performance.now();
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (next < 20_000) {
        const i = next++;
        await api(base, 'POST', '/requests', employees[i % 20].api_key, { title: title(i), description: `Reported by employee ${i % 20}.`, priority: 'NORMAL', team_id: teamOf(i) });
      }
    }));
    progress(`seeded in ${Math.round(performance.now() - seedStarted)} ms`);
    await sql`analyze`;

    const agentKey = agent.api_key as string;
    const empKey = employees[0].api_key as string;
    const hash = (k: string) => `\\x${hashApiKey(k).toString('hex')}`;
    const q = (f: string) => fs.readFileSync(path.join(SQL_DIR, 'queries', `${f}.sql`), 'utf8');
    const auth = (key: string): [string, Param[]] => [q('users/find_actor_by_key_hash'), [{ value: hash(key) }]];
    const NULL: Param = { literal: 'NULL' };
    // What the agent may see (src/requests/policy.ts listScope): the pool, two teams, their own work.
    const agentTeams: Param = { literal: `'{${teams[0].id},${teams[1].id}}'::uuid[]` };
    const agentSees: Param[] = [{ literal: 'false' }, agentTeams, { value: agent.id }];
    const everything: Param[] = [{ literal: 'true' }, { literal: `'{}'::uuid[]` }, { value: employees[0].id }];
    const list = (over: Record<number, Param>, sees = agentSees): [string, Param[]] => {
      const params: Param[] = [NULL, NULL, { literal: 'false' }, NULL, NULL, NULL, NULL, NULL, NULL, { literal: '51' }, NULL, { literal: 'false' }, ...sees];
      for (const [i, p] of Object.entries(over)) params[Number(i) - 1] = p;
      return [q('requests/list_requests'), params];
    };
    const LIMIT: Param = { literal: '51' };
    const recent = (after: Param = NULL): [string, Param[]] => [q('requests/list_recent'), [after, LIMIT, ...agentSees]];

    async function reads(rows: number) {
      const [{ max }] = await sql`select max(number)::bigint as max from requests`;
      const maxN = Number(max);
      // get_one asks for requests the agent may see: the pool and the agent's two teams.
      const visibleNumbers = (await sql`select number::int as n from requests
        where team_id is null or team_id = any(${sql.array([teams[0].id, teams[1].id])}::uuid[]) order by random() limit 5000`).map((r) => r.n as number);
      // The cursor of a page ~19 000 rows in, reached by walking pages like a client would.
      let cursor: string | null = null;
      for (let walked = 0; walked < 19_000; walked += 100) {
        cursor = (await api(base, 'GET', `/requests?limit=100${cursor ? `&cursor=${cursor}` : ''}`, agentKey)).next_cursor;
      }
      const deepAfter = Buffer.from(cursor!, 'base64url').toString().slice(2);
      const scenarios: { name: string; opts: Partial<autocannon.Options>; ceiling: [string, Param[]][]; defines?: Record<string, string> }[] = [
        {
          name: 'get_one',
          opts: { requests: [oneOf(visibleNumbers.map((n) => `/requests/REQ-${n}`), { method: 'GET', headers: { 'x-api-key': agentKey } })] },
          ceiling: [auth(agentKey), [q('requests/get_request_by_public_id'), [{ expr: `('REQ-' || :n)` }]]],
          defines: { max: String(maxN) },
        },
        { name: 'list_page', opts: { requests: [{ method: 'GET', path: '/requests', headers: { 'x-api-key': agentKey } }] }, ceiling: [auth(agentKey), recent()] },
        { name: 'list_page_employee', opts: { requests: [{ method: 'GET', path: '/requests', headers: { 'x-api-key': empKey } }] }, ceiling: [auth(empKey), [q('requests/list_recent_by_creator'), [{ value: employees[0].id }, NULL, LIMIT, ...everything]]] },
        { name: 'list_filtered', opts: { requests: [{ method: 'GET', path: '/requests?status=NEW&assignee_id=none', headers: { 'x-api-key': agentKey } }] }, ceiling: [auth(agentKey), [q('requests/list_queue'), [NULL, LIMIT, agentSees[0], agentSees[1]]]] },
        {
          name: 'team_queue',
          opts: { requests: [{ method: 'GET', path: `/requests?status=NEW&assignee_id=none&team_id=${teams[0].id}`, headers: { 'x-api-key': agentKey } }] },
          ceiling: [auth(agentKey), [q('requests/list_team_queue'), [{ value: teams[0].id }, NULL, LIMIT, agentSees[0], agentSees[1]]]],
        },
        { name: 'search', opts: { requests: [{ method: 'GET', path: '/requests?q=printer', headers: { 'x-api-key': agentKey } }] }, ceiling: [auth(agentKey), list({ 6: { literal: `'printer'` } })] },
        { name: 'list_deep', opts: { requests: [{ method: 'GET', path: `/requests?cursor=${cursor}`, headers: { 'x-api-key': agentKey } }] }, ceiling: [auth(agentKey), recent({ literal: deepAfter })] },
      ];
      for (const s of scenarios) {
        progress(`${s.name} at ${rows} rows: ServiceFlow`);
        const ours = await load(s.name, base, s.opts);
        progress(`${s.name} at ${rows} rows: pgbench ceiling`);
        const ceiling = pgbench(dbUrl, pgbenchScript(s.ceiling, s.name === 'get_one' ? '\\set n random(1, :max)\n' : ''), s.defines ?? {});
        results.push({ ...ours, rows, ceiling_tps: ceiling && Math.round(ceiling), share: ceiling && Math.round((ours.rps / ceiling) * 100) / 100 });
      }
    }

    await reads(20_000);

    // Writes at 20 000 rows.
    progress('create: ServiceFlow');
    const create = await load('create', base, createLoad(empKey));
    progress('create: pgbench ceiling');
    const createCeiling = pgbench(dbUrl, pgbenchScript([auth(empKey), [q('requests/insert_request'), [{ literal: `'bench create'` }, { literal: `'load'` }, { literal: `'LOW'` }, { value: employees[0].id }, { literal: `'bench'` }, { literal: `'127.0.0.1'` }, { literal: `'pgbench'` }, NULL]]]), {});
    results.push({ ...create, rows: 20_000, ceiling_tps: createCeiling && Math.round(createCeiling), share: createCeiling && Math.round((create.rps / createCeiling) * 100) / 100 });

    // take_and_close: each NEW request once, oldest first; pgbench works its own range of rows.
    // Oldest first, from the older half only, so the queue keeps NEW requests at its top.
    const pool = (await sql`select public_id from requests where status = 'NEW' and assignee_id is null and (team_id is null or team_id = any(${sql.array([teams[0].id, teams[1].id])}::uuid[])) order by number`).map((r) => r.public_id as string);
    const half = Math.floor(pool.length / 2);
    let taken = 0;
    progress('take_and_close: ServiceFlow');
    const move = (status: string) => ({
      method: 'PATCH' as const, headers: { 'x-api-key': agentKey, 'content-type': 'application/json' }, body: JSON.stringify({ status }),
    });
    const tac = await load('take_and_close', base, {
      requests: [
        { ...move('IN_PROGRESS'), setupRequest: (r: any, ctx: any) => { ctx.ref = pool[taken++ % half]; return { ...r, path: `/requests/${ctx.ref}/status` }; } },
        { ...move('DONE'), setupRequest: (r: any, ctx: any) => ({ ...r, path: `/requests/${ctx.ref}/status` }) },
      ],
    });
    progress('take_and_close: pgbench ceiling');
    const get = q('requests/get_request');
    const upd = q('requests/update_request');
    const idOf = `(select id from requests where number = :n)`;
    const versionOf = `(select version from requests where number = :n)`;
    const moveParams = (status: string, changes: string): Param[] => [
      { expr: idOf }, { expr: versionOf }, { expr: `(select title from requests where number = :n)` }, { expr: `(select description from requests where number = :n)` },
      { literal: `'NORMAL'` }, { literal: `'${status}'` }, { value: agent.id }, { value: agent.id }, { literal: `'request.status_changed'` },
      { literal: `'${changes}'` }, NULL, { literal: `'bench'` }, { literal: `'127.0.0.1'` }, { literal: `'pgbench'` }, NULL,
    ];
    const tacScript = pgbenchScript([
      auth(agentKey), [get, [{ expr: idOf }]], [upd, moveParams('IN_PROGRESS', '{"status": ["NEW", "IN_PROGRESS"]}')],
      auth(agentKey), [get, [{ expr: idOf }]], [upd, moveParams('DONE', '{"status": ["IN_PROGRESS", "DONE"]}')],
    ], `\\set i :i + 1\n\\set n :first + :client_id * 3000 + :i\n`);
    // Each pgbench client walks its own stride of 3000 fresh NEW requests, each once.
    await sql`insert into requests (title, created_by) select 'pgbench pool', ${employees[1].id}::uuid from generate_series(1, ${CONNECTIONS * 3000})`; // the general pool
    const [{ lo }] = await sql`select min(number)::int as lo from requests where title = 'pgbench pool'`;
    // One pgbench transaction takes and closes one request: compare it with our pairs of calls.
    const tacCeiling = pgbench(dbUrl, tacScript, { first: String(lo - 1), i: '0' });
    results.push({ ...tac, rows: 20_000, ceiling_tps: tacCeiling && Math.round(tacCeiling), share: tacCeiling && Math.round(((tac.rps / 2) / tacCeiling) * 100) / 100 });

    progress('adding rows up to 200 000 (bulk SQL)');
    const [{ n: have }] = await sql`select count(*)::int as n from requests`;
    await sql`
      insert into requests (title, description, created_by, team_id)
      select ${WORDS[0]} || ' bulk ' || i, 'bulk row', (${sql.array(employees.map((e: any) => e.id))}::uuid[])[1 + i % 20],
             (${sql.array(teams.map((t: any) => t.id))}::uuid[])[1 + i % 21]
      from generate_series(1, ${200_000 - have}) as i`;
    await sql`update requests set title = (${sql.array(WORDS)}::text[])[1 + (number % 10)] || ' bulk ' || number where title like 'printer bulk %'`;
    await sql`vacuum analyze requests`.catch(() => sql`analyze requests`);
    // The bulk rows' pages are written out now, not by a checkpoint that would run through
    // the next scenarios and charge them for it (list_page@200000 read 1.26-1.4x the cost of
    // 20 000 rows while its pgbench ceiling, measured after, rose).
    await sql`checkpoint`.catch(() => {});
    await reads(200_000);
    const extras = [
      ...await reportsScenarios(base, admin, server.child.pid!, DURATION, WARMUP),
      ...await streamsScenario(base, admin, empKey, DURATION, CONNECTIONS),
    ];

    // Last: the endpoint would otherwise receive every scenario's events. Compared with
    // creates on this database as it is now (some 330 000 requests and their events), not
    // with the create scenario's at 20 000 rows, which ran on smaller tables and indexes.
    const hooks = await webhookScenario({ base, adminKey: admin, empKey, sql, durationS: DURATION, baseline: createBaseline(base, empKey), concurrency: HOOK_CONCURRENCY, api, load });

    report(results, cold, extras, hooks);
  } finally {
    await stopServer(server).catch(() => {});
    await sql.end();
    await maintenance.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => {});
    await maintenance.end();
    await cluster?.close();
  }
}

function report(results: Result[], cold: { first_ms: number; warm_ms: number }, extras: Extra[], hooks: WebhookBench) {
  const lines = [
    `| scenario | rows | req/s | p50 ms | p99 ms | non-2xx | client, CPU | pgbench tps | share |`,
    `|---|---:|---:|---:|---:|---:|---|---:|---:|`,
    ...results.map((r) => `| ${r.scenario} | ${r.rows} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx + r.errors} | ${r.client} ${Math.round(r.client_cpu * 100)}% | ${r.ceiling_tps ?? '—'} | ${r.share === null ? '—' : `${Math.round(r.share * 100)}%`} |`),
  ];
  const at = (name: string, rows: number) => results.find((r) => r.scenario === name && r.rows === rows);
  const ratios = ['get_one', 'list_page', 'list_page_employee', 'list_filtered', 'team_queue', 'search', 'list_deep'].map((name) => {
    const a = at(name, 20_000)!;
    const b = at(name, 200_000)!;
    return { scenario: name, cost_ratio_200k: Math.round((a.rps / b.rps) * 100) / 100 };
  });
  const deep = Math.round((at('list_page', 20_000)!.rps / at('list_deep', 20_000)!.rps) * 100) / 100;
  console.log('\n' + lines.join('\n'));
  console.log(`\n200 000 vs 20 000 rows (cost ratio, 1.0 = same): ${ratios.map((r) => `${r.scenario} ${r.cost_ratio_200k}×`).join(', ')}`);
  console.log(`list_deep vs list_page cost at 20 000 rows: ${deep}×`);
  console.log(`cold start to /health/ready: first-ever ${cold.first_ms} ms, initialised ${cold.warm_ms} ms`);
  console.log(webhookLines(hooks).join('\n'));
  const targets = [...checkTargets(results, ratios, deep, cold), ...extras, ...webhookTargets(hooks)];
  console.log('\ntargets (issues 7, 14, 15, 19, 20):');
  for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.value}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${DURATION} s per scenario after ${WARMUP} s of warm-up, ${CONNECTIONS} connections`);
  fs.mkdirSync('bench-results', { recursive: true });
  const out = path.join('bench-results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, JSON.stringify({ results, ratios, list_deep_vs_first: deep, cold_start: cold, webhooks: hooks, targets, duration_s: DURATION, warmup_s: WARMUP, connections: CONNECTIONS }, null, 2));
  console.log(`figures written to ${out}`);
}

/** The targets the benchmark (not a timed test) checks. */
function checkTargets(results: Result[], ratios: { scenario: string; cost_ratio_200k: number }[], deep: number, cold: { first_ms: number; warm_ms: number }) {
  const at = (name: string, rows = 20_000) => results.find((r) => r.scenario === name && r.rows === rows)!;
  const share = (name: string, min: number) => {
    const r = at(name);
    return { target: `${name} ≥ ${min * 100}% of its pgbench ceiling`, value: r.share === null ? 'no pgbench' : `${Math.round(r.share * 100)}%`, met: r.share !== null && r.share >= min };
  };
  const reads = ['get_one', 'list_page', 'list_page_employee', 'list_filtered', 'team_queue', 'search', 'list_deep'];
  const slowReads = results.filter((r) => reads.includes(r.scenario) && r.p99 >= 50);
  const failing = results.filter((r) => r.non2xx + r.errors > 0);
  const scaling = ratios.filter((r) => r.cost_ratio_200k > 1.2);
  return [
    share('get_one', 0.5), share('list_filtered', 0.5), share('create', 0.7), share('take_and_close', 0.5),
    // issue 14: every list statement at 60% of its ceiling, at both sizes
    ...['list_page', 'list_page_employee', 'list_filtered', 'team_queue', 'search'].flatMap((name) => [20_000, 200_000].map((rows) => {
      const r = at(name, rows);
      return { target: `${name}@${rows} ≥ 60% of its pgbench ceiling`, value: r.share === null ? 'no pgbench' : `${Math.round(r.share * 100)}%`, met: r.share !== null && r.share >= 0.6 };
    })),
    { target: 'list_deep within 1.3× the cost of the first page', value: `${deep}×`, met: deep <= 1.3 },
    { target: '200 000 rows within 1.2× of 20 000 for every read', value: scaling.length ? scaling.map((r) => `${r.scenario} ${r.cost_ratio_200k}×`).join(', ') : 'all within', met: scaling.length === 0 },
    { target: 'no non-2xx', value: failing.length ? failing.map((r) => `${r.scenario}@${r.rows}`).join(', ') : 'none', met: failing.length === 0 },
    { target: 'p99 under 50 ms for reads', value: slowReads.length ? slowReads.map((r) => `${r.scenario}@${r.rows} ${r.p99} ms`).join(', ') : 'all under', met: slowReads.length === 0 },
    { target: 'cold start under 3 s (initialised) and 10 s (first ever)', value: `${cold.warm_ms} ms, ${cold.first_ms} ms`, met: cold.warm_ms < 3000 && cold.first_ms < 10_000 },
  ];
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
