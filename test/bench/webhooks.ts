// `make bench`, webhooks: requests created at full speed while one endpoint subscribed to
// everything receives every event at a local receiver (its own process, so the load
// generator does not slow it). Reported: deliveries/s, commit-to-receipt latency (the
// receiver's clock minus the event's created_at, which a single-statement create stamps
// in the transaction that commits it: the same machine's clock), the backlog when the
// load stops, how long it takes to drain, and whether delivery kept up.
import { spawn } from 'node:child_process';
import type postgres from 'postgres';
import { alternate, createLoad, median, quantile } from './client.ts';

// The receiver answers over plain sockets, parsing only what it needs (the header block,
// Content-Length, webhook-id, the body's created_at): through node:http it took 17-29% of
// a core at 500 deliveries/s on these two cores (docs/benchmarks.md, "2026-12-01, fifth
// session"), CPU the server being measured then lacked. ServiceFlow sends one request at
// a time on a connection, with Content-Length (src/webhooks/send.ts).
const RECEIVER = `
const net = require('node:net');
const got = [];
const OK = Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-length: 0\\r\\n\\r\\n');
const server = net.createServer((socket) => {
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      const end = buf.indexOf('\\r\\n\\r\\n');
      if (end === -1) return;
      const head = buf.toString('latin1', 0, end);
      const length = Number(/\\r\\ncontent-length: *(\\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      const body = buf.toString('utf8', end + 4, end + 4 + length);
      buf = buf.subarray(end + 4 + length);
      const now = Date.now();
      const id = /\\r\\nwebhook-id: *([^\\r]*)/i.exec(head)?.[1];
      // The event's own created_at comes first (src/webhooks/thread.ts writes the body).
      const created = /^\\{"id":"[^"]*","type":"[^"]*","created_at":"([^"]+)"/.exec(body)?.[1];
      if (created) got.push([now, now - Date.parse(created), id]);
      socket.write(OK);
    }
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'report') process.send({ got });
  if (m === 'exit') process.exit(0);
});
`;

interface Receipt { at: number; latencyMs: number; id: string }

async function startReceiver() {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: any) => resolve(m.port)));
  return {
    url: `http://127.0.0.1:${port}/bench`,
    async receipts(): Promise<Receipt[]> {
      const reply = new Promise<any>((resolve) => child.once('message', resolve));
      child.send('report');
      return (await reply).got.map(([at, latencyMs, id]: [number, number, string]) => ({ at, latencyMs, id }));
    },
    close() { child.send('exit'); },
  };
}


export interface WebhookBench {
  scenario: 'create_with_webhook';
  /** Medians of the slices with the endpoint enabled and with it disabled, and each slice's rate in the order run. */
  create_rps: number; create_rps_without: number; create_rps_runs: number[]; create_rps_without_runs: number[]; create_share: number;
  deliveries_per_s: number; p50_ms: number; p99_ms: number;
  /** The worst of the slices with the endpoint. */
  backlog_at_end: number; drain_ms: number;
  delivered: number; duplicates: number; keeps_up: boolean; non2xx: number;
  /** The server's own mean time per attempt (its metrics), which bounds one endpoint at WEBHOOK_CONCURRENCY / mean. */
  attempt_mean_ms: number; concurrency: number;
}

async function attemptTimes(base: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { sum: read('serviceflow_webhook_delivery_duration_seconds_sum'), count: read('serviceflow_webhook_delivery_duration_seconds_count') };
}

/** Pairs of slices, without and with the endpoint (BENCH_WEBHOOK_PAIRS). */
const PAIRS = Number(process.env.BENCH_WEBHOOK_PAIRS || 3);

/**
 * `load` runs the load generator (warm-up, then the measured seconds) and returns its
 * figures; `baseline` measures the create rate with the endpoint disabled (the fan-out
 * skips it, as if it were not there). The slices with and without alternate, in the order
 * without-with, with-without, … (BENCH_WEBHOOK_PAIRS pairs), and the medians are compared:
 * on two shared cores the same create's CPU time moved by 2× within minutes with nothing
 * changed (docs/benchmarks.md, "2026-12-01, sixth session"), so only slices run close
 * together compare. Each slice with the endpoint drains before the next begins.
 */
