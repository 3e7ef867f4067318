// What every way in (HTTP handlers, background loops, the chat bot) is given: the
// database, the configuration, the metrics and the clock. Built once in src/app.ts.
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Hub } from './live/hub.ts';
import type { Sql } from './db/index.ts';
import type { Metrics } from './metrics.ts';

export interface Services {
  db: Sql;
  config: Config;
  metrics: Metrics;
  clock: Clock;
  /** Live events for streams (src/live/hub.ts). */
  live: Hub;
  /** Forget cached authentications of this user (after rotation or deactivation). */
  forgetUser(userId: string): void;
}
