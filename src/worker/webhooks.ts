// Webhook delivery, in every server process (API.md, "Events and webhooks"):
//
//   fan-out   events → one delivery per receiving endpoint, behind the xmin-safe cursor
//             (sql/queries/webhooks/fan_out_events.sql; one instance at a time); those of
//             endpoints this process may work are leased to it in the same statement
//             (lock_fan_out_webhooks first), as a claim would lease them
//   claim     due deliveries, leased to this process with FOR UPDATE SKIP LOCKED; one
//             process works an endpoint at a time (lock_due_webhooks, claim_webhook_deliveries)
//   attempt   in the delivery thread (src/webhooks/thread.ts), off the server's event loop:
//             at most WEBHOOK_CONCURRENCY in flight per endpoint; a slow endpoint only
//             holds its own slots, so it never delays another
//   record    results in batches, in order (record_webhook_attempts): retry, fail, disable
//
// The loop's run does the polling (every WEBHOOK_POLL_MS: record, fan out, claim, hand the
// claimed deliveries to the thread). Attempts outlive a run: the thread starts each
// endpoint's next attempt as one ends, and results coming back claim more when their
// endpoint may have more, so a busy endpoint does not wait for the poll. A claim fetches
// more than WEBHOOK_CONCURRENCY when the endpoint is fast (up to what it can be sent in
// well within the lease); a queued delivery whose lease
// could run out before it is done is given back, never sent late.
// A process killed mid-attempt loses nothing: its leases run out (WEBHOOK_LEASE_MS) and
// another process claims the deliveries again. While PostgreSQL is away the loop pauses
// with the worker (src/worker/index.ts); results wait in memory and are recorded after.
import crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import {
  type AttemptResult, type ClaimedDelivery, type DueWebhook, claimDeliveries, fanOutEvents, lockDueWebhooks, lockFanOutWebhooks,
  recordAttempts, webhookBacklog,
} from '../db/webhooks.ts';
import type { Config } from '../config.ts';
import { toAppError } from '../errors.ts';
import { describeError, log } from '../log.ts';
import type { Services } from '../services.ts';
import { verdict } from '../webhooks/retry.ts';
import type { Done, FromThread, Job, ThreadOptions, ToThread } from '../webhooks/thread.ts';
import type { Loop } from './index.ts';

// Sizes from profiles of `BENCH_ONLY=webhooks make bench`: each statement costs a
// round trip and a socket write that cost more here than the rows they carry, so the
// fan-out, claims and results go in batches of hundreds, not tens.
const FAN_OUT_BATCH = 1000;
const FAN_OUT_ROUNDS = 10;
/** Most deliveries one claim holds for one endpoint. */
const MAX_PREFETCH = 500;
/** Most deliveries this process holds (queued and in flight) over every endpoint. */
const MAX_HELD = 2000;
/** Results wait this long for others to share their statement (a crash loses at most these: they are sent again). */
const FLUSH_AFTER_MS = 50;
/**
 * The poll while there is work (new deliveries, or some queued or in flight). Each poll
 * costs its statements' round trips (records, the fan-out, the claim), and on these two
 * cores a loopback write costs 50-150 µs of CPU; 50 ms rather than 20 gave 3-8% more creates
 * a second with an endpoint, in three alternated pairs (docs/benchmarks.md, "sixth session").
 */
const BUSY_POLL_MS = 50;
const FLUSH_BATCH = 500;
const BACKLOG_EVERY_MS = 1000;
/** What a new endpoint's attempts are guessed to take until its own are measured. */
const FIRST_GUESS_MS = 250;
/** How many endpoints' measured speed a process remembers. */
const MAX_REMEMBERED = 10_000;

interface Endpoint {
  id: string;
  /** Handed to the thread and not yet back (queued there or in flight). */
  held: number;
  /** Mean attempt duration (ms), smoothed: how many deliveries one claim may take. */
  meanMs: number;
  /** The last claim got all it asked for: there may be more waiting. */
  more: boolean;
}

export interface WebhookLoop extends Loop { settle(): Promise<void> }

/**
 * The delivery thread, started with the loop's first run. tsx's loader does not reach worker
 * threads by itself, so the thread registers it before it loads its module.
 */
