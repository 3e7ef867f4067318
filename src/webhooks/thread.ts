// The delivery thread: webhook attempts are made here, on an event loop of their own. On
// the server's loop each attempt cost that loop about 0.45 ms under a full create load
// (building, signing and writing the request, reading the answer: a profile of
// BENCH_ONLY=webhooks make bench), taken from the creates, and an answer waited behind the
// HTTP requests queued there before the endpoint's next attempt could start. Here the
// server's loop spends about 0.04 ms a delivery (claim, verdict, record), and each answer
// starts the endpoint's next attempt at once.
//
// The main thread (src/worker/webhooks.ts) claims, records and decides what an answer
// means (retry.ts); this thread holds each endpoint's claimed deliveries, at most
// WEBHOOK_CONCURRENCY in flight per endpoint, builds and signs each body, sends it, and
// hands every result back, in batches. It holds nothing the database does not: if it dies,
// the leases run out and the deliveries are claimed again.
import { parentPort, workerData } from 'node:worker_threads';
import { createSender } from './send.ts';
import { webhookHeaders } from './signing.ts';

/** A claimed delivery with its event, and the moment past which it is given back unsent (its lease could run out). */
export interface Job {
  id: string; lease: string; attempts: number; startBy: number;
  event_id: string; type: string; created_at: string; actor_id: string | null; actor_name: string | null;
  /** The event's data as JSON text, as PostgreSQL wrote it. */
  data: string;
}

export interface ThreadOptions { timeoutMs: number; allowPrivate: boolean; concurrency: number }

export type ToThread =
  | { kind: 'work'; endpoint: { id: string; url: string; secrets: string[] }; jobs: Job[] }
  /** Disabled: give back what is queued for it. */
  | { kind: 'drop'; endpoint: string }
  /** Shutting down: give back every queue, let attempts in flight finish, then 'stopped'. */
  | { kind: 'stop' }
  /** The shutdown's time is up: end attempts in flight. */
  | { kind: 'abort' };

/** One attempt's answer, or `released`: given back unattempted. */
export interface Done {
  id: string; lease: string; webhook_id: string; attempts: number; released: boolean; at: number;
  status: number | null; retryAfter: string | undefined; excerpt: string | null; error: string | null; durationMs: number;
}

export type FromThread = { kind: 'done'; done: Done[] } | { kind: 'stopped' };

/**
 * The event as GET /events shows it ({ id, type, created_at, actor, data }), with `data` as
 * PostgreSQL wrote it: the id is a UUID and the type one of the catalogue, so only the
 * actor's name needs escaping.
 */
export const eventBody = (j: Job) =>
  `{"id":"${j.event_id}","type":"${j.type}","created_at":"${j.created_at}",`
  + `"actor":${j.actor_id ? JSON.stringify({ id: j.actor_id, full_name: j.actor_name }) : 'null'},"data":${j.data}}`;

interface Lane { id: string; url: string; secrets: string[]; queue: Job[]; inFlight: number; gone: boolean }

function deliveryThread(port: NonNullable<typeof parentPort>, opts: ThreadOptions): void {
  const sender = createSender({ timeoutMs: opts.timeoutMs, allowPrivate: opts.allowPrivate });
  const shutdown = new AbortController();
  const lanes = new Map<string, Lane>();
  let out: Done[] = [];
  let posting = false;
  let stopping = false;
  let stopped = false;
  let inFlight = 0;

  /** Results leave once per turn of this loop, so the answers read together share a message. */
  function send(): void {
    posting = false;
    if (out.length) {
      port.postMessage({ kind: 'done', done: out } satisfies FromThread);
      out = [];
    }
    if (stopping && inFlight === 0 && !stopped) {
      stopped = true;
      port.postMessage({ kind: 'stopped' } satisfies FromThread);
    }
  }
  function soon(): void {
    if (!posting) { posting = true; setImmediate(send); }
  }
  function post(d: Done): void {
    out.push(d);
    soon();
  }

  const release = (l: Lane, j: Job): Done => ({
    id: j.id, lease: j.lease, webhook_id: l.id, attempts: j.attempts, released: true, at: Date.now(),
    status: null, retryAfter: undefined, excerpt: null, error: null, durationMs: 0,
  });

  function drop(l: Lane): void {
    for (const j of l.queue) post(release(l, j));
    l.queue = [];
  }

  function pump(l: Lane): void {
    while (!l.gone && !stopping && l.inFlight < opts.concurrency && l.queue.length) {
      const j = l.queue.shift()!;
      if (Date.now() > j.startBy) post(release(l, j));
      else void attempt(l, j);
    }
  }

  async function attempt(l: Lane, j: Job): Promise<void> {
    // Counted before the first await, so a 'stopped' cannot leave between two attempts.
    l.inFlight++;
    inFlight++;
    const at = Date.now();
    try {
      const body = eventBody(j);
      const res = await sender.send(l.url, body, webhookHeaders(l.secrets, j.event_id, Math.floor(at / 1000), body), shutdown.signal);
      // 410 disables the endpoint (the main thread records it): send it nothing more.
      if (res.status === 410) { l.gone = true; drop(l); }
      post({ id: j.id, lease: j.lease, webhook_id: l.id, attempts: j.attempts, released: false, at, ...res });
    } catch {
      post(release(l, j)); // cannot happen (send answers every failure); the claim is given back all the same
    } finally {
      l.inFlight--;
      inFlight--;
      pump(l);
    }
  }

  port.on('message', (m: ToThread) => {
    if (m.kind === 'work') {
      let l = lanes.get(m.endpoint.id);
      if (!l) lanes.set(m.endpoint.id, (l = { id: m.endpoint.id, url: '', secrets: [], queue: [], inFlight: 0, gone: false }));
      l.url = m.endpoint.url;
      l.secrets = m.endpoint.secrets;
      l.gone = false;
      if (stopping) for (const j of m.jobs) post(release(l, j));
      else l.queue.push(...m.jobs);
      pump(l);
    } else if (m.kind === 'drop') {
      const l = lanes.get(m.endpoint);
      if (l) { l.gone = true; drop(l); }
    } else if (m.kind === 'stop') {
      stopping = true;
      for (const l of lanes.values()) drop(l);
      soon();
    } else if (m.kind === 'abort') {
      shutdown.abort();
    }
  });
}

if (parentPort && workerData?.serviceflowDeliveryThread) deliveryThread(parentPort, workerData.options as ThreadOptions);
