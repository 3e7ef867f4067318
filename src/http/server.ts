// node:http glue: refuse hostile input, authenticate, read the body, run the route,
// write the response. The only code that touches the socket. One request goes through
// the named steps of `respond` in order (docs/architecture.md, "A request's way").
import crypto from 'node:crypto';
import http from 'node:http';
import { AppError, problemBody, toAppError } from '../errors.ts';
import { describeError, enabled, log } from '../log.ts';
import { type AuthMode, extractKey, type Authenticator } from './auth.ts';
import { readBody } from './body.ts';
import { clientAddress, trustedProxies } from './client.ts';
import { type Ctx, JSON_CONTENT_TYPE, type Res, type Services } from './context.ts';
import { failureWindow, sharedBuckets, sharedFailureWindow, tokenBuckets } from './limits.ts';
import { compile, type Compiled, match } from './router.ts';
import { secretEquals } from '../users/keys.ts';

export type Handler = (ctx: Ctx) => Promise<Res>;
/**
 * `body: 'raw'`: the server reads no body for this route; the handler streams `ctx.stream`
 * itself (an upload, whose body is the file). Otherwise POST and PATCH bodies are JSON.
 */
export interface RouteDef { method: string; path: string; handler: Handler; auth: AuthMode; body?: 'raw' }

const MAX_HEADERS = 200;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Headers whose repetition would make the request ambiguous (API.md, Conventions). */
const SINGLE_HEADERS = ['x-api-key', 'authorization', 'idempotency-key'];

function rawHeaderCount(req: http.IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === name) n++;
  return n;
}

/**
 * The request target as path and query. Parsed by hand because `new URL(target, base)`
 * throws on targets such as `//` or `//[` and reads `//a:b` as a host: a target is the
 * caller's input like any other, and an unknown one is a 404.
 */
export function parseTarget(target: string): { path: string; query: URLSearchParams } {
  const at = target.indexOf('?');
  let path = at === -1 ? target : target.slice(0, at);
  const query = new URLSearchParams(at === -1 ? '' : target.slice(at + 1));
  if (!path.startsWith('/')) {
    // absolute-form (a proxy's request line); anything else names no route
    try { path = new URL(path).pathname; } catch { path = ''; }
  }
  return { path, query };
}

function corsHeaders(req: http.IncomingMessage, origins: string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !origins.includes(origin)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'ETag, Location, X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Idempotent-Replayed, Content-Disposition, Content-Range, Accept-Ranges',
    Vary: 'Origin',
  };
}

const PREFLIGHT: Res = {
  status: 204,
  headers: {
    'Access-Control-Allow-Methods': 'GET, POST, PATCH, PUT, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, X-API-Key, Authorization, If-Match, If-None-Match, If-Range, Range, Idempotency-Key, X-Request-ID',
    'Access-Control-Max-Age': '600',
  },
};

