// One delivery attempt over node:http/https: resolve the host, check every address it
// resolves to (src/webhooks/policy.ts), then connect to that very address, with the URL's
// Host header and TLS server name, so a name cannot resolve one way when checked and
// another when connected. No redirects, one deadline for everything (WEBHOOK_TIMEOUT_MS),
// and at most the first KiB of the answer kept.
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

  function post(url: URL, address: string, family: number, body: string, headers: Record<string, string>, signal: AbortSignal) {
    const secure = url.protocol === 'https:';
    return new Promise<Omit<SendResult, 'durationMs'>>((resolve, reject) => {
      const req = (secure ? https : http).request({
        host: address, family, port: url.port || (secure ? 443 : 80), path: `${url.pathname}${url.search}`, method: 'POST',
        agent: agents[secure ? 'https:' : 'http:'], signal,
        // The certificate is checked against the URL's host name, not the address.
        ...(secure && !net.isIP(url.hostname.replace(/^\[|\]$/g, '')) ? { servername: url.hostname } : {}),
        headers: {
          ...headers, host: url.host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
          'user-agent': 'ServiceFlow-Webhooks/1.0',
        },
      }, (res) => {
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
      req.end(body);
    });
  }

  return {
    async send(target, body, headers, outer) {
      const started = performance.now();
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error(`timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
      const stop = () => deadline.abort(new Error('the server is shutting down'));
      outer?.addEventListener('abort', stop, { once: true });
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const url = new URL(target);
        const aborted = new Promise<never>((_, reject) => deadline.signal.addEventListener('abort', () => reject(deadline.signal.reason), { once: true }));
        aborted.catch(() => {});
        const { address, family } = await Promise.race([resolveTarget(url, opts.allowPrivate, opts.lookup), aborted]);
        const answer = await Promise.race([post(url, address, family, body, headers, deadline.signal), aborted]);
        return { ...answer, durationMs: elapsed() };
      } catch (err) {
        const reason = deadline.signal.aborted ? (deadline.signal.reason as Error).message
          : err instanceof TargetRefused ? `refused: ${err.message}`
          : describe(err);
        return { status: null, retryAfter: undefined, excerpt: null, error: storable(reason), durationMs: elapsed() };
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener('abort', stop);
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
