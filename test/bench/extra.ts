// make bench, the scenarios of issues 19 and 20: reports and CSV over 200 000 requests,
// and 200 open event streams while requests are created at full speed.
import http from 'node:http';
import fs from 'node:fs';
import { drive } from './client.ts';
import { sseReader } from '../sse.ts';

const progress = (msg: string) => process.stdout.write(`» ${msg}\n`);

export interface Extra { target: string; value: string; met: boolean }

/** The server's resident memory in MiB (Linux). */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** GET /reports/summary at 4 connections; GET /requests.csv of every row: rows/s and RSS growth. */
export async function reportsScenarios(base: string, adminKey: string, serverPid: number, duration: number): Promise<Extra[]> {
  progress('reports_summary over every row: ServiceFlow, 4 connections');
  const r = await drive(base, 4, duration, { requests: [{ method: 'GET', path: '/reports/summary', headers: { 'x-api-key': adminKey } }] });
  progress(`reports_summary: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx + r.errors} (${r.client})`);

  progress('requests.csv of every row');
  const before = rssMiB(serverPid);
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMiB(serverPid)); }, 50);
  const started = performance.now();
  const { rows, bytes } = await new Promise<{ rows: number; bytes: number }>((resolve, reject) => {
    http.get(`${base}/requests.csv`, { headers: { 'X-API-Key': adminKey } }, (res) => {
      let n = 0; let size = 0;
      res.on('data', (c: Buffer) => { size += c.length; for (const b of c) if (b === 0x0a) n++; });
      res.on('end', () => resolve({ rows: n - 1, bytes: size }));
      res.on('error', reject);
    }).on('error', reject);
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const perSecond = Math.round(rows / seconds);
  const growth = Math.round(peak - before);
  progress(`requests.csv: ${rows} rows (${Math.round(bytes / 2 ** 20)} MiB) in ${seconds.toFixed(1)} s = ${perSecond} rows/s; server RSS ${Math.round(before)} → peak ${Math.round(peak)} MiB`);
  return [
    { target: 'reports_summary p99 under 300 ms at 4 connections (all rows)', value: `${r.p99} ms (p50 ${r.p50} ms, ${Math.round(r.rps)} req/s, ${r.client})`, met: r.p99 < 300 && r.non2xx + r.errors === 0 },
    { target: 'CSV export at least 20 000 rows/s', value: `${perSecond} rows/s (${rows} rows)`, met: perSecond >= 20_000 },
    { target: 'CSV export of every row grows the server RSS by under 50 MiB', value: `${growth} MiB`, met: growth < 50 },
  ];
}

/**
 * 200 open streams (as an ADMIN: every event reaches every stream) while requests are
 * created at full speed: event-to-client latency (event created_at → received) over a
 * sample of the streams, and the create throughput against the same load without streams.
 */
export async function streamsScenario(base: string, adminKey: string, empKey: string, duration: number, connections: number): Promise<Extra[]> {
  const create = () => drive(base, connections, duration, {
    requests: [{ method: 'POST', path: '/requests', headers: { 'x-api-key': empKey, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'stream bench', priority: 'LOW' }) }],
  });
  progress('create without streams (baseline for the streams scenario)');
  const alone = await create();
  progress(`create alone: ${Math.round(alone.rps)} req/s (${alone.client})`);

  const latencies: number[] = [];
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const streams: http.ClientRequest[] = [];
  let received = 0;
  await Promise.all(Array.from({ length: 200 }, (_, i) => new Promise<void>((resolve, reject) => {
    const req = http.get(`${base}/events/stream`, { headers: { 'X-API-Key': adminKey }, agent }, (res) => {
      if (i < 10) {
        // A sample of the streams is parsed for the latency...
        res.setEncoding('utf8');
        res.on('data', sseReader((m) => {
          if (!m.data) return;
          received++;
          latencies.push(Date.now() - Date.parse(JSON.parse(m.data).created_at));
        }));
      } else {
        // ...the others only count their messages (a blank line ends one; the odd heartbeat
        // counts too), so what the bench's own readers cost on these two cores stays small
        // beside what the server spends: parsed, 200 readers took 20-25% of a create's CPU.
        let last = 0;
        res.on('data', (c: Buffer) => {
          for (let k = c.indexOf(10); k !== -1; k = c.indexOf(10, k + 1)) if ((k === 0 ? last : c[k - 1]) === 10) received++;
          last = c[c.length - 1];
        });
      }
      resolve();
    });
    req.on('error', reject);
    streams.push(req);
  })));
  await new Promise((r) => setTimeout(r, 500));
  progress('create with 200 open streams');
  const withStreams = await create();
  await new Promise((r) => setTimeout(r, 1000)); // the last events reach the streams
  for (const s of streams) s.destroy();
  agent.destroy();
  const cost = 1 - withStreams.rps / alone.rps;
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  progress(`streams: ${received} messages; event-to-client p50 ${p50} ms, p99 ${p99} ms; create ${Math.round(withStreams.rps)} req/s with streams (cost ${Math.round(cost * 100)}%)`);
  return [
    { target: 'event-to-client p99 under 500 ms with 200 streams', value: `p50 ${p50} ms, p99 ${p99} ms (${latencies.length} samples)`, met: p99 < 500 },
    { target: '200 streams cost the create throughput under 15%', value: `${Math.round(alone.rps)} → ${Math.round(withStreams.rps)} req/s (${Math.round(cost * 100)}%)`, met: cost < 0.15 },
  ];
}
