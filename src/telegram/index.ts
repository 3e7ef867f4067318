// The Telegram bot's background loops (API.md, "Telegram"), registered in src/app.ts.
// With TELEGRAM_BOT_TOKEN unset there are none: nothing ever contacts Telegram.
import { purgeMessages } from '../db/telegram.ts';
import type { Services } from '../services.ts';
import type { Loop } from '../worker/index.ts';
import { createBotApi } from './client.ts';
import { createNotifier } from './notifier.ts';
import { createPoller } from './poller.ts';
import { createSender } from './sender.ts';

/** Sent and failed messages, and spent link tokens, by age: any number of instances may. */
const purge: Loop = {
  name: 'telegram-purge',
  everyMs: 3_600_000,
  async run({ db, config }) {
    await purgeMessages(db, config.EVENT_RETENTION_DAYS);
  },
};

export function telegramLoops(services: Services): Loop[] {
  const { TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_BASE: base } = services.config;
  if (!token) return [];
  const api = createBotApi(token, base);
  const sender = createSender(services, api);
  return [createPoller(services, api, sender.kick), createNotifier(services, sender.kick), sender.loop, purge];
}
