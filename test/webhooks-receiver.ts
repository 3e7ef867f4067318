// A webhook receiver for tests: a real node:http server on 127.0.0.1, port 0, that records
// every delivery and answers as the test says (a status, headers, or never).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received { headers: http.IncomingHttpHeaders; body: string; json: any; at: number; path: string }

/**
 * What to answer the n-th delivery (1-based): a status with headers and body (after
 * delayMs), or 'hang' (never answer). `unfinished`: the status and the body are sent, and
 * the body is never ended.
 */
export type Answer = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number; unfinished?: boolean } | 'hang';

export interface Receiver {
  url: string;
  got: Received[];
  /** The most deliveries that were ever being answered at once. */
  maxInFlight(): number;
  /** Waits (bounded) until `n` deliveries have arrived, or `ok` holds. */
  waitFor(n: number, ms?: number): Promise<Received[]>;
  until(what: string, ok: () => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function receiver(answer: (n: number, r: Received) => Answer = () => ({ status: 200 })): Promise<Receiver> {
  const got: Received[] = [];
  let inFlight = 0;
  let most = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let json: unknown;
      try { json = JSON.parse(body); } catch { json = undefined; }
      const r: Received = { headers: req.headers, body, json, at: Date.now(), path: req.url ?? '' };
      got.push(r);
      most = Math.max(most, ++inFlight);
      res.once('close', () => inFlight--);
      const a = answer(got.length, r);
      if (a === 'hang') return; // the socket stays open; the sender's timeout ends it
      setTimeout(() => {
        res.writeHead(a.status, { 'Content-Type': 'text/plain', ...a.headers });
        if (a.unfinished) res.write(a.body ?? 'ok');
        else res.end(a.body ?? 'ok');
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  // 30 s, generous for a loaded machine: an event waits for every older transaction of its database (the event cursor).
  const until = async (what: string, ok: () => boolean, ms = 30_000) => {
    for (const end = Date.now() + ms; !ok();) {
      if (Date.now() > end) throw new Error(`timed out waiting until ${what} (received ${got.length})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    url, got, until, maxInFlight: () => most,
    async waitFor(n, ms) {
      await until(`${n} deliveries arrived`, () => got.length >= n, ms);
      return got;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Verifies a delivery with the independent `standardwebhooks` package; returns the parsed payload. */
export function verified(secret: string, r: Received): any {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });
}

/** Polls `check` (bounded) until it returns something truthy. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; ;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
