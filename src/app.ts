// Wires a database handle and the configuration into the services every way in shares,
// an HTTP server, and the background worker. Used by main.ts and by the tests, which
// start it on port 0 (and may bring their own clock).
import type http from 'node:http';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { poolUse, type Sql } from './db/index.ts';
import { createAuthenticator } from './http/auth.ts';
import { routes } from './http/routes.ts';
import { createServer } from './http/server.ts';
import { createHub } from './live/hub.ts';
import { createMetrics } from './metrics.ts';
import type { Services } from './services.ts';
import { telegramLoops } from './telegram/index.ts';
import { createWorker, type Worker } from './worker/index.ts';
import { purge } from './worker/purge.ts';
import { slaTimers } from './worker/sla.ts';
import { tallies } from './worker/tallies.ts';
import { webhookLoop } from './worker/webhooks.ts';

export interface AppOptions {
  clock?: Clock;
  /** How long an authentication is cached (API.md: a rotated key stops working within a second). */
  authTtlMs?: number;
}

export function createApp(config: Config, db: Sql, opts: AppOptions = {}): { server: http.Server; services: Services; worker: Worker } {
  const clock = opts.clock ?? systemClock;
  const auth = createAuthenticator(db, clock, opts.authTtlMs);
  const metrics = createMetrics(() => {
    const use = poolUse(db);
    if (!use) return { inUse: 0, waiting: 0, max: config.DB_POOL_MAX };
    const { statements: s, transactions: t } = use;
    return { inUse: s.held + t.held, waiting: s.waiting + t.waiting, max: s.size + t.size };
  });
  const live = createHub();
  const services: Services = { db, config, metrics, clock, live, forgetUser: auth.forgetUser };
  const loops = [purge, live.loop, webhookLoop(config), slaTimers(config.SLA_TIMER_INTERVAL_MS), tallies, ...telegramLoops(services)];
  return { server: createServer(routes, services, auth), services, worker: createWorker(services, loops) };
}
