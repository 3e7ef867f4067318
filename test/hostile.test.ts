// Hostile input against the real process (src/main.ts): request targets that `new URL`
// cannot parse, nested-JSON bombs, and errors that nothing caught (issue 12, point 2).
// One request must never take the process down for everyone else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { request, spawnServer, startApp, type Proc, type TestApp } from './helpers.ts';

interface RawReply { status: number; headers: Record<string, string>; body: string }

/**
 * Sends `head` and then `body` as written on a fresh TCP connection; resolves with the
 * parsed answer. With `early`, the body goes only if no answer came within that many ms,
 * as a client would that expects a refusal on the headers alone (a server that closes
 * the connection on unread bytes may otherwise reset it before its answer is read).
 */
function raw(base: string, head: string, body: Buffer | string = '', early?: number): Promise<RawReply> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(head);
      if (early === undefined) return void socket.end(body);
      const timer = setTimeout(() => socket.end(body), early);
      socket.once('data', () => clearTimeout(timer));
    });
    // A server that answers before reading the whole body may close while we still write:
    // the answer it sent counts.
    let failed: Error | undefined;
    socket.on('error', (err) => { failed = err; });
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      if (!m) return reject(new Error(`no HTTP answer (the connection closed after ${text.length} bytes${failed ? `: ${failed.message}` : ''})`));
      const headers = Object.fromEntries(m[2].split('\r\n').map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(m[1]), headers, body: m[3] });
    });
  });
}

const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`;

/** Waits (bounded) for a line of the process's output that matches. */
async function logLine(proc: Proc, re: RegExp): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const line = proc.output().split('\n').find((l) => re.test(l));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no log line matching ${re}`);
}

async function stillServing(proc: Proc): Promise<void> {
  assert.equal(proc.child.exitCode, null, `the process exited: ${proc.output().slice(-500)}`);
  const live = await request(proc.base, 'GET', '/health/live');
  assert.equal(live.status, 200);
}

describe('request targets that are not paths', () => {
  let app: TestApp;
  let proc: Proc;
  before(async () => {
    app = await startApp();
    proc = await spawnServer({ DATABASE_URL: app.dbUrl });
  });
  after(async () => {
    proc?.child.kill('SIGTERM');
    await proc?.exited;
    await app?.close();
  });

  for (const target of ['//', '//[', '//a:b', '/\\', '//a:b/c', '*']) {
    test(`GET ${target} is a 404 problem and the process serves on`, async () => {
      const r = await raw(proc.base, get(target));
      assert.equal(r.status, 404);
      assert.match(r.headers['content-type'], /^application\/problem\+json/);
      assert.equal(JSON.parse(r.body).code, 'route_not_found');
      await stillServing(proc);
    });
  }

  test('an absolute-form target (as a proxy sends it) reaches its route', async () => {
    const r = await raw(proc.base, get('http://x/health'));
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 'ok' });
    await stillServing(proc);
  });

  test('the log line of a 404 names its problem code', async () => {
    await raw(proc.base, get('//'));
    const line = JSON.parse(await logLine(proc, /"msg":"request".*"status":404/));
    assert.equal(line.code, 'route_not_found');
  });

  test('after all of them the process is alive and answers /health/live', async () => {
    await stillServing(proc);
  });
});

describe('nested-JSON bombs', () => {
  let app: TestApp;
  let proc: Proc;
  let key: string;
  before(async () => {
    app = await startApp();
    proc = await spawnServer({ DATABASE_URL: app.dbUrl });
    key = (await app.user('EMPLOYEE')).key;
  });
  after(async () => {
    proc?.child.kill('SIGTERM');
    await proc?.exited;
    await app?.close();
  });

  const post = (body: string, early?: number) =>
    raw(proc.base, `POST /requests HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`, body, early);

  test('200 KB of `[` is refused as too deep (422) before JSON.parse', async () => {
    // The depth is read off the raw bytes (src/http/body.ts): the message says so, JSON.parse
    // would have said something else. How fast is make bench's business, not a timed test's.
    const r = await post('['.repeat(200_000));
    assert.equal(r.status, 422, r.body.slice(0, 200));
    const body = JSON.parse(r.body);
    assert.equal(body.code, 'validation_failed');
    assert.match(`${body.detail} ${JSON.stringify(body.errors)}`, /nested deeper than 32/);
    await stillServing(proc);
  });

  test('a 1 MiB `[[[…]]]` body is refused as too large (413) under the default BODY_LIMIT', async () => {
    const r = await post('['.repeat(512 * 1024) + ']'.repeat(512 * 1024), 500);
    assert.equal(r.status, 413, r.body.slice(0, 200));
    assert.equal(JSON.parse(r.body).code, 'payload_too_large');
    await stillServing(proc);
  });
});

describe('errors that nothing caught', () => {
  test('an unhandled rejection and an uncaught exception are logged and the process serves on', async () => {
    // main.ts's handlers are not exported (serveOnAfterStrayErrors), so the stray errors are
    // raised inside the real process instead: a module preloaded with --import makes one of
    // each when the process gets SIGUSR2.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-stray-'));
    const preload = path.join(dir, 'stray.mjs');
    fs.writeFileSync(preload, [
      "process.on('SIGUSR2', () => {",
      "  Promise.reject(new Error('stray rejection from the test'));",
      "  setImmediate(() => { throw new Error('stray exception from the test'); });",
      '});',
    ].join('\n'));
    const app = await startApp();
    const nodeOptions = [process.env.NODE_OPTIONS, `--import=${pathToFileURL(preload).href}`].filter(Boolean).join(' ');
    const proc = await spawnServer({ DATABASE_URL: app.dbUrl, NODE_OPTIONS: nodeOptions });
    try {
      proc.child.kill('SIGUSR2');
      const rejection = await Promise.race([logLine(proc, /"msg":"unhandled rejection"/), proc.exited.then((c) => { throw new Error(`the process exited with ${c}`); })]);
      assert.match(rejection, /stray rejection from the test/);
      assert.doesNotMatch(rejection, /\bat .*\.(ts|js|mjs):\d+/, 'no stack in the log');
      assert.match(await logLine(proc, /"msg":"uncaught exception"/), /stray exception from the test/);
      await stillServing(proc);
      const emp = await app.user('EMPLOYEE');
      assert.equal((await request(proc.base, 'POST', '/requests', { key: emp.key, body: { title: 'after a stray error' } })).status, 201);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
