// node:http glue: refuse hostile input, authenticate, read the body, run the route,
// write the response. The only code that touches the socket.
import crypto from 'node:crypto';
import http from 'node:http';
import { AppError, problemBody, toAppError } from '../errors.ts';
import { describeError, enabled, log } from '../log.ts';
import { type AuthMode, extractKey, type Authenticator } from './auth.ts';
import { type Ctx, JSON_CONTENT_TYPE, type Res, type Services } from './context.ts';
import { failureWindow, tokenBuckets } from './limits.ts';
import { compile, match } from './router.ts';

export type Handler = (ctx: Ctx) => Promise<Res>;
export interface RouteDef { method: string; path: string; handler: Handler; auth: AuthMode }

const MAX_HEADERS = 200;
const MAX_DEPTH = 32;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** Nesting deeper than MAX_DEPTH or a NUL anywhere: refused before any handler sees it. */
function hostile(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return 'strings must not contain NUL characters';
    } else if (v !== null && typeof v === 'object') {
      if (depth > MAX_DEPTH) return `the body is nested deeper than ${MAX_DEPTH} levels`;
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) return 'strings must not contain NUL characters';
        stack.push([item, depth + 1]);
      }
    }
  }
  return null;
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const length = req.headers['content-length'];
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) return undefined;
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    throw new AppError('unsupported_media_type', 'send the body as application/json (UTF-8)');
  }
  const tooLarge = () => new AppError('payload_too_large', `the body is larger than ${limit} bytes`);
  if (length !== undefined && Number(length) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AppError('malformed_json', 'the body is not valid JSON');
  }
  const problem = hostile(value);
  if (problem) throw new AppError('validation_failed', problem, [{ path: '', message: problem }]);
  return value;
}

function rawHeaderCount(req: http.IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === name) n++;
  return n;
}

function corsHeaders(req: http.IncomingMessage, origins: string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !origins.includes(origin)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'ETag, Location, X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Idempotent-Replayed',
    Vary: 'Origin',
  };
}

