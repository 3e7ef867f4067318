// The environment, read once and validated. The only reader of process.env in src/.
import net from 'node:net';
import * as v from 'valibot';

/** An IP address or a CIDR range (TRUSTED_PROXIES). */
export function isAddressOrRange(entry: string): boolean {
  const [ip, bits, extra] = entry.split('/');
  if (extra !== undefined || !net.isIP(ip)) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (net.isIPv6(ip) ? 128 : 32);
}

const int = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, 'must be a whole number'),
    v.transform(Number),
    v.number(),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

const bool = v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform((s) => s === 'true'));

const optionalSecret = v.optional(
  v.pipe(v.string(), v.regex(/^[\x21-\x7e]{16,256}$/, 'must be 16..256 printable ASCII characters without spaces')),
);

const EnvSchema = v.object({
  DATABASE_URL: v.optional(v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'))),
  DATABASE_URL_POSTGRES: v.optional(v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'))),
  HOST: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty')), '127.0.0.1'),
  PORT: v.optional(int(0, 65535), '8000'),
  ADMIN_BOOTSTRAP_KEY: optionalSecret,
  API_KEY: optionalSecret,
  LOG_LEVEL: v.optional(v.picklist(['debug', 'info', 'warn', 'error', 'silent'], 'must be one of debug, info, warn, error, silent'), 'info'),
  // 256 KiB: twice the largest valid JSON body (10 200 code points of text, each at most
  // 12 bytes escaped, and the field names), so nothing valid is refused and nothing much
  // larger is read.
  BODY_LIMIT: v.optional(int(1, 64 * 1024 * 1024), String(256 * 1024)),
  // The largest attachment in bytes (10 MiB); an upload past it is refused with 413 as it passes.
  ATTACHMENT_LIMIT: v.optional(int(1, 1024 * 1024 * 1024), String(10 * 1024 * 1024)),
  RATE_LIMIT_RPS: v.optional(int(0, 1_000_000), '50'),
  RATE_LIMIT_BURST: v.optional(int(0, 1_000_000), '100'),
  AUTH_FAILURE_LIMIT: v.optional(int(0, 1_000_000), '20'),
  // Where both limits are counted: postgres (shared by every instance) or memory (each
  // process its own, so N instances allow N times the limit).
  RATE_LIMIT_STORE: v.optional(v.picklist(['postgres', 'memory'], 'must be postgres or memory'), 'postgres'),
  DB_POOL_MAX: v.optional(int(1, 1000), '10'),
  // Connections for transactions, beside DB_POOL_MAX's for single statements (src/db/index.ts).
  DB_TX_POOL_MAX: v.optional(int(1, 1000), '5'),
  // Server-side limits on one statement and on one lock wait (503 with Retry-After past them).
  DB_STATEMENT_TIMEOUT_MS: v.optional(int(1, 3_600_000), '15000'),
  DB_LOCK_TIMEOUT_MS: v.optional(int(1, 3_600_000), '5000'),
  // How long a call waits for a free connection before it is answered 503.
  DB_ACQUIRE_TIMEOUT_MS: v.optional(int(1, 600_000), '2000'),
  // Named prepared statements (a plan cached per connection). false behind a pooler in
  // transaction mode, where the next statement may reach a backend that never saw it.
  DB_PREPARE: v.optional(bool, 'true'),
  // Proxies whose X-Forwarded-For is believed: addresses or CIDR ranges, comma-separated.
  TRUSTED_PROXIES: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean)),
      v.array(v.pipe(v.string(), v.check(isAddressOrRange, 'must list IP addresses or CIDR ranges like 10.0.0.0/8'))),
    ),
    '',
  ),
  METRICS_TOKEN: optionalSecret,
  CORS_ORIGINS: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean)),
      v.array(v.pipe(v.string(), v.regex(/^https?:\/\/[^/\s]+$/, 'must list origins like https://app.example.com'))),
    ),
    '',
  ),
  SHUTDOWN_TIMEOUT_MS: v.optional(int(0, 600_000), '10000'),
  // A comment line on every open event stream this often; the caller's key is checked again then.
  STREAM_HEARTBEAT_MS: v.optional(int(100, 600_000), '15000'),
  // How long events are kept for GET /events (and, next, webhook replays).
  EVENT_RETENTION_DAYS: v.optional(int(1, 36_500), '30'),
  // Worker processes sharing the port (node:cluster); 1 serves from this process.
  WEB_CONCURRENCY: v.optional(int(1, 64), '1'),
  // Where the embedded PostgreSQL keeps its data when DATABASE_URL is unset.
  DATA_DIR: v.optional(v.pipe(v.string(), v.minLength(1)), '.data'),
  // The schema's owner (or a superuser): runs migrations and issues DATABASE_URL's login,
  // so that DATABASE_URL can be a role that cannot bypass the audit log (0003_roles.sql).
  MIGRATION_DATABASE_URL: v.optional(v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'))),
  // The Telegram bot (API.md, "Telegram"): off while the token is unset.
  TELEGRAM_BOT_TOKEN: v.optional(v.pipe(v.string(), v.regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, 'must be a bot token from @BotFather, like 123456789:AAE…'))),
  TELEGRAM_API_BASE: v.optional(v.pipe(v.string(), v.regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be an http(s) URL'), v.transform((s) => s.replace(/\/+$/, ''))), 'https://api.telegram.org'),
  // Where people open ServiceFlow (links in notifications), e.g. https://serviceflow.example.com.
  PUBLIC_URL: v.optional(v.pipe(v.string(), v.regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be an http(s) URL'), v.transform((s) => s.replace(/\/+$/, '')))),
  // getUpdates' long-poll timeout in seconds (at least 1: an instant answer would make the poller spin).
  TELEGRAM_POLL_TIMEOUT_S: v.optional(int(1, 50), '25'),
  // The poller's lease: renewed every third of it; another instance polls within about 4/3 of it after the poller died.
  TELEGRAM_LEASE_MS: v.optional(int(300, 20_000), '15000'),
  // How often every instance looks for events to notify of and for messages to send (or retry).
  TELEGRAM_INTERVAL_MS: v.optional(int(10, 60_000), '1000'),
  // How often each process fires the SLA timers that came due (sla.warning, sla.breached).
  SLA_TIMER_INTERVAL_MS: v.optional(int(50, 3_600_000), '5000'),
  // Webhook delivery (API.md, "Events and webhooks"; src/worker/webhooks.ts).
  // One attempt's deadline: resolve, connect, send, and the response's status (a body still coming then is cut; the status stands).
  WEBHOOK_TIMEOUT_MS: v.optional(int(100, 300_000), '15000'),
  // The waits between attempts: "5s,5m,30m,2h"; after the last one fails the delivery is failed.
  WEBHOOK_RETRY_SCHEDULE: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((x) => x.trim())),
      v.check((list) => list.length >= 1 && list.length <= 50, 'must list 1..50 waits'),
      v.check((list) => list.every((x) => DURATION.test(x)), 'must be a comma list of waits like 5s,5m,30m,2h (units ms, s, m, h)'),
      v.transform((list) => list.map(durationMs)),
      v.check((list) => list.every((ms) => ms <= 7 * 86_400_000), 'must not wait longer than 7 days between attempts'),
    ),
    '5s,5m,30m,2h,5h,10h,14h,20h,24h',
  ),
  // Consecutive failed attempts after which an endpoint is disabled; 0 never disables.
  WEBHOOK_DISABLE_AFTER: v.optional(int(0, 1_000_000), '50'),
  // Attempts in flight at once per endpoint, over every instance.
  WEBHOOK_CONCURRENCY: v.optional(int(1, 100), '4'),
  // true lets endpoints resolve to loopback, private, link-local … addresses (internal targets, tests).
  WEBHOOK_ALLOW_PRIVATE: v.optional(bool, 'false'),
  // How often each process looks for new events and due attempts.
  WEBHOOK_POLL_MS: v.optional(int(10, 60_000), '250'),
  // How long a claimed attempt is this process's: a process that dies loses its claims after this.
  WEBHOOK_LEASE_MS: v.optional(int(200, 3_600_000), '60000'),
});

