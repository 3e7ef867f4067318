// One delivery attempt over node:http/https: resolve the host, check every address it
// resolves to (src/webhooks/policy.ts), then connect to that very address, with the URL's
// Host header and TLS server name, so a name cannot resolve one way when checked and
// another when connected. No redirects, one deadline for everything up to the answer's
// status (WEBHOOK_TIMEOUT_MS; a body still arriving then is cut, the status stands), and at
// most the first KiB of the answer kept.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { type Lookup, resolveTarget, TargetRefused } from './policy.ts';

export interface SendResult {
  /** null when no answer came: refused address, connection error, timeout. */
  status: number | null;
  retryAfter: string | undefined;
  excerpt: string | null;
  error: string | null;
  durationMs: number;
}

export interface Sender {
  send(url: string, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<SendResult>;
  close(): void;
}

const EXCERPT_BYTES = 1024;
// Read (and drop) this much of a longer answer so the connection can be used again.
const DRAIN_BYTES = 64 * 1024;

/** Text a PostgreSQL text column takes: no NUL characters. */
const storable = (s: string) => s.replace(/\u0000/g, '\uFFFD');

export function createSender(opts: { timeoutMs: number; allowPrivate: boolean; lookup?: Lookup }): Sender {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 }),
  };

  function post(url: URL, address: string, family: number, body: string, headers: Record<string, string>,
    started: (req: http.ClientRequest) => void, answered: (res: http.IncomingMessage) => void) {
    const secure = url.protocol === 'https:';
    return new Promise<Omit<SendResult, 'durationMs'>>((resolve, reject) => {
      const req = (secure ? https : http).request({
        host: address, family, port: url.port || (secure ? 443 : 80), path: `${url.pathname}${url.search}`, method: 'POST',
        agent: agents[secure ? 'https:' : 'http:'],
        // The certificate is checked against the URL's host name, not the address.
        ...(secure && !net.isIP(url.hostname.replace(/^\[|\]$/g, '')) ? { servername: url.hostname } : {}),
        headers: {
          ...headers, host: url.host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
          'user-agent': 'ServiceFlow-Webhooks/1.0',
        },
      }, (res) => {
        answered(res);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size > DRAIN_BYTES) res.destroy();
        });
        const done = () => {
          const status = res.statusCode ?? null;
          const location = res.headers.location;
          resolve({
            status,
            retryAfter: res.headers['retry-after'],
            excerpt: size ? storable(Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8')) : null,
            error: status !== null && status >= 300 && status < 400 ? storable(`redirects are not followed (${status}${location ? ` to ${location.slice(0, 200)}` : ''})`) : null,
          });
        };
        res.on('end', done);
        res.on('close', done); // destroyed past DRAIN_BYTES: what was read is the answer
        res.on('error', () => {}); // the status is known; a broken body changes nothing
      });
      req.on('error', reject);
      started(req);
      req.end(body);
    });
  }

  // Per attempt only the request itself: the URL is parsed once per endpoint URL, and the
  // deadline and a shutdown end an attempt through one timer and one listener per signal
  // (destroying the request), not an AbortController per attempt, whose signal on the
  // request and listeners cost more than the rest of a loopback attempt.
  const urls = new Map<string, URL>();
  const parse = (target: string) => {
    let url = urls.get(target);
    if (!url) {
      if (urls.size >= 10_000) urls.clear();
      urls.set(target, (url = new URL(target)));
    }
    return url;
  };
  const stops = new Set<(reason: Error) => void>();
  const watched = new WeakSet<AbortSignal>();
  const watch = (signal: AbortSignal) => {
    if (watched.has(signal)) return;
    watched.add(signal);
    signal.addEventListener('abort', () => { for (const stop of stops) stop(new Error('the server is shutting down')); }, { once: true });
  };

  return {
    async send(target, body, headers, outer) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      let stopped: Error | undefined;
      let req: http.ClientRequest | undefined;
      let res: http.IncomingMessage | undefined;
      let fail: ((reason: Error) => void) | undefined;
      const stop = (reason: Error) => {
        // Answered in time: the status is the answer (API.md: "a 2xx within
        // WEBHOOK_TIMEOUT_MS"); a body still coming is cut here, and what was read is the excerpt.
        if (res) { res.destroy(); return; }
        stopped ??= reason;
        req?.destroy(reason);
        fail?.(reason);
      };
      /** `p`, or the reason the attempt was stopped (the lookup is not abortable). */
      const stoppable = <T>(p: Promise<T>) => new Promise<T>((resolve, reject) => {
        if (stopped) return reject(stopped);
        fail = reject;
        p.then(resolve, reject);
      });
      const timer = setTimeout(() => stop(new Error(`timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
      if (outer) {
        if (outer.aborted) stop(new Error('the server is shutting down'));
        watch(outer);
      }
      stops.add(stop);
      try {
        const url = parse(target);
        const { address, family } = await stoppable(resolveTarget(url, opts.allowPrivate, opts.lookup));
        const answer = await stoppable(post(url, address, family, body, headers, (r) => (req = r), (r) => (res = r)));
        return { ...answer, durationMs: elapsed() };
      } catch (err) {
        const reason = stopped ? stopped.message
          : err instanceof TargetRefused ? `refused: ${err.message}`
          : describe(err);
        return { status: null, retryAfter: undefined, excerpt: null, error: storable(reason), durationMs: elapsed() };
      } finally {
        clearTimeout(timer);
        stops.delete(stop);
      }
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ENOTFOUND') return 'the host name does not resolve';
  return [e?.code, e?.message].filter(Boolean).join(': ') || String(err);
}
