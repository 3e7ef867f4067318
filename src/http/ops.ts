// Operations routes: health, metrics, the OpenAPI document and its page, the console's files.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { query } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { secretEquals } from '../users/keys.ts';
import { type Ctx, header, json, jsonText } from './context.ts';

const DOCS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
const OPENAPI = fs.readFileSync(path.join(DOCS_DIR, 'openapi.json'), 'utf8');

/** GET /health, GET /health/live — the process is up. */
export async function getHealth(_ctx: Ctx) {
  return json(200, { status: 'ok' });
}

/** GET /health/ready — the process is up and the database answers. */
export async function getHealthReady(ctx: Ctx) {
  try {
    await Promise.race([
      query(ctx.services.db, 'system/ping'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('ping timed out')), 2000).unref()),
    ]);
    return json(200, { status: 'ok', database: 'ok' });
  } catch {
    return json(503, { status: 'unavailable', database: 'unavailable' }, { 'Retry-After': '1' });
  }
}

/** GET /openapi.json */
export async function getOpenapi(_ctx: Ctx) {
  return jsonText(200, OPENAPI);
}

// img-src blob: for the console's attachment thumbnails: it fetches them with the key in a
// header and shows the bytes through a blob: URL (an <img src> cannot send the key).
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
};

/** A static file read once at start-up; pages get a strict Content-Security-Policy (no inline code, nothing remote). */
export function staticFile(file: string) {
  const text = fs.readFileSync(file, 'utf8');
  const contentType = TYPES[path.extname(file)];
  const headers: Record<string, string> = { 'Cache-Control': 'no-cache', 'Content-Security-Policy': PAGE_CSP };
  return async (_ctx: Ctx) => ({ status: 200, headers, raw: { contentType, text } });
}

/** GET /docs and its assets: the OpenAPI document rendered by a local script. */
export const getDocs = staticFile(path.join(DOCS_DIR, 'api.html'));
export const getDocsScript = staticFile(path.join(DOCS_DIR, 'api.js'));
export const getDocsStyle = staticFile(path.join(DOCS_DIR, 'api.css'));

/** GET / and its assets: the web console. */
const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web');
export const getConsole = staticFile(path.join(WEB_DIR, 'index.html'));
export const getConsoleScript = staticFile(path.join(WEB_DIR, 'app.js'));
export const getConsoleStyle = staticFile(path.join(WEB_DIR, 'app.css'));
export const getConsoleReports = staticFile(path.join(WEB_DIR, 'reports.js'));
/** Another of the console's files (a module app.js imports, the favicon): GET /ui/<name>. */
export const consoleFile = (name: string) => staticFile(path.join(WEB_DIR, name));
export const getConsoleSlaScript = staticFile(path.join(WEB_DIR, 'sla.js'));

/** GET /metrics — Prometheus text; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`. */
export async function getMetrics(ctx: Ctx) {
  const token = ctx.services.config.METRICS_TOKEN;
  if (token) {
    const given = /^Bearer\s+(\S+)$/i.exec(header(ctx, 'authorization') ?? '')?.[1];
    if (!given) throw new AppError('missing_api_key', 'send the metrics token as Authorization: Bearer <token>');
    if (!secretEquals(given, token)) throw new AppError('invalid_api_key', 'the metrics token is not valid');
  }
  return { status: 200, raw: { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: ctx.services.metrics.text() } };
}