export async function webhookScenario(o: {
  base: string; adminKey: string; empKey: string; sql: postgres.Sql; durationS: number; baseline: () => Promise<number>; concurrency: number;
  api: (base: string, method: string, p: string, key: string | null, body?: unknown) => Promise<any>;
  load: (name: string, base: string, opts: object) => Promise<{ rps: number; non2xx: number; errors: number }>;
}): Promise<WebhookBench> {
  const rx = await startReceiver();
  const hook = await o.api(o.base, 'POST', '/webhooks', o.adminKey, { url: rx.url, description: 'bench', events: ['*'] });
  const enable = (is_active: boolean) => o.api(o.base, 'PATCH', `/webhooks/${hook.id}`, o.adminKey, { is_active });
  const withRps: number[] = [];
  const withoutRps: number[] = [];
  const latencies: number[] = [];
  let windows = 0;
  let backlog = 0;
  let drainMs = 0;
  let non2xx = 0;
  try {
    const before = await attemptTimes(o.base);
    const withEndpoint = async () => {
      await enable(true);
      const create = await o.load('create_with_webhook', o.base, createLoad(o.empKey, 'bench webhook'));
      const stopped = Date.now();
      withRps.push(create.rps);
      non2xx += create.non2xx + create.errors;
      // Behind: deliveries made but not received, and events the fan-out has not reached yet.
      const [{ fanned, unfanned }] = await o.sql`
        select (select count(*)::int from webhook_deliveries where webhook_id = ${hook.id}) as fanned,
               (select count(*)::int from events e, webhook_fanout_cursor c where (e.xid, e.seq) > (c.xid, c.seq)) as unfanned`;
      const atStop = (await rx.receipts()).filter((r) => r.at <= stopped).length;
      // Drain: until the fan-out has passed every event and every delivery is recorded (at most a minute).
      let drained = Date.now();
      for (const end = Date.now() + 60_000; Date.now() < end; drained = Date.now()) {
        const [{ pending, unfanned }] = await o.sql`
          select (select count(*)::int from webhook_deliveries where webhook_id = ${hook.id} and status = 'pending') as pending,
                 (select count(*)::int from events e, webhook_fanout_cursor c where (e.xid, e.seq) > (c.xid, c.seq)) as unfanned`;
        if (pending === 0 && unfanned === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const window = (await rx.receipts()).filter((r) => r.at > stopped - o.durationS * 1000 && r.at <= stopped);
      latencies.push(...window.map((r) => r.latencyMs));
      windows += window.length;
      backlog = Math.max(backlog, fanned + unfanned - atStop);
      drainMs = Math.max(drainMs, drained - stopped);
      await enable(false);
    };
    const withoutEndpoint = async () => { withoutRps.push(await o.baseline()); };
    await alternate(PAIRS, withoutEndpoint, withEndpoint);
    const after = await attemptTimes(o.base);
    const receipts = await rx.receipts();
    const ids = new Set(receipts.map((r) => r.id));
    const deliveriesPerS = Math.round(windows / (o.durationS * PAIRS));
    const share = Math.round((median(withRps) / median(withoutRps)) * 100) / 100;
    return {
      scenario: 'create_with_webhook', create_rps: Math.round(median(withRps)), create_rps_without: Math.round(median(withoutRps)),
      create_rps_runs: withRps, create_rps_without_runs: withoutRps, create_share: share,
      deliveries_per_s: deliveriesPerS, p50_ms: quantile(latencies, 0.5), p99_ms: quantile(latencies, 0.99),
      backlog_at_end: backlog, drain_ms: drainMs, delivered: ids.size, duplicates: receipts.length - ids.size,
      // Kept up: the create rate within 25% of the rate without webhooks, and no more than a second's deliveries behind when the load stopped.
      keeps_up: share >= 0.75 && backlog <= Math.max(100, deliveriesPerS),
      non2xx,
      attempt_mean_ms: Math.round(((after.sum - before.sum) / Math.max(1, after.count - before.count)) * 10_000) / 10, concurrency: o.concurrency,
    };
  } finally {
    await o.api(o.base, 'DELETE', `/webhooks/${hook.id}`, o.adminKey).catch(() => {});
    rx.close();
  }
}

export function webhookLines(w: WebhookBench): string[] {
  return [
    `webhooks (one endpoint subscribed to everything, a local receiver): create ${w.create_rps} req/s with it vs ${w.create_rps_without} without (${Math.round(w.create_share * 100)}%; medians of with ${w.create_rps_runs.join(', ')}; without ${w.create_rps_without_runs.join(', ')}),`,
    `  ${w.deliveries_per_s} deliveries/s while loaded, commit-to-receipt p50 ${w.p50_ms} ms, p99 ${w.p99_ms} ms,`,
    `  ${w.attempt_mean_ms} ms per attempt at WEBHOOK_CONCURRENCY=${w.concurrency} (at most ${Math.round((w.concurrency * 1000) / Math.max(w.attempt_mean_ms, 0.1))} deliveries/s to one endpoint),`,
    `  at most ${w.backlog_at_end} deliveries behind when a load stopped, drained ${w.drain_ms} ms later; ${w.delivered} delivered, ${w.duplicates} twice; keeps up: ${w.keeps_up ? 'yes' : 'NO'}`,
  ];
}

export const webhookTargets = (w: WebhookBench) => [
  { target: 'webhooks: delivery keeps up (create ≥ 75% of its rate without an endpoint, ≤ 1 s behind at the end)', value: `${Math.round(w.create_share * 100)}%, ${w.backlog_at_end} behind`, met: w.keeps_up },
  { target: 'webhooks: commit-to-receipt p99 under 1 s', value: `${w.p99_ms} ms`, met: w.p99_ms < 1000 },
];
