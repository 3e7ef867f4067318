// The worker slot: background loops that run in every server process beside HTTP (the
// retention purge, webhook delivery; the Telegram poller and SLA timers next), with
// one life cycle — start, pause while PostgreSQL is away, resume by itself, stop gracefully.
// A loop must be safe with several instances running it at once (docs/architecture.md).
import { query } from '../db/index.ts';
import { toAppError } from '../errors.ts';
import { describeError, log } from '../log.ts';
import type { Services } from '../services.ts';

export interface Loop {
  name: string;
  /** Pause between the end of one run and the start of the next (read after each run). */
  everyMs: number;
  run(services: Services, signal: AbortSignal): Promise<void>;
  /** Called when the worker stops, before it waits for runs in flight: end a long wait early (a long poll). */
  stop?(): Promise<void> | void;
  /** Work a run started that outlives it (webhook attempts in flight): stop waits for it too, and no run follows. */
  settle?(): Promise<void>;
}

export interface Worker {
  /** Starts the loops (those named in `only`, if given; a later call starts the rest). */
  start(only?: string[]): void;
  /** Stops scheduling, lets runs in flight finish (abort after `timeoutMs`), then resolves. */
  stop(timeoutMs: number): Promise<void>;
  /** True while the database is away: no loop runs until a ping answers again. */
  paused(): boolean;
  /** Runs one loop now, outside its schedule (for tests and operators). */
  runNow(name: string): Promise<void>;
}

const PROBE_MS = 500;

export function createWorker(services: Services, loops: Loop[], probeMs = PROBE_MS): Worker {
  const timers = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  /** Loops in a run now: a run in flight schedules its own successor. */
  const busy = new Set<string>();
  const abort = new AbortController();
  let running = false;
  let away = false;
  let probe: NodeJS.Timeout | undefined;
  const started = new Set<string>();

  /**
   * The loop's next run in `ms`, replacing one already planned: on resuming after an
   * outage every loop is planned anew, and a timer left behind would outlive stop().
   */
  function schedule(loop: Loop, ms: number): void {
    if (!running || !started.has(loop.name) || busy.has(loop.name)) return;
    clearTimeout(timers.get(loop.name));
    timers.set(loop.name, setTimeout(() => void tick(loop), ms));
  }

  /** The database went away: stop every loop until a ping answers. */
  function pause(): void {
    if (away) return;
    away = true;
    log.warn('worker paused: database unavailable');
    const check = async () => {
      if (!running) return;
      try {
        await query(services.db, 'system/ping');
        away = false;
        log.info('worker resumed: database available');
        for (const loop of loops) schedule(loop, 0);
      } catch {
        probe = setTimeout(() => void check(), probeMs);
      }
    };
    probe = setTimeout(() => void check(), probeMs);
  }

  async function once(loop: Loop): Promise<void> {
    const p = loop.run(services, abort.signal);
    inFlight.add(p);
    try {
      await p;
    } finally {
      inFlight.delete(p);
    }
  }

  async function tick(loop: Loop): Promise<void> {
    timers.delete(loop.name);
    if (!running || away) return;
    busy.add(loop.name);
    try {
      await once(loop);
    } catch (err) {
      if (toAppError(err).code === 'database_unavailable') {
        pause();
        return;
      }
      log.error('worker loop failed', { loop: loop.name, ...describeError(err) });
    } finally {
      busy.delete(loop.name);
    }
    if (!away) schedule(loop, loop.everyMs);
  }

  return {
    start(only) {
      running = true;
      for (const loop of loops) {
        if (started.has(loop.name) || (only && !only.includes(loop.name))) continue;
        started.add(loop.name);
        schedule(loop, 0);
      }
    },
    async stop(timeoutMs) {
      running = false;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      clearTimeout(probe);
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      await Promise.allSettled([...inFlight, ...loops.map(async (loop) => loop.stop?.())]);
      await Promise.allSettled(loops.map((loop) => loop.settle?.()));
      clearTimeout(timer);
    },
    paused: () => away,
    async runNow(name) {
      const loop = loops.find((l) => l.name === name);
      if (!loop) throw new Error(`no worker loop ${name}`);
      await once(loop);
    },
  };
}
