// Notifications from the event outbox: a cursor of its own (telegram_notifier), walked like
// GET /events' (xid, seq) cursor, so an event that commits late is still seen. One instance
// at a time holds the cursor row; in that transaction it reads a batch of events, queues
// each hearer's message (src/telegram/audience.ts), and moves the cursor past the batch:
// an event is queued for a chat once (and the outbox's unique key holds that too), then
// sent at least once (src/telegram/sender.ts).
import { listEvents, type EventRow } from '../db/events.ts';
import { advanceNotifier, insertMessages, listRecipients, lockNotifier, type NewMessage } from '../db/telegram.ts';
import { describeError, log } from '../log.ts';
import type { Services } from '../services.ts';
import type { Loop } from '../worker/index.ts';
import { audience, NOTIFIED } from './audience.ts';
import { notice } from './notices.ts';

const BATCH = 100;

/** Queues the notifications of the next batch of events; how many events it read (0: none, or another instance is at it). */
async function notifyBatch({ db, config }: Services): Promise<number> {
  return db.begin(async (tx) => {
    const cursor = await lockNotifier(tx);
    if (!cursor) return 0;
    const events = await listEvents(tx, { afterXid: cursor.after_xid, afterSeq: cursor.after_seq, types: NOTIFIED, since: null, limit: BATCH });
    if (!events.length) return 0;
    const recipients = await listRecipients(tx);
    await insertMessages(tx, events.flatMap((event) => messagesOf(event, recipients, config.PUBLIC_URL)));
    const last = events[events.length - 1];
    await advanceNotifier(tx, last.xid, last.seq);
    return events.length;
  });
}

/** One event's messages. An event it cannot read is logged and skipped: it must not hold up every later one. */
function messagesOf(event: EventRow, recipients: Awaited<ReturnType<typeof listRecipients>>, publicUrl?: string): NewMessage[] {
  try {
    const requestId = (event.data.request as { id: string }).id;
    return audience(event, recipients).map((hearer) => {
      const chat = Number(hearer.recipient.chat_id);
      return {
        chat_id: chat, method: 'sendMessage', event_id: event.id, request_id: requestId,
        params: { chat_id: chat, parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...notice(event, hearer, publicUrl) },
      };
    });
  } catch (err) {
    log.error('telegram: cannot notify of this event; skipped', { event_id: event.id, type: event.type, ...describeError(err) });
    return [];
  }
}

export function createNotifier(services: Services, queued: () => void): Loop {
  return {
    name: 'telegram-notify',
    everyMs: services.config.TELEGRAM_INTERVAL_MS,
    async run() {
      for (let n = BATCH; n === BATCH; ) {
        n = await notifyBatch(services);
        if (n) queued();
      }
    },
  };
}