/** Resolves true once `res` takes more bytes, false if the client went away first. */
function drained(res: http.ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => { res.off('drain', onDrain); res.off('close', onClose); resolve(ok); };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

export function createServer(routeDefs: RouteDef[], services: Services, auth: Authenticator): http.Server {
  const routes = compile(routeDefs);
  const { config, metrics } = services;
  const shared = config.RATE_LIMIT_STORE === 'postgres';
  const buckets = shared
    ? sharedBuckets(services.db, config.RATE_LIMIT_RPS, config.RATE_LIMIT_BURST, services.clock)
    : tokenBuckets(config.RATE_LIMIT_RPS, config.RATE_LIMIT_BURST, services.clock);
  const failures = shared
    ? sharedFailureWindow(services.db, config.AUTH_FAILURE_LIMIT, services.clock)
    : failureWindow(config.AUTH_FAILURE_LIMIT, services.clock);
  const proxies = trustedProxies(config.TRUSTED_PROXIES);

  /** Step 1: what no route may see — too many headers, an ambiguous repeated header. */
  function guard(req: http.IncomingMessage): void {
    if (req.rawHeaders.length / 2 > MAX_HEADERS) throw new AppError('too_many_headers', `send at most ${MAX_HEADERS} headers`);
    for (const name of SINGLE_HEADERS) {
      if (rawHeaderCount(req, name) > 1) throw new AppError('duplicate_header', `the ${name} header is given more than once`);
    }
  }

  /** Step 2: the route, or 404/405. */
  function route(ctx: Ctx): Compiled<RouteDef> {
    const found = match(routes, ctx.method, ctx.path);
    if (found.kind === 'not_found') throw new AppError('route_not_found', `no route ${ctx.method} ${ctx.path}`);
    if (found.kind === 'method_not_allowed') {
      throw new AppError('method_not_allowed', `${ctx.method} is not allowed here; use ${found.allow.join(', ')}`, undefined, { Allow: found.allow.join(', ') });
    }
    ctx.route = found.route.path;
    ctx.params = found.params;
    return found.route;
  }

  const tooManyFailures = (wait: number) =>
    new AppError('rate_limited', 'too many failed authentications from this address', undefined, { 'Retry-After': String(wait) });

  /**
   * Step 3: who calls. A valid key always gets in: the failure limit stops guessing from an
   * address, and must not lock out every user behind the same proxy (keys are 256 random
   * bits, so telling a valid key from a wrong one helps no guesser). A wrong or missing key,
   * and any bootstrap attempt, is refused with 429 while the address is over the limit.
   */
  async function authenticate(ctx: Ctx, mode: AuthMode): Promise<void> {
    if (mode === 'public') return;
    const key = extractKey(ctx.headers);
    const bootstrapKey = ctx.headers['x-bootstrap-key'];
    if (mode === 'bootstrap' && key === undefined && bootstrapKey !== undefined) return checkBootstrapKey(ctx, String(bootstrapKey));
    ctx.actor = key === undefined ? null : await auth.authenticate(key);
    if (ctx.actor) return;
    metrics.authFailure(key === undefined ? 'missing' : 'invalid');
    const wait = await failures.blockedFor(ctx.ip);
    if (wait > 0) throw tooManyFailures(wait);
    await failures.record(ctx.ip);
    if (key === undefined) throw new AppError('missing_api_key', 'send your API key in the X-API-Key header');
    throw new AppError('invalid_api_key', 'the API key is not valid');
  }

  /**
   * The bootstrap key of API.md: set, matching (in constant time), and not guessed at
   * from an address over the failure limit. Whether an admin exists already is the
   * bootstrap operation's to say (src/users/actions.ts).
   */
  async function checkBootstrapKey(ctx: Ctx, given: string): Promise<void> {
    const wait = await failures.blockedFor(ctx.ip);
    if (wait > 0) throw tooManyFailures(wait);
    const expected = config.ADMIN_BOOTSTRAP_KEY;
    if (!expected) throw new AppError('bootstrap_closed', 'bootstrap is disabled on this server (ADMIN_BOOTSTRAP_KEY is unset)');
    if (!secretEquals(given, expected)) {
      await failures.record(ctx.ip);
      metrics.authFailure('bootstrap');
      throw new AppError('invalid_bootstrap_key', 'the bootstrap key is not valid');
    }
    ctx.bootstrap = true;
  }

  /** Step 4: the caller's share (per key, or per address before authentication). */
  async function rateLimit(ctx: Ctx): Promise<Record<string, string>> {
    if (!buckets.enabled) return {};
    const r = await buckets.take(ctx.actor ? `user:${ctx.actor.id}` : `ip:${ctx.ip}`);
    const headers = {
      'RateLimit-Limit': String(config.RATE_LIMIT_BURST),
      'RateLimit-Remaining': String(r.remaining),
      'RateLimit-Reset': String(r.resetSeconds),
    };
    if (!r.ok) throw new AppError('rate_limited', 'too many requests; slow down', undefined, { ...headers, 'Retry-After': String(r.retryAfter) });
    return headers;
  }

  /** Steps 1–6 for one request; `headers` collects what every answer carries. */
  async function respond(req: http.IncomingMessage, ctx: Ctx, headers: Record<string, string>): Promise<Res> {
    guard(req);
    const cors = corsHeaders(req, config.CORS_ORIGINS);
    Object.assign(headers, cors);
    if (req.method === 'OPTIONS' && cors['Access-Control-Allow-Origin'] && req.headers['access-control-request-method']) return PREFLIGHT;
    const r = route(ctx);
    await authenticate(ctx, r.auth);
    if (r.auth !== 'public') Object.assign(headers, await rateLimit(ctx));
    // Step 5: the body, checked before any handler sees it (src/http/body.ts), unless the
    // route streams it itself.
    if (r.body === 'raw') ctx.stream = req;
    else if (ctx.method === 'POST' || ctx.method === 'PATCH' || ctx.method === 'PUT' || ctx.method === 'DELETE') ctx.body = await readBody(req, config.BODY_LIMIT);
    // Step 6: the handler.
    return r.handler(ctx);
  }

  function problem(ctx: Ctx, thrown: unknown): Res & { code: string } {
    const err = toAppError(thrown);
    if (err.code === 'internal_error') log.error('unhandled error', { request_id: ctx.requestId, route: ctx.route, ...describeError(thrown) });
    if (err.code === 'database_unavailable') log.warn('database unavailable', { request_id: ctx.requestId, route: ctx.route, ...describeError(thrown) });
    const body = problemBody(err, ctx.path, ctx.requestId);
    return { status: body.status, body, headers: err.headers, problem: true, code: err.code };
  }

  /** Step 7, for a stream: the head now, then the body as it is produced, until it or the client ends. */
  function stream(res: http.ServerResponse, out: Res, headers: Record<string, string>): void {
    const body = out.stream!;
    res.writeHead(out.status, { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...headers, ...out.headers, 'Content-Type': body.contentType });
    res.flushHeaders();
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    // Each wait takes its listeners off again: a long download waits once a page, and
    // listeners left on the signal were an "EventTarget memory leak" warning after ten.
    const drained = () => new Promise<void>((resolve) => {
      if (!res.writableNeedDrain || closed.signal.aborted) return resolve();
      const done = () => {
        res.off('drain', done);
        closed.signal.removeEventListener('abort', done);
        resolve();
      };
      res.once('drain', done);
      closed.signal.addEventListener('abort', done, { once: true });
    });
    body.write({ write: (text) => res.write(text), drained, backlog: () => res.writableLength }, closed.signal)
      .catch((thrown) => {
        log.error('stream failed', { request_id: headers['X-Request-ID'], ...describeError(thrown) });
        res.destroy(); // a cut body must not look complete
      })
      .finally(() => res.end());
  }

  /** Step 7: the answer on the socket. */
  async function send(req: http.IncomingMessage, res: http.ServerResponse, out: Res, headers: Record<string, string>): Promise<void> {
    if (out.stream) return stream(res, out, headers);
    const all: Record<string, string> = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...headers, ...out.headers };
    if (out.bytes) return sendBytes(req, res, out.status, all, out.bytes);
    let payload = '';
    if (out.raw) {
      all['Content-Type'] = out.raw.contentType;
      payload = out.raw.text;
    } else if (out.body !== undefined && out.status !== 204) {
      all['Content-Type'] = out.problem ? 'application/problem+json; charset=utf-8' : JSON_CONTENT_TYPE;
      payload = JSON.stringify(out.body);
    }
    // A 304 has no body, and a Content-Length on it would describe the 200's (RFC 9110).
    if (out.status !== 304) all['Content-Length'] = String(Buffer.byteLength(payload));
    // A body we did not read (refused early) must not be parsed as the next request.
    if (!req.complete) all.Connection = 'close';
    res.writeHead(out.status, all);
    res.end(req.method === 'HEAD' ? undefined : payload);
  }

  /**
   * A streamed body: each piece is written once the socket has taken the one before, so
   * memory holds one piece per download however slowly the client reads. A client that
   * goes away stops the source (its `finally` runs); a source that fails after the
   * headers left cuts the connection, so the client sees a short body, never a wrong one.
   */
  async function sendBytes(req: http.IncomingMessage, res: http.ServerResponse, status: number, all: Record<string, string>, stream: NonNullable<Res['bytes']>): Promise<void> {
    all['Content-Type'] = stream.contentType;
    all['Content-Length'] = String(stream.length);
    if (!req.complete) all.Connection = 'close';
    res.writeHead(status, all);
    if (req.method === 'HEAD') return void res.end();
    for await (const piece of stream.body()) {
      if (res.destroyed) return;
      if (!res.write(piece) && !(await drained(res))) return;
    }
    res.end();
  }

  function context(req: http.IncomingMessage, requestId: string): Ctx {
    const { path, query } = parseTarget(req.url ?? '/');
    return {
      method: req.method ?? 'GET', path, route: 'unmatched', params: {}, query,
      headers: req.headers, body: undefined, requestId, ip: clientAddress(req, proxies),
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null,
      stream: null, actor: null, bootstrap: false, services,
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    const headers: Record<string, string> = { 'X-Request-ID': requestId };
    const ctx = context(req, requestId); // never throws: parseTarget and clientAddress take any input
    let out: Res & { code?: string };
    try {
      out = await respond(req, ctx, headers);
    } catch (thrown) {
      out = problem(ctx, thrown);
    }
    try {
      await send(req, res, out, headers);
    } catch (thrown) {
      log.error('could not write the response', { request_id: requestId, ...describeError(thrown) });
      res.destroy();
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.request(ctx.method, ctx.route, out.status, seconds);
    if (enabled('info')) {
      log.info('request', {
        request_id: requestId, method: ctx.method, route: ctx.route, status: out.status,
        duration_ms: Math.round(seconds * 1e4) / 10, user_id: ctx.actor?.id, ip: ctx.ip, code: out.code,
      });
    }
  }

  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    handle(req, res).catch((thrown) => {
      // Nothing above should throw; if it does, this request fails and the process serves on.
      log.error('request failed outside the handler', describeError(thrown));
      res.destroy();
    });
  });
  // Node drops headers past maxHeadersCount silently; count them all and answer 431 instead.
  server.maxHeadersCount = 0;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
