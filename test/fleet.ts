// What an operator puts around several instances, run for the tests as child processes on
// free ports: PgBouncer (Debian's package) in front of the test cluster, and nginx with
// deploy/nginx.conf in front of instances. No Docker needed; .ci/run installs both.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const installed = (program: string) => spawnSync('sh', ['-c', `command -v ${program} || test -x /usr/sbin/${program}`]).status === 0;
const bin = (program: string) => (fs.existsSync(`/usr/sbin/${program}`) ? `/usr/sbin/${program}` : program);

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts connections on the port. */
async function listening(port: number, child: ChildProcess, output: () => string, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited: ${output()}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts Debian's `name` with `args` and waits until it listens on `port`; its last output goes into any error. */
async function start(name: string, args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(bin(name), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output = (output + c).slice(-4000)));
  child.stderr!.on('data', (c) => (output = (output + c).slice(-4000)));
  detach(child);
  await listening(port, child, () => output, name);
  return child;
}

/** A directory another user can read (PgBouncer runs as postgres when we are root). */
function workDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export interface Pooler { port: number; url(dbUrl: string): string; close(): Promise<void> }

/**
 * A helper process that does not keep the test process alive (a test file's process ends
 * when its work does, and a shared PgBouncer is never closed explicitly); it dies with it.
 */
function detach(child: ChildProcess): void {
  child.unref();
  (child.stdout as unknown as { unref(): void }).unref();
  (child.stderr as unknown as { unref(): void }).unref();
  process.once('exit', () => child.kill('SIGKILL'));
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.ref(); // waited for now
  return new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
}

/**
 * PgBouncer in front of the cluster of `serverUrl`, every database of it, for these logins
 * (URLs whose user and password it is to know), `poolSize` backends per database and login.
 * PgBouncer refuses to run as root: then it switches to the postgres user (-u), as
 * Debian's service does.
 */
export async function startPgbouncer(serverUrl: string, logins: string[], { poolMode = 'transaction', poolSize = 30 }: { poolMode?: 'transaction' | 'session'; poolSize?: number } = {}): Promise<Pooler> {
  const server = new URL(serverUrl);
  const port = await freePort();
  const dir = workDir('sf-pgbouncer-');
  const users = new Map<string, string>();
  for (const login of [serverUrl, ...logins]) {
    const u = new URL(login);
    users.set(decodeURIComponent(u.username), decodeURIComponent(u.password));
  }
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  fs.writeFileSync(path.join(dir, 'userlist.txt'), [...users].map(([u, p]) => `${quote(u)} ${quote(p)}`).join('\n') + '\n', { mode: 0o644 });
  // deploy/pgbouncer.ini's settings, pointed at the test cluster and this directory.
  const ini = fs.readFileSync(path.join(ROOT, 'deploy', 'pgbouncer.ini'), 'utf8')
    .replace(/^serviceflow = .*$/m, `* = host=${server.hostname} port=${server.port || 5432}`)
    .replace(/^listen_addr = .*$/m, 'listen_addr = 127.0.0.1')
    .replace(/^listen_port = .*$/m, `listen_port = ${port}`)
    .replace(/^pool_mode = .*$/m, `pool_mode = ${poolMode}`)
    .replace(/^auth_type = .*$/m, 'auth_type = trust')
    .replace(/^auth_file = .*$/m, `auth_file = ${path.join(dir, 'userlist.txt')}`)
    // Test files start and drop many servers and databases at once.
    .replace(/^max_client_conn = .*$/m, 'max_client_conn = 2000')
    .replace(/^default_pool_size = .*$/m, `default_pool_size = ${poolSize}`);
  fs.writeFileSync(path.join(dir, 'pgbouncer.ini'), ini, { mode: 0o644 });
  const args = process.getuid?.() === 0 ? ['-u', 'postgres', path.join(dir, 'pgbouncer.ini')] : [path.join(dir, 'pgbouncer.ini')];
  const child = await start('pgbouncer', args, port);
  return {
    port,
    url(dbUrl) {
      const u = new URL(dbUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async close() {
      await stop(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Proxy { port: number; base: string; close(): Promise<void> }

/** nginx with deploy/nginx.conf in front of these instances (http://127.0.0.1:port); `readTimeout` in place of its 60 s. */
export async function startNginx(upstreams: string[], { readTimeout }: { readTimeout?: string } = {}): Promise<Proxy> {
  const port = await freePort();
  const dir = workDir('sf-nginx-');
  const servers = upstreams.map((u) => `    server ${new URL(u).host} max_fails=1 fail_timeout=5s;`).join('\n');
  const site = fs.readFileSync(path.join(ROOT, 'deploy', 'nginx.conf'), 'utf8')
    .replace(/^(\s*server api\d+:8000[^\n]*\n)+/m, servers + '\n')
    .replace(/^\s*listen 8080;/m, `    listen 127.0.0.1:${port};`)
    .replace(/proxy_read_timeout 60s;/, `proxy_read_timeout ${readTimeout ?? '60s'};`);
  if (!site.includes(servers)) throw new Error('deploy/nginx.conf: no `server apiN:8000` lines to replace');
  fs.writeFileSync(path.join(dir, 'serviceflow.conf'), site);
  // What the Debian package's nginx.conf would give, confined to this directory.
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(dir, t)};`).join('\n');
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `daemon off;
pid ${path.join(dir, 'nginx.pid')};
error_log stderr warn;
worker_processes 1;
events { worker_connections 1024; }
http {
  access_log off;
${temp}
  include ${path.join(dir, 'serviceflow.conf')};
}
`);
  const child = await start('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], port);
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await stop(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