export function createServer(routeDefs: RouteDef[], services: Services, auth: Authenticator): http.Server {
  const routes = compile(routeDefs);
  const { config, metrics } = services;
  const buckets = tokenBuckets(config.RATE_LIMIT_RPS, config.RATE_LIMIT_BURST);
  const failures = failureWindow(config.AUTH_FAILURE_LIMIT);

  const rateLimit = (key: string): Record<string, string> => {
    if (!buckets.enabled) return {};
    const r = buckets.take(key);
    const headers = {
      'RateLimit-Limit': String(config.RATE_LIMIT_BURST),
      'RateLimit-Remaining': String(r.remaining),
      'RateLimit-Reset': String(r.resetSeconds),
    };
    if (!r.ok) throw new AppError('rate_limited', 'too many requests; slow down', undefined, { ...headers, 'Retry-After': String(r.retryAfter) });
    return headers;
  };

  async function dispatch(req: http.IncomingMessage, ctx: Ctx, extra: Record<string, string>): Promise<Res> {
    if (req.rawHeaders.length / 2 > MAX_HEADERS) throw new AppError('too_many_headers', `send at most ${MAX_HEADERS} headers`);
    for (const name of ['x-api-key', 'authorization']) {
      if (rawHeaderCount(req, name) > 1) throw new AppError('duplicate_header', `the ${name} header is given more than once`);
    }
    const cors = corsHeaders(req, config.CORS_ORIGINS);
    Object.assign(extra, cors);
    if (req.method === 'OPTIONS' && cors['Access-Control-Allow-Origin'] && req.headers['access-control-request-method']) {
      return {
        status: 204,
        headers: {
          'Access-Control-Allow-Methods': 'GET, POST, PATCH, OPTIONS',
          'Access-Control-Allow-Headers': 'Content-Type, X-API-Key, Authorization, If-Match, Idempotency-Key, X-Request-ID',
          'Access-Control-Max-Age': '600',
        },
      };
    }
    const found = match(routes, ctx.method, ctx.path);
    if (found.kind === 'not_found') throw new AppError('route_not_found', `no route ${ctx.method} ${ctx.path}`);
    if (found.kind === 'method_not_allowed') {
      throw new AppError('method_not_allowed', `${ctx.method} is not allowed here; use ${found.allow.join(', ')}`, undefined, { Allow: found.allow.join(', ') });
    }
    const { route, params } = found;
    ctx.route = route.path;
    ctx.params = params;

    if (route.auth !== 'public') {
      const key = extractKey(ctx.headers);
      const bootstrapping = route.auth === 'bootstrap' && key === undefined && ctx.headers['x-bootstrap-key'] !== undefined;
      const wait = failures.blockedFor(ctx.ip);
      if (wait > 0) throw new AppError('rate_limited', 'too many failed authentications from this address', undefined, { 'Retry-After': String(wait) });
      if (!bootstrapping) {
        if (key === undefined) {
          metrics.authFailure('missing');
          failures.record(ctx.ip);
          throw new AppError('missing_api_key', 'send your API key in the X-API-Key header');
        }
        ctx.actor = await auth.authenticate(key);
        if (!ctx.actor) {
          metrics.authFailure('invalid');
          failures.record(ctx.ip);
          throw new AppError('invalid_api_key', 'the API key is not valid');
        }
      }
      Object.assign(extra, rateLimit(ctx.actor ? `user:${ctx.actor.id}` : `ip:${ctx.ip}`));
    }
    if (ctx.method === 'POST' || ctx.method === 'PATCH') ctx.body = await readBody(req, config.BODY_LIMIT);
    try {
      return await route.handler(ctx);
    } catch (err) {
      if (err instanceof AppError && err.code === 'invalid_bootstrap_key') {
        failures.record(ctx.ip);
        metrics.authFailure('bootstrap');
      }
      throw err;
    }
  }

  function send(req: http.IncomingMessage, res: http.ServerResponse, out: Res, headers: Record<string, string>): void {
    const all: Record<string, string> = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...headers, ...out.headers };
    let payload = '';
    if (out.raw) {
      all['Content-Type'] = out.raw.contentType;
      payload = out.raw.text;
    } else if (out.body !== undefined && out.status !== 204) {
      all['Content-Type'] = out.problem ? 'application/problem+json; charset=utf-8' : JSON_CONTENT_TYPE;
      payload = JSON.stringify(out.body);
    }
    all['Content-Length'] = String(Buffer.byteLength(payload));
    // A body we did not read (refused early) must not be parsed as the next request.
    if (!req.complete) all.Connection = 'close';
    res.writeHead(out.status, all);
    res.end(req.method === 'HEAD' ? undefined : payload);
  }

  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, async (req, res) => {
    const started = process.hrtime.bigint();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ctx: Ctx = {
      method: req.method ?? 'GET', path: url.pathname, route: 'unmatched', params: {}, query: url.searchParams,
      headers: req.headers, body: undefined, requestId, ip: req.socket.remoteAddress ?? 'unknown',
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null,
      actor: null, services,
    };
    const headers: Record<string, string> = { 'X-Request-ID': requestId };
    let out: Res;
    try {
      out = await dispatch(req, ctx, headers);
    } catch (thrown) {
      const err = toAppError(thrown);
      if (err.code === 'internal_error') log.error('unhandled error', { request_id: requestId, route: ctx.route, ...describeError(thrown) });
      if (err.code === 'database_unavailable') log.warn('database unavailable', { request_id: requestId, route: ctx.route, ...describeError(thrown) });
      const body = problemBody(err, ctx.path, requestId);
      out = { status: body.status, body, headers: err.headers, problem: true };
    }
    try {
      send(req, res, out, headers);
    } catch (thrown) {
      log.error('could not write the response', { request_id: requestId, ...describeError(thrown) });
      res.destroy();
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.request(ctx.method, ctx.route, out.status, seconds);
    if (enabled('info')) {
      log.info('request', {
        request_id: requestId, method: ctx.method, route: ctx.route, status: out.status,
        duration_ms: Math.round(seconds * 1e4) / 10, user_id: ctx.actor?.id, ip: ctx.ip,
      });
    }
  });
  // Node drops headers past maxHeadersCount silently; count them all and answer 431 instead.
  server.maxHeadersCount = 0;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
