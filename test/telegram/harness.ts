// A ServiceFlow server with its worker running and the Telegram bot pointed at a fake Bot
// API (fake-bot-api.ts), over a fresh database, with a clock a test can move forward.
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.ts';
import type { Clock } from '../../src/clock.ts';
import { poolOptions } from '../../src/config.ts';
import { connect, type Sql } from '../../src/db/index.ts';
import { insertUser } from '../../src/db/users.ts';
import { NOTIFIED } from '../../src/telegram/audience.ts';
import { hashApiKey, newApiKey, type Role } from '../../src/users/keys.ts';
import { asAppRole, type Call, freshDatabase, type Reply, request, testConfig } from '../helpers.ts';
import { type FakeBotApi, type FakeUser, type Sent, startFakeBotApi } from './fake-bot-api.ts';

/** Real time, plus whatever a test adds (a link token's 15 minutes, without waiting them). */
export function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => { offset += ms; } };
}

/** Polls `check` until it returns something truthy (no fixed sleeps), or fails naming `what`. */
export async function eventually<T>(what: string, check: () => T | Promise<T>, ms = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Person { id: string; key: string; email: string; name: string }

export interface BotApp {
  url: string;
  db: Sql;
  dbUrl: string;
  fake: FakeBotApi;
  clock: ReturnType<typeof movableClock>;
  call(method: string, path: string, opts?: Call): Promise<Reply>;
  user(role: Role, name?: string): Promise<Person>;
  /** Links `who` to a new Telegram user through the deep link and /start; returns that Telegram user. */
  link(who: Person, username?: string): Promise<FakeUser>;
  /** The bot's messages in this user's chat that match, once there are `n`. */
  said(to: FakeUser, match: RegExp | string, n?: number): Promise<Sent[]>;
  /** `from` writes `text` to the bot; the first answer after it that matches. */
  ask(from: FakeUser, text: string, match: RegExp | string, o?: { replyTo?: number }): Promise<Sent>;
  /** Waits until the notifier has read every event there is and the outbox has sent everything due. */
  settled(): Promise<void>;
  /** Stops this server and its worker (the database and the fake stay). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export const BOT_ENV = { TELEGRAM_POLL_TIMEOUT_S: '1', TELEGRAM_INTERVAL_MS: '50', TELEGRAM_LEASE_MS: '2000' };

let tgIds = 100_000 + Math.floor(Math.random() * 100_000) * 10;

export async function startBot(o: { env?: Record<string, string>; dbUrl?: string; fake?: FakeBotApi; db?: Sql } = {}): Promise<BotApp> {
  const fake = o.fake ?? (await startFakeBotApi());
  const dbUrl = o.dbUrl ?? (await freshDatabase());
  const config = testConfig({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_BASE: fake.base, ...BOT_ENV, ...o.env });
  const db = o.db ?? connect(dbUrl, { max: 10, applicationName: 'serviceflow-test-fixtures' });
  const serverDb = connect(asAppRole(dbUrl), poolOptions(config));
  const clock = movableClock();
  const { server, worker } = createApp(config, serverDb, { clock });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  worker.start();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await worker.stop(2000);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await serverDb.end({ timeout: 5 });
  };
  const app: BotApp = {
    url, db, dbUrl, fake, clock, stop,
    call: (method, path, opts) => request(url, method, path, opts),
    async user(role, name) {
      const key = newApiKey();
      const full = name ?? `${role[0]}${role.slice(1).toLowerCase()} ${crypto.randomBytes(2).toString('hex')}`;
      const email = `${role.toLowerCase()}.${crypto.randomBytes(4).toString('hex')}@example.com`;
      const row = await insertUser(db, { email, full_name: full, role, keyHash: hashApiKey(key), last4: key.slice(-4) }, null, 'user.created', [null, null, null]);
      return { id: row!.id, key, email, name: full };
    },
    async link(who, username) {
      const r = await app.call('POST', '/users/me/telegram-link', { key: who.key });
      if (r.status !== 201) throw new Error(`link: ${r.status} ${r.text}`);
      const token = new URL(r.body.url).searchParams.get('start')!;
      const tg = fake.user(tgIds++, username ?? `tg${tgIds}`, who.name.split(' ')[0]);
      fake.message(tg, `/start ${token}`);
      await app.said(tg, /^Linked: /);
      return tg;
    },
    said: (to, match, n = 1) => eventually(`${n} message(s) matching ${match} to ${to.id}`, () => {
      const found = fake.chat(to.id).filter((s) => (typeof match === 'string' ? s.text.includes(match) : match.test(s.text)));
      return found.length >= n ? found : undefined;
    }),
    async ask(from, text, match, ask = {}) {
      const before = fake.chat(from.id).length;
      fake.message(from, text, ask);
      return eventually(`an answer to ${JSON.stringify(text.slice(0, 40))} matching ${match}`, () =>
        fake.chat(from.id).slice(before).find((s) => (typeof match === 'string' ? s.text.includes(match) : match.test(s.text))));
    },
    async settled() {
      // Qualified: a bare `xid` in ORDER BY would be the text output column, and '993' > '1004'.
      const [last] = await db`select e.xid::text, e.seq::text from events e where e.type = any(${NOTIFIED}) order by e.xid desc, e.seq desc limit 1`;
      await eventually('the notifier and the outbox to settle', async () => {
        const [row] = await db`
          select (select (after_xid, after_seq) >= (${last?.xid ?? '0'}::xid8, ${last?.seq ?? '0'}::bigint) from telegram_notifier) as read,
                 not exists (select 1 from telegram_messages where sent_at is null and failed_at is null and next_attempt_at <= now()) as sent`;
        return row.read && row.sent;
      });
    },
    async close() {
      await stop();
      if (!o.db) await db.end({ timeout: 5 });
      if (!o.fake) await fake.close();
    },
  };
  return app;
}