const DURATION = /^\d{1,9}(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** "5s" → 5000 (the units of WEBHOOK_RETRY_SCHEDULE). */
export const durationMs = (s: string) => {
  const [, n, unit] = /^(\d+)(ms|s|m|h)$/.exec(s)!;
  return Number(n) * UNIT_MS[unit];
};

const Env = v.pipe(
  EnvSchema,
  // A lease shorter than an attempt would let a second process start the same attempt.
  v.forward(
    v.partialCheck([['WEBHOOK_TIMEOUT_MS'], ['WEBHOOK_LEASE_MS']], (c) => c.WEBHOOK_LEASE_MS > c.WEBHOOK_TIMEOUT_MS, 'must be longer than WEBHOOK_TIMEOUT_MS'),
    ['WEBHOOK_LEASE_MS'],
  ),
);

export type Config = Omit<v.InferOutput<typeof Env>, 'DATABASE_URL_POSTGRES'>;

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "unset", as docker-compose and .env files tend to write them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = v.safeParse(Env, present);
  if (!result.success) {
    const issue = result.issues[0];
    const name = v.getDotPath(issue) ?? 'environment';
    throw new ConfigError(`invalid configuration: ${name} ${issue.message}`);
  }
  const { DATABASE_URL_POSTGRES, ...config } = result.output;
  return { ...config, DATABASE_URL: config.DATABASE_URL ?? DATABASE_URL_POSTGRES };
}

/** What src/db/index.ts connect() takes from the configuration. */
export const poolOptions = (c: Config) => ({
  max: c.DB_POOL_MAX, txMax: c.DB_TX_POOL_MAX, acquireTimeoutMs: c.DB_ACQUIRE_TIMEOUT_MS, prepare: c.DB_PREPARE,
});

/** The server's session settings, in milliseconds (src/db/login.ts applies them to its login). */
export const serverSettings = (c: Config) => ({
  statement_timeout: c.DB_STATEMENT_TIMEOUT_MS,
  lock_timeout: c.DB_LOCK_TIMEOUT_MS,
  idle_in_transaction_session_timeout: 30_000,
});
