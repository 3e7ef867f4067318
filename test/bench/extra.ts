// make bench, the scenarios of issues 19 and 20: reports and CSV over 200 000 requests,
// and 200 open event streams while requests are created at full speed.
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import { alternate, createLoad, drive, median, quantile } from './client.ts';
import { sseReader } from '../sse.ts';

const progress = (msg: string) => process.stdout.write(`» ${msg}\n`);

export interface Extra { target: string; value: string; met: boolean }

/** The server's resident memory in MiB (Linux). */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * How long the summary is measured: at 15-25 calls a second, the other scenarios' 5 s gave
 * about 100 calls, whose p99 is their slowest one or two (docs/benchmarks.md, "eighth
 * session": 262.6 and 362.7 ms in two runs of one commit). 20 s gives 300-500.
 */
const REPORT_DURATION = Number(process.env.BENCH_REPORT_DURATION || 20);

/** GET /reports/summary at 4 connections; GET /requests.csv of every row: rows/s and RSS growth. */
export async function reportsScenarios(base: string, adminKey: string, serverPid: number, duration: number, warmup: number): Promise<Extra[]> {
  progress('reports_summary over every row: ServiceFlow, 4 connections');
  const summary = { requests: [{ method: 'GET' as const, path: '/reports/summary', headers: { 'x-api-key': adminKey } }] };
  // Warmed up like every other scenario (run.ts load): the first calls also open the
  // server's transaction connections and read the index into PostgreSQL's buffers.
  if (warmup > 0) await drive(base, 4, warmup, summary);
  const r = await drive(base, 4, Math.max(duration, REPORT_DURATION), summary);
  progress(`reports_summary: ${Math.round(r.rps)} req/s over ${Math.max(duration, REPORT_DURATION)} s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx + r.errors} (${r.client})`);

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

/** How many pairs of create runs, one without and one with 200 open streams, the streams scenario makes. */
const STREAM_PAIRS = Number(process.env.BENCH_STREAM_PAIRS || 4);

/**
 * 200 open streams (as an ADMIN: every event reaches every stream) while requests are
 * created at full speed: event-to-client latency (event created_at → received) over a
 * sample of the streams, and the create throughput against the same load without streams.
 * Measured in STREAM_PAIRS pairs, without and with (the streams opened for each "with"
 * and closed after it), and compared as medians: on two shared cores the create rate moved
 * by up to 42% between runs a minute apart with nothing changed (docs/benchmarks.md,
 * "2026-12-01, fifth session"), more than what is measured here.
 */
export async function streamsScenario(base: string, adminKey: string, empKey: string, duration: number, connections: number): Promise<Extra[]> {
  const create = () => drive(base, connections, duration, createLoad(empKey, 'stream bench'));
  const latencies: number[] = [];
  let received = 0;
  let bytesIn = 0;
  const alone: number[] = [];
  const withStreams: number[] = [];
  const without = async () => {
    progress(`create without streams (${alone.length + 1}/${STREAM_PAIRS})`);
    alone.push((await create()).rps);
  };
  const withOpen = async () => {
    const streams = await openStreams(base, adminKey, latencies, () => received++, (n) => (bytesIn += n));
    await new Promise((r) => setTimeout(r, 500));
    progress(`create with 200 open streams (${withStreams.length + 1}/${STREAM_PAIRS})`);
    withStreams.push((await create()).rps);
    await new Promise((r) => setTimeout(r, 1000)); // the last events reach the streams
    streams.close();
  };
  await alternate(STREAM_PAIRS, without, withOpen,
    () => progress(`create ${Math.round(alone.at(-1)!)} req/s without, ${Math.round(withStreams.at(-1)!)} with streams`));
  const cost = 1 - median(withStreams) / median(alone);
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  const runs = `without ${alone.map(Math.round).join(', ')}; with ${withStreams.map(Math.round).join(', ')}`;
  progress(`streams: ${received} messages on the 4 parsed, ${Math.round(bytesIn / 2 ** 20)} MiB on the other 196; event-to-client p50 ${p50} ms, p99 ${p99} ms; create req/s ${runs} (cost of the medians ${Math.round(cost * 100)}%)`);
  return [
    { target: 'event-to-client p99 under 500 ms with 200 streams', value: `p50 ${p50} ms, p99 ${p99} ms (${latencies.length} samples)`, met: p99 < 500 },
    { target: '200 streams cost the create throughput under 15%', value: `${Math.round(median(alone))} → ${Math.round(median(withStreams))} req/s, medians of ${runs} (${Math.round(cost * 100)}%)`, met: cost < 0.15 },
  ];
}

/**
 * 200 ADMIN streams: four read by an HTTP client and parsed, for the latency; the other 196
 * over plain sockets that only count bytes. The readers share the server's two cores:
 * through node:http, counting each message, 190 readers took a quarter of a core at 700
 * creates/s, and ten parsed ones still took 15-24% (docs/benchmarks.md, "2026-12-01,
 * fifth session"): the bench's cost, not the server's, taken off the create rate being
 * measured. The parsed ones are spread over the order the streams are opened in (the
 * 50th, 100th, 150th and 200th), which is the order the server writes to them in.
 */
async function openStreams(base: string, adminKey: string, latencies: number[], counted: () => void, bytes: (n: number) => void): Promise<{ close(): void }> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const parsed: http.ClientRequest[] = [];
  const counting: net.Socket[] = [];
  const shared = Buffer.alloc(256 * 1024);
  const { hostname, port } = new URL(base);
  await Promise.all(Array.from({ length: 200 }, (_, i) => new Promise<void>((resolve, reject) => {
    if (i % 50 === 49) {
      const req = http.get(`${base}/events/stream`, { headers: { 'X-API-Key': adminKey }, agent }, (res) => {
        res.setEncoding('utf8');
        res.on('data', sseReader((m) => {
          if (!m.data) return;
          counted();
          latencies.push(Date.now() - Date.parse(JSON.parse(m.data).created_at));
        }));
        resolve();
      });
      req.on('error', reject);
      parsed.push(req);
      return;
    }
    // Only bytes are counted here: finding each message's end cost a call per line. Every
    // read lands in one buffer that all these sockets share (onread), read at once: a new
    // 64 KiB buffer a read was megabytes of garbage a second.
    let started = false;
    const socket = net.connect({
      port: Number(port), host: hostname,
      onread: {
        buffer: shared,
        callback(n: number, buf: Uint8Array) {
          if (!started) {
            started = true;
            const status = Buffer.from(buf.subarray(0, Math.min(n, 80))).toString('latin1');
            if (!status.startsWith('HTTP/1.1 200')) { reject(new Error(`stream refused: ${status}`)); return false; }
            resolve();
          }
          bytes(n);
          return true;
        },
      },
    }, () => {
      socket.write(`GET /events/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-API-Key: ${adminKey}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('error', reject);
    counting.push(socket);
  })));
  return {
    close() {
      for (const s of parsed) s.destroy();
      for (const s of counting) s.destroy();
      agent.destroy();
    },
  };
}
