// The load generator of make bench: wrk (Debian's package, C on epoll) for the scenarios
// of one kind of request when it is installed, else autocannon in this process. On these
// two cores the load generator takes CPU from the server and PostgreSQL, while each share
// compares with pgbench, a client in C (docs/benchmarks.md, "2026-12-01, fourth session",
// has what each client used). BENCH_CLIENT=autocannon keeps autocannon for every scenario.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import autocannon from 'autocannon';

/** One kind of request; `paths`: each request takes one of them at random. */
export interface Fixed { method: string; path?: string; paths?: string[]; headers?: Record<string, string>; body?: string }

interface WrkResult { rps: number; p50: number; p99: number; non2xx: number; errors: number; clientCpu: number }

let present: boolean | undefined;
/** wrk is there and BENCH_CLIENT does not ask for autocannon. */
function useWrk(): boolean {
  if (process.env.BENCH_CLIENT === 'autocannon') return false;
  present ??= spawnSync('wrk', ['--version']).error === undefined;
  return present;
}

/** A Lua string literal; the bench sends ASCII only, where JSON's escapes are Lua's. */
function lua(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`not printable ASCII: ${s}`);
  return JSON.stringify(s);
}

function script(req: Fixed): string {
  const lines = [`wrk.method = ${lua(req.method)}`];
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`wrk.headers[${lua(k)}] = ${lua(v)}`);
  if (req.body !== undefined) lines.push(`wrk.body = ${lua(req.body)}`);
  if (req.paths) {
    // Formatted once per thread; request() only picks one.
    lines.push(`local paths = { ${req.paths.map(lua).join(', ')} }`, 'local reqs = {}',
      'init = function(args) math.randomseed(os.time()); for i, p in ipairs(paths) do reqs[i] = wrk.format(nil, p) end end',
      'request = function() return reqs[math.random(#reqs)] end');
  }
  // errors.status counts answers with a status over 399.
  lines.push(`done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK %d %d %d %d %d %d %d %d %d\\n', summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end`);
  return lines.join('\n') + '\n';
}

/**
 * `seconds` of load at `connections` over one thread (enough for these rates; a second
 * thread would only take more of the cores it measures). Resolves with wrk's figures and
 * the CPU it used per second of the run.
 */
export async function wrk(base: string, connections: number, seconds: number, req: Fixed): Promise<WrkResult> {
  const file = path.join(os.tmpdir(), `sf-wrk-${crypto.randomBytes(4).toString('hex')}.lua`);
  fs.writeFileSync(file, script(req));
  const url = new URL(req.path ?? '/', base).href;
  // wrk takes whole seconds.
  const args = ['-t', '1', '-c', String(connections), '-d', `${Math.max(1, Math.round(seconds))}s`, '--timeout', '10s', '-s', file, url];
  try {
    // `times` prints the shell's and its children's CPU: the second line is wrk's.
    const child = spawn('sh', ['-c', 'wrk "$@"; code=$?; times; exit $code', 'sh', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const m = /^WRK (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$/m.exec(out);
    if (code !== 0 || !m) throw new Error(`wrk failed (exit ${code}): ${(err || out).trim().split('\n').slice(-3).join(' | ')}`);
    const [requests, durationUs, p50, p99, connect, read, write, status, timeout] = m.slice(1).map(Number);
    // The last line: the children's user and system time.
    const times = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(out.trimEnd().split('\n').at(-1) ?? '');
    const childCpu = times ? Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4]) : NaN;
    return {
      rps: requests / (durationUs / 1e6),
      p50: Math.round(p50 / 100) / 10, p99: Math.round(p99 / 100) / 10,
      non2xx: status, errors: connect + read + write + timeout,
      clientCpu: childCpu / (durationUs / 1e6),
    };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** The q-quantile (0..1) of xs, as the nearest rank below; NaN for none. */
export const quantile = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * `pairs` pairs of runs without and with what a scenario measures, in the order
 * without-with, with-without, …: a rate that drifts while they run favours neither
 * (docs/benchmarks.md, "2026-12-01, fifth session").
 */
export async function alternate(pairs: number, without: () => Promise<void>, withIt: () => Promise<void>, after?: () => void): Promise<void> {
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) { await without(); await withIt(); } else { await withIt(); await without(); }
    after?.();
  }
}

/** Requests created at full speed by the employee with `key` (what every create scenario sends). */
export const createLoad = (key: string, title = 'bench create') => ({
  requests: [{ method: 'POST' as const, path: '/requests', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ title, description: 'load', priority: 'LOW' }) }],
});

/** A request for `drive`; with `paths`, autocannon picks one at random per request too. */
export const oneOf = (paths: string[], req: Omit<Fixed, 'path' | 'paths'> & { method: autocannon.Request['method'] }): autocannon.Request => ({
  ...req, paths, setupRequest: (r) => ({ ...r, path: paths[Math.floor(Math.random() * paths.length)] }),
} as autocannon.Request);

/** autocannon options that wrk can send: one kind of request, no state between requests. */
function asFixed(opts: Partial<autocannon.Options>): Fixed | null {
  const reqs = (opts as { requests?: (Fixed & { setupRequest?: unknown })[] }).requests;
  if (!reqs || reqs.length !== 1) return null;
  const [r] = reqs;
  if (r.setupRequest && !r.paths) return null;
  return { method: r.method ?? 'GET', path: r.paths ? undefined : (r.path ?? '/'), paths: r.paths, headers: r.headers, body: r.body };
}

/**
 * `seconds` of load at `connections`: wrk when it can send the requests (useWrk), else
 * autocannon in this process. `clientCpu`: CPU seconds the load generator used per second
 * (autocannon's is this process's, which does nothing else meanwhile).
 */
export async function drive(base: string, connections: number, seconds: number, opts: Partial<autocannon.Options>): Promise<WrkResult & { client: 'wrk' | 'autocannon' }> {
  const fixed = asFixed(opts);
  if (fixed && useWrk()) return { ...(await wrk(base, connections, seconds, fixed)), client: 'wrk' };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const r = await autocannon({ url: base, connections, duration: seconds, ...opts } as autocannon.Options);
  const used = process.cpuUsage(cpu);
  return {
    rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts,
    clientCpu: (used.user + used.system) / 1e6 / ((performance.now() - started) / 1000), client: 'autocannon',
  };
}
