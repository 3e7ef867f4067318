// Wires a database handle and the configuration into an HTTP server. Used by main.ts and
// by the tests, which start it on port 0.
import type http from 'node:http';
import type { Config } from './config.ts';
import { poolUse, type Sql } from './db/index.ts';
import { createAuthenticator } from './http/auth.ts';
import type { Services } from './http/context.ts';
import { routes } from './http/routes.ts';
import { createServer } from './http/server.ts';
import { createMetrics } from './metrics.ts';

export function createApp(config: Config, db: Sql): { server: http.Server; services: Services } {
  const auth = createAuthenticator(db);
  const metrics = createMetrics(() => {
    const use = poolUse(db);
    if (!use) return { inUse: 0, waiting: 0, max: config.DB_POOL_MAX };
    const { statements: s, transactions: t } = use;
    return { inUse: s.held + t.held, waiting: s.waiting + t.waiting, max: s.size + t.size };
  });
  const services: Services = { db, config, metrics, forgetUser: auth.forgetUser };
  return { server: createServer(routes, services, auth), services };
}