function startThread(options: ThreadOptions): Worker {
  const file = new URL('../webhooks/thread.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file)}); })`;
  const w = new Worker(boot, { eval: true, workerData: { serviceflowDeliveryThread: true, options } });
  w.unref(); // never what keeps a process alive: settle() ends it
  return w;
}

/** The delivery loop of one server process (its state is per process: one per createApp). */
export function webhookLoop(config: Config): WebhookLoop {
  const owner = crypto.randomUUID();
  const endpoints = new Map<string, Endpoint>();
  let results: AttemptResult[] = [];
  let services: Services | undefined;
  let thread: Worker | undefined;
  let stopped: Promise<void> = Promise.resolve();
  let watched: AbortSignal | undefined;
  let stopping = false;
  let flushing: Promise<void> = Promise.resolve();
  let flushTimer: NodeJS.Timeout | undefined;
  let claiming: Promise<void> | undefined;
  let backlogAt = 0;
  let busy = false;

  const held = (e: Endpoint) => e.held;
  const totalHeld = () => [...endpoints.values()].reduce((n, e) => n + held(e), 0);

  /** What one endpoint may hold: its slots, and for a fast endpoint what it gets through in a quarter of the lease's slack. */
  function prefetch(e: Endpoint, s: Services): number {
    const { WEBHOOK_CONCURRENCY: c, WEBHOOK_LEASE_MS: lease, WEBHOOK_TIMEOUT_MS: timeout } = s.config;
    const fits = Math.floor((c * (lease - timeout)) / 4 / Math.max(e.meanMs, 1));
    return Math.max(c, Math.min(MAX_PREFETCH, fits));
  }

  function endpoint(id: string, s: Services): Endpoint {
    let e = endpoints.get(id);
    if (!e) {
      e = { id, held: 0, meanMs: Math.min(FIRST_GUESS_MS, s.config.WEBHOOK_TIMEOUT_MS), more: false };
      endpoints.set(id, e);
    }
    return e;
  }

  // ---- the thread

  function toThread(m: ToThread): void {
    thread?.postMessage(m);
  }

  function ensureThread(): Worker {
    if (thread) return thread;
    const w = startThread({ timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, concurrency: config.WEBHOOK_CONCURRENCY });
    let resolveStopped!: () => void;
    stopped = new Promise<void>((r) => (resolveStopped = r));
    w.on('message', (m: FromThread) => (m.kind === 'done' ? finished(m.done) : resolveStopped()));
    w.on('error', (err) => log.error('webhook delivery thread failed; its leases will run out and be claimed again', describeError(err)));
    w.on('exit', () => {
      // What it held is lost with it, not sent twice: the leases run out, the deliveries are claimed again.
      if (thread === w) thread = undefined;
      for (const e of endpoints.values()) e.held = 0;
      resolveStopped();
    });
    return (thread = w);
  }

  // ---- record

  function scheduleFlush(): void {
    // A failed flush keeps its results for the next run; nothing to do here.
    if (results.length >= FLUSH_BATCH) flush().catch(() => {});
    else flushTimer ??= setTimeout(() => flush().catch(() => {}), FLUSH_AFTER_MS);
  }

  /** Records what has finished, one batch at a time and in order. */
  function flush(): Promise<void> {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    flushing = flushing.then(async () => {
      if (!services || results.length === 0) return;
      const batch = results;
      results = [];
      try {
        const { disabled } = await recordAttempts(services.db, batch, services.config.WEBHOOK_DISABLE_AFTER);
        for (const d of disabled) {
          log.warn('webhook endpoint disabled', { webhook_id: d.id, url: d.url, reason: d.reason });
          toThread({ kind: 'drop', endpoint: d.id });
        }
      } catch (err) {
        if (toAppError(err).code !== 'database_unavailable') {
          log.error('could not record webhook attempts', { count: batch.length, ...describeError(err) });
          return;
        }
        // Kept, in order, for the next run after the database is back.
        results = [...batch, ...results];
        throw err;
      }
      if (results.length) scheduleFlush();
    });
    const p = flushing;
    flushing = flushing.catch(() => {});
    return p;
  }

  // ---- claim

  /** Endpoints of which this process holds all it may: no claim or fan-out leases it more. */
  const full = (s: Services) => [...endpoints.values()].filter((e) => held(e) >= prefetch(e, s)).map((e) => e.id);

  /** Each locked endpoint with how many more of its deliveries (`n`) this process may lease. */
  const room = (locked: DueWebhook[], s: Services) =>
    locked.map((d) => { const e = endpoint(d.id, s); return { ...d, n: prefetch(e, s) - held(e) }; }).filter((w) => w.n > 0);

  /**
   * Leased deliveries to the thread, each endpoint's in their order. After a claim, an
   * endpoint that got less than it asked for has nothing more due; after a fan-out it may
   * (older deliveries are left to the claim), so there only a full batch says more.
   */
  function hand(want: (DueWebhook & { n: number })[], rows: ClaimedDelivery[], s: Services, by: 'claim' | 'fan-out'): void {
    if (rows.length) ensureThread(); // again, if it died
    // Started by: early enough that the attempt ends (WEBHOOK_TIMEOUT_MS) well inside the
    // lease. The thread reads its own clock, so this is Date.now()'s time, not services.clock's.
    const slack = s.config.WEBHOOK_LEASE_MS - s.config.WEBHOOK_TIMEOUT_MS;
    const startBy = Date.now() + slack - Math.min(1000, slack / 2);
    for (const { n, ...d } of want) {
      const e = endpoint(d.id, s);
      const jobs: Job[] = rows.filter((r) => r.webhook_id === d.id).map((r) => ({
        id: r.id, lease: r.lease, attempts: r.attempts, startBy, event_id: r.event_id, type: r.type,
        created_at: r.created_at.toISOString(), actor_id: r.actor_id, actor_name: r.actor_name, data: r.data,
      }));
      if (jobs.length >= n) e.more = true;
      else if (by === 'claim') e.more = false;
      if (jobs.length === 0) continue;
      e.held += jobs.length;
      toThread({ kind: 'work', endpoint: { id: d.id, url: d.url, secrets: d.previous_secret ? [d.secret, d.previous_secret] : [d.secret] }, jobs });
    }
  }

  /** Claims due deliveries for endpoints this process has room for, in one short transaction. */
  async function claim(s: Services): Promise<void> {
    if (stopping || totalHeld() >= MAX_HELD) return;
    const claimed = await s.db.begin(async (tx) => {
      const want = room(await lockDueWebhooks(tx, full(s), 100), s);
      return { want, rows: want.length ? await claimDeliveries(tx, want, owner, s.config.WEBHOOK_LEASE_MS) : [] };
    });
    hand(claimed.want, claimed.rows, s, 'claim');
  }

  /**
   * One batch of the fan-out, in one short transaction. The new deliveries of endpoints this
   * process has room for are leased to it in the same statement (fan_out_events.sql), so
   * they need no claim.
   */
  async function fanOut(s: Services) {
    const leasing = !stopping && totalHeld() < MAX_HELD;
    const r = await s.db.begin(async (tx) => {
      const want = leasing ? room(await lockFanOutWebhooks(tx, full(s), 100), s) : [];
      return { want, ...(await fanOutEvents(tx, FAN_OUT_BATCH, want, owner, s.config.WEBHOOK_LEASE_MS)) };
    });
    hand(r.want, r.leased, s, 'fan-out');
    return r;
  }

  /**
   * Claims and fan-outs one after another in this process (the poll's and claims outside it),
   * so none counts on what another is fetching.
   */
  function inTurn<T>(work: () => Promise<T>): Promise<T> {
    const mine = (claiming ?? Promise.resolve()).then(work);
    const done = mine.then(() => {}, () => {});
    claiming = done;
    void done.then(() => { if (claiming === done) claiming = undefined; });
    return mine;
  }

  /** A claim outside the poll: an endpoint ran low and may have more. */
  function claimSoon(): void {
    if (claiming || stopping || !services) return;
    inTurn(() => claim(services!)).catch((err) => log.debug('webhook claim failed; the next poll tries again', describeError(err)));
  }

  // ---- results (from the thread)

  function finished(done: Done[]): void {
    const s = services;
    if (!s) return;
    const low = new Set<Endpoint>();
    for (const d of done) {
      const e = endpoint(d.webhook_id, s);
      e.held = Math.max(0, e.held - 1);
      low.add(e);
      if (d.released) {
        results.push({ id: d.id, lease: d.lease, at: new Date(d.at), response_status: null, duration_ms: 0, error: null, excerpt: null, outcome: 'release', delay_ms: 0 });
        continue;
      }
      const v = verdict(d.status, d.retryAfter, d.attempts + 1, s.config.WEBHOOK_RETRY_SCHEDULE, s.clock.now());
      s.metrics.webhookAttempt(v.outcome, d.durationMs / 1000);
      e.meanMs = e.meanMs * 0.8 + Math.max(d.durationMs, 1) * 0.2;
      if (v.outcome === 'failed') log.warn('webhook delivery failed: no attempts left', { delivery_id: d.id, webhook_id: e.id, status: d.status, error: d.error });
      else if (v.outcome !== 'succeeded') log.debug('webhook attempt failed', { delivery_id: d.id, webhook_id: e.id, status: d.status, error: d.error, retry_in_ms: v.delayMs });
      results.push({
        id: d.id, lease: d.lease, at: new Date(d.at), response_status: d.status, duration_ms: d.durationMs,
        error: d.error, excerpt: d.excerpt, outcome: v.outcome, delay_ms: v.delayMs,
      });
    }
    scheduleFlush();
    // Refill before the thread's queue runs dry, so the endpoint's slots never wait for a claim.
    for (const e of low) if (!stopping && e.more && e.held < Math.max(s.config.WEBHOOK_CONCURRENCY, prefetch(e, s) / 2)) claimSoon();
  }

  // ---- the loop

  /** Endpoints this process holds nothing of are forgotten once there are many (deleted ones too). */
  function forgetIdle(): void {
    if (endpoints.size <= MAX_REMEMBERED) return;
    for (const [id, e] of endpoints) if (held(e) === 0) endpoints.delete(id);
  }

  async function refreshBacklog(s: Services): Promise<void> {
    if (s.clock.now() - backlogAt < BACKLOG_EVERY_MS) return;
    backlogAt = s.clock.now();
    const { pending, oldest_seconds } = await webhookBacklog(s.db);
    s.metrics.webhookBacklog(pending, oldest_seconds);
  }

  return {
    name: 'webhooks',
    // Read by the worker after each run: soon again while there is work, else the poll.
    get everyMs() { return busy ? Math.min(BUSY_POLL_MS, config.WEBHOOK_POLL_MS) : config.WEBHOOK_POLL_MS; },
    async run(s, runSignal) {
      services = s;
      if (watched !== runSignal) {
        watched = runSignal;
        runSignal.addEventListener('abort', () => toThread({ kind: 'abort' }), { once: true });
      }
      if (stopping) return;
      // Started with the loop, not at the first claim: starting takes a few hundred ms,
      // which a new endpoint's first deliveries would otherwise wait for.
      ensureThread();
      // Recording and the fan-out run side by side (two connections), so new events do not
      // wait for the last results' statement; the claim follows the fan-out.
      const recorded = flush();
      recorded.catch(() => {});
      let fanned = 0;
      for (let i = 0; i < FAN_OUT_ROUNDS; i++) {
        const { locked, events, deliveries } = await inTurn(() => fanOut(s));
        fanned += deliveries;
        if (!locked || events < FAN_OUT_BATCH) break;
      }
      await inTurn(() => claim(s));
      await recorded;
      busy = fanned > 0 || totalHeld() > 0;
      forgetIdle();
      await refreshBacklog(s);
    },
    async settle() {
      stopping = true;
      await claiming;
      // The thread gives back what it has queued and answers 'stopped' once the attempts in flight have finished.
      thread?.ref(); // this wait alone must keep the process alive
      toThread({ kind: 'stop' });
      await stopped;
      await flush().catch((err) => log.warn('could not record the last webhook attempts; their leases will run out', describeError(err)));
      await thread?.terminate();
    },
  };
}
