// The outbox's sender: every instance claims due messages (for 60 s, so a claim whose sender
// died is taken over) and makes their Bot API calls, oldest first. Telegram's 429 stops
// every instance for retry_after seconds; a 5xx or a dropped connection is tried again
// later (1 s, 2 s, 4 s … 5 min, for a day); a 403 (the user blocked the bot) unlinks the
// user. A message is marked sent once Telegram said so: it goes out at least once, and
// twice only if this process dies between Telegram's answer and that mark.
import {
  claimMessages, failMessage, markMessageSent, pauseSending, type QueuedMessage, releaseMessages, retryMessage,
} from '../db/telegram.ts';
import { toAppError } from '../errors.ts';
import { describeError, log } from '../log.ts';
import type { Services } from '../services.ts';
import type { Loop } from '../worker/index.ts';
import { unlinkBlockedChat } from './accounts.ts';
import { type BotApi, retryDelay, TelegramError } from './client.ts';

const BATCH = 20;
const GIVE_UP_MS = 24 * 3_600_000;

export interface Sender { loop: Loop; kick(): void }

export function createSender(services: Services, api: BotApi): Sender {
  const { db } = services;
  let current: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  /** What to do with one message; 'pause' leaves the rest of the batch for later, 'unreachable' its chat's. */
  async function deliver(m: QueuedMessage): Promise<'next' | 'pause' | 'unreachable'> {
    try {
      const result = await api.call<{ message_id?: number } | true>(m.method, m.params, { timeoutMs: 30_000 });
      await markMessageSent(db, m.id, typeof result === 'object' ? result.message_id ?? null : null);
      return 'next';
    } catch (err) {
      if (!(err instanceof TelegramError)) throw err;
      switch (err.failure) {
        case 'rate_limited': {
          const seconds = Math.max(1, err.retryAfter ?? 1);
          log.warn('telegram flood wait', { retry_after: seconds });
          await pauseSending(db, seconds);
          await retryMessage(db, m.id, seconds * 1000, err.message);
          return 'pause';
        }
        case 'forbidden':
          log.info('telegram chat unreachable; unlinking', { error: err.message });
          await failMessage(db, m.id, err.message);
          await unlinkBlockedChat(db, m.chat_id, err.message);
          return 'unreachable';
        case 'bad_request':
          // Redrawing a message as it already is: nothing to do.
          if (/message is not modified/i.test(err.message)) await markMessageSent(db, m.id, null);
          else await failMessage(db, m.id, err.message);
          return 'next';
        default: {
          if (Date.now() - m.created_at.getTime() > GIVE_UP_MS) {
            await failMessage(db, m.id, err.message);
            return 'next';
          }
          if (err.failure === 'unauthorized') log.error('telegram refused the bot token (TELEGRAM_BOT_TOKEN)', { error: err.message });
          await retryMessage(db, m.id, retryDelay(err, m.attempts) ?? 60_000, err.message);
          return 'pause'; // Telegram or the network is in trouble: the rest waits for the next round
        }
      }
    }
  }

  async function flush(): Promise<void> {
    while (!stopped) {
      const batch = await claimMessages(db, BATCH);
      if (!batch.length) return;
      const unreachable = new Set<string>(); // their queued messages were dropped with the 403
      for (let i = 0; i < batch.length; i++) {
        if (unreachable.has(batch[i].chat_id)) continue;
        const outcome = stopped ? 'pause' : await deliver(batch[i]);
        if (outcome === 'unreachable') unreachable.add(batch[i].chat_id);
        if (outcome === 'pause') {
          await releaseMessages(db, batch.slice(i + 1).map((m) => m.id));
          return;
        }
      }
    }
  }

  /** One flush at a time per process; asked again while one runs, it runs once more after. */
  function flushSoon(): Promise<void> {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      try {
        do {
          again = false;
          await flush();
        } while (again && !stopped);
      } finally {
        current = null;
      }
    })();
    return current;
  }

  return {
    kick() {
      if (stopped) return;
      flushSoon().catch((err) => {
        if (toAppError(err).code !== 'database_unavailable') log.error('telegram send failed', describeError(err));
      });
    },
    loop: {
      name: 'telegram-send',
      everyMs: services.config.TELEGRAM_INTERVAL_MS,
      run: () => flushSoon(),
      async stop() {
        stopped = true;
        await current?.catch(() => {});
      },
    },
  };
}
