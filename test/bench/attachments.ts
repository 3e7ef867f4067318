// `BENCH_ONLY=attachments make bench`: upload and download throughput of a 1 MiB file at
// 8 connections (autocannon), and the server's RSS growth while a 10 MiB file goes up and
// comes back (issue 18: under 3× the file size). RSS is the server process's, from
// /proc/<pid>/status: its peak (VmHWM, reset through clear_refs before each transfer, or
// VmRSS sampled every 2 ms where that reset is not allowed) minus VmRSS just before.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

const MiB = 1024 * 1024;
const CONNECTIONS = 8;
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const progress = (msg: string) => process.stdout.write(`» ${msg}\n`);

export interface Target { base: string; pid: number; bootstrap: string }

const kib = (field: string, pid: number) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

/** The server's RSS growth while `work` runs: its peak during `work` minus its RSS before. */
async function rssGrowth(pid: number, work: () => Promise<void>): Promise<{ before: number; peak: number; growth: number; method: string }> {
  const before = kib('VmRSS', pid);
  let resettable = true;
  try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { resettable = false; }
  let sampled = before;
  const timer = setInterval(() => { sampled = Math.max(sampled, kib('VmRSS', pid)); }, 2);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  sampled = Math.max(sampled, kib('VmRSS', pid));
  const peak = resettable ? Math.max(kib('VmHWM', pid), sampled) : sampled;
  return { before, peak, growth: peak - before, method: resettable ? 'VmHWM after clear_refs' : 'VmRSS sampled every 2 ms' };
}

async function json(base: string, method: string, p: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(base + p, { method, headers: { 'Content-Type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const out = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/** One upload over a plain socket (the file from memory), answered with the attachment. */
function upload(base: string, key: string, ref: string, file: Buffer, name: string): Promise<{ id: string; sha256: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/requests/${ref}/attachments?filename=${name}`, {
      method: 'POST', agent: false, headers: { 'X-API-Key': key, 'Content-Type': 'application/octet-stream', 'Content-Length': String(file.length) },
    }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(text)) : reject(new Error(`upload: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(file);
  });
}

/** One download, read and thrown away as it arrives; resolves with the bytes' sha256. */
function download(base: string, key: string, id: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(`${base}/attachments/${id}`, { agent: false, headers: { 'X-API-Key': key } }, (res) => {
      const hash = crypto.createHash('sha256');
      res.on('data', (c) => hash.update(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(hash.digest('hex')) : reject(new Error(`download: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

async function load(opts: autocannon.Options) {
  if (WARMUP > 0) await autocannon({ ...opts, duration: WARMUP });
  const r = await autocannon({ ...opts, duration: DURATION });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, requests: r.requests.total };
}

export async function benchAttachments(t: Target) {
  const admin = (await json(t.base, 'POST', '/users', { 'X-Bootstrap-Key': t.bootstrap }, { email: 'bench-admin@example.com', full_name: 'Bench Admin' })).api_key as string;
  const emp = (await json(t.base, 'POST', '/users', { 'X-API-Key': admin }, { email: 'bench-emp@example.com', full_name: 'Bench Employee' })).api_key as string;
  const req = await json(t.base, 'POST', '/requests', { 'X-API-Key': emp }, { title: 'Files for the benchmark' });

  // Memory first, on a server that has done nothing bigger yet.
  const one = crypto.randomBytes(MiB);
  const ten = crypto.randomBytes(10 * MiB);
  progress('warming up: one 1 MiB upload and download');
  const warm = await upload(t.base, emp, req.public_id, one, 'warm.bin');
  await download(t.base, emp, warm.id);
  progress('RSS while a 10 MiB file goes up');
  let stored!: { id: string; sha256: string };
  const up = await rssGrowth(t.pid, async () => { stored = await upload(t.base, emp, req.public_id, ten, 'ten.bin'); });
  progress('RSS while it comes back');
  let got = '';
  const down = await rssGrowth(t.pid, async () => { got = await download(t.base, emp, stored.id); });
  if (got !== stored.sha256 || stored.sha256 !== crypto.createHash('sha256').update(ten).digest('hex')) throw new Error('the 10 MiB file did not come back intact');

  progress(`upload of 1 MiB at ${CONNECTIONS} connections`);
  const headers = { 'x-api-key': emp };
  const uploads = await load({
    url: t.base, connections: CONNECTIONS, duration: DURATION,
    requests: [{ method: 'POST', path: `/requests/${req.public_id}/attachments?filename=bench.bin`, headers: { ...headers, 'content-type': 'application/octet-stream' }, body: one as unknown as string }],
  });
  progress(`download of 1 MiB at ${CONNECTIONS} connections`);
  const downloads = await load({ url: t.base, connections: CONNECTIONS, duration: DURATION, requests: [{ method: 'GET', path: `/attachments/${warm.id}`, headers }] });

  const mibs = (rps: number) => Math.round(rps * 10) / 10; // 1 MiB a request
  const mb = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  const results = {
    upload_1mib: { ...uploads, mib_per_s: mibs(uploads.rps) },
    download_1mib: { ...downloads, mib_per_s: mibs(downloads.rps) },
    rss_10mib_upload: up,
    rss_10mib_download: down,
  };
  console.log(`\n| transfer (1 MiB file, ${CONNECTIONS} connections) | req/s | MiB/s | p50 ms | p99 ms | non-2xx |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, r] of [['upload', results.upload_1mib], ['download', results.download_1mib]] as const) {
    console.log(`| ${name} | ${Math.round(r.rps * 10) / 10} | ${r.mib_per_s} | ${r.p50} | ${r.p99} | ${r.non2xx + r.errors} |`);
  }
  console.log(`\nserver RSS for one 10 MiB file (${up.method}): upload ${mb(up.before)} → peak ${mb(up.peak)} (+${mb(up.growth)}), download ${mb(down.before)} → peak ${mb(down.peak)} (+${mb(down.growth)})`);
  const targets = [
    { target: 'RSS growth of a 10 MiB upload under 30 MiB (3× the file)', value: mb(up.growth), met: up.growth < 30 * MiB },
    { target: 'RSS growth of a 10 MiB download under 30 MiB (3× the file)', value: mb(down.growth), met: down.growth < 30 * MiB },
    { target: 'no non-2xx', value: String(uploads.non2xx + uploads.errors + downloads.non2xx + downloads.errors), met: uploads.non2xx + uploads.errors + downloads.non2xx + downloads.errors === 0 },
  ];
  console.log('\ntargets (issue 18):');
  for (const x of targets) console.log(`  ${x.met ? 'met    ' : 'NOT MET'}  ${x.target}: ${x.value}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${DURATION} s per transfer after ${WARMUP} s of warm-up, ${CONNECTIONS} connections`);
  fs.mkdirSync('bench-results', { recursive: true });
  const out = path.join('bench-results', `${new Date().toISOString().replace(/[:.]/g, '-')}-attachments.json`);
  fs.writeFileSync(out, JSON.stringify({ results, targets, duration_s: DURATION, warmup_s: WARMUP, connections: CONNECTIONS }, null, 2));
  console.log(`figures written to ${out}`);
}
