// Long polling (getUpdates) by exactly one instance at a time: the one holding the lease
// in telegram_bot, renewed every third of TELEGRAM_LEASE_MS; when its holder dies, another
// instance takes it once it runs out (within TELEGRAM_LEASE_MS and a third). A lease row
// rather than an advisory lock, so it works through a transaction pooler (PgBouncer) too.
//
// Each update is handled in one transaction that first moves the stored offset past it
// (only while this instance holds the lease), then writes what the update does and the
// answers to send: so a restart or a takeover resumes at the first update not handled,
// repeating none (a holder that lost its lease cannot commit one) and losing none
// (Telegram keeps an update until a getUpdates asks for a later offset).
import crypto from 'node:crypto';
import os from 'node:os';
import { acquireLease, advanceOffset, insertMessages, releaseLease, setBot } from '../db/telegram.ts';
import { toAppError } from '../errors.ts';
import { describeError, log } from '../log.ts';
import type { Services } from '../services.ts';
import type { Loop } from '../worker/index.ts';
import { handleUpdate } from './bot.ts';
import { type BotApi, retryDelay, type TgUpdate } from './client.ts';
import { plain } from './messages.ts';

const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'];
const LIMIT = 100;

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

export function createPoller(services: Services, api: BotApi, sent: () => void): Loop {
  const { db, config } = services;
  const leaseMs = config.TELEGRAM_LEASE_MS;
  const holder = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  const stopping = new AbortController();

  /** One update in one transaction with the offset; false when this instance may not handle it (it lost the lease). */
  async function handle(update: TgUpdate): Promise<boolean> {
    try {
      return await db.begin(async (tx) => {
        if (!(await advanceOffset(tx, holder, update.update_id))) return false;
        await insertMessages(tx, await handleUpdate(services, tx, update));
        return true;
      });
    } catch (err) {
      if (toAppError(err).code === 'database_unavailable') throw err; // the worker pauses; the update is handled on resume
      // Anything else would fail again on every retry: skip this update, and say so.
      log.error('telegram update failed', { update_id: update.update_id, ...describeError(err) });
      const chat = update.message?.chat.id ?? update.callback_query?.message?.chat.id;
      return db.begin(async (tx) => {
        if (!(await advanceOffset(tx, holder, update.update_id))) return false;
        if (chat !== undefined) {
          await insertMessages(tx, [{ chat_id: chat, method: 'sendMessage', params: { chat_id: chat, parse_mode: 'HTML', ...plain('Sorry, that went wrong on our side. Please try again.') } }]);
        }
        return true;
      });
    }
  }

  /** Polls while this instance holds the lease; returns when it stops or loses it. */
  async function poll(from: number, signal: AbortSignal): Promise<void> {
    let offset = from;
    let identified = false;
    let failures = 0;
    while (!signal.aborted) {
      let updates: TgUpdate[];
      try {
        if (!identified) {
          // An offset belongs to one bot: a new token starts from its first update.
          const me = await api.getMe({ signal });
          offset = Number(await setBot(db, me.id, me.username ?? ''));
          identified = true;
        }
        updates = await api.getUpdates({ offset, timeout: config.TELEGRAM_POLL_TIMEOUT_S, limit: LIMIT, allowed_updates: ALLOWED_UPDATES }, { signal });
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        if (toAppError(err).code === 'database_unavailable') throw err;
        const wait = retryDelay(err, ++failures, 30_000) ?? 60_000;
        log.warn('telegram getUpdates failed; waiting', { ...describeError(err), wait_ms: wait });
        await sleep(wait, signal);
        continue;
      }
      for (const update of updates) {
        if (signal.aborted || !(await handle(update))) return;
        offset = update.update_id + 1;
      }
      if (updates.length) sent();
    }
  }

  return {
    name: 'telegram-poll',
    // How often an instance that does not poll asks whether the lease ran out.
    everyMs: Math.round(leaseMs / 3),
    async run(_services, signal) {
      if (stopping.signal.aborted) return;
      const from = await acquireLease(db, holder, leaseMs);
      if (from === undefined) return;
      log.info('telegram poller: this instance polls', { holder });
      const polling = new AbortController();
      const end = () => polling.abort();
      signal.addEventListener('abort', end, { once: true });
      stopping.signal.addEventListener('abort', end, { once: true });
      let renewing: Promise<void> = Promise.resolve();
      const heartbeat = setInterval(() => {
        renewing = acquireLease(db, holder, leaseMs)
          .then((still) => { if (still === undefined) { log.warn('telegram poller: lease lost', { holder }); end(); } })
          .catch(() => {}); // the database is away: the lease runs out, and advanceOffset refuses what this instance would handle
      }, Math.round(leaseMs / 3));
      try {
        await poll(Number(from), polling.signal);
      } finally {
        clearInterval(heartbeat);
        // A renewal still in flight would take the lease again after the release below (it
        // runs on another connection): wait for it first.
        await renewing;
        signal.removeEventListener('abort', end);
        stopping.signal.removeEventListener('abort', end);
        if (stopping.signal.aborted) await releaseLease(db, holder).catch(() => {});
      }
    },
    stop() {
      stopping.abort();
    },
  };
}
