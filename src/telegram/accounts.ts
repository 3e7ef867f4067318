// Linking a ServiceFlow user to a Telegram chat and back (API.md, "Telegram"): a one-time
// token in a deep link (stored hashed, 15 minutes), `/start <token>` in the chat, `/stop`,
// DELETE /users/me/telegram, DELETE /users/{id}/telegram, and Telegram's 403 (the user
// blocked the bot). Transport-free: HTTP and the bot call these. Time comes from the clock.
import crypto from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Tx } from '../db/index.ts';
import {
  failChatMessages, findLinkByChat, findLinkByTelegramUser, getBot, insertLinkToken, insertMessages, linkTelegram, lockLinkToken,
  setBot, unlinkTelegram as deleteLink, useLinkToken,
} from '../db/telegram.ts';
import type { Audit } from '../db/users.ts';
import { fail } from '../errors.ts';
import { findUser } from '../users/actions.ts';
import type { Actor, Role } from '../users/keys.ts';
import { mayManageUsers } from '../users/policy.ts';
import { createBotApi, TelegramError } from './client.ts';
import { plain } from './messages.ts';

export const LINK_TOKEN_MS = 15 * 60_000;

const hashToken = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest();

/** A start parameter as Telegram allows it (A-Z a-z 0-9 _ -, up to 64): 192 random bits. */
const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/** The bot's username from getMe, as the poller stored it (or from getMe now); 409 while the bot is off or unreachable. */
export async function botUsername(db: Tx, config: Config): Promise<string> {
  if (!config.TELEGRAM_BOT_TOKEN) fail('telegram_not_configured', 'the Telegram bot is off on this server (TELEGRAM_BOT_TOKEN is unset)');
  const bot = await getBot(db);
  if (bot?.username) return bot.username;
  try {
    const me = await createBotApi(config.TELEGRAM_BOT_TOKEN!, config.TELEGRAM_API_BASE).getMe({ timeoutMs: 5000 });
    if (!me.username) throw new TelegramError('bad_request', 'getMe: the bot has no username');
    await setBot(db, me.id, me.username);
    return me.username;
  } catch (err) {
    if (err instanceof TelegramError) fail('telegram_not_configured', 'the Telegram bot cannot reach Telegram right now; try again in a minute');
    throw err;
  }
}

/** A new one-time link token for the actor: the raw token goes into the link, only its hash is stored. */
export async function createLinkToken(db: Tx, actor: Actor, clock: Clock): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(24).toString('base64url');
  const now = clock.now();
  const expiresAt = new Date(now + LINK_TOKEN_MS);
  await insertLinkToken(db, actor.id, hashToken(token), new Date(now), expiresAt);
  return { token, expiresAt };
}

export type LinkResult =
  | { ok: true; full_name: string; role: Role }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'deactivated' };

export interface TelegramAccount { telegramUserId: number; chatId: number; username: string | null }

/**
 * `/start <token>`: links the token's user to this Telegram account and chat, once. An
 * unknown, used or expired token, or a deactivated user's, links nothing. The Telegram
 * account leaves any other user it was linked to. Run in the update's transaction.
 */
export async function linkByToken(tx: Tx, token: string, account: TelegramAccount, clock: Clock, audit: Audit): Promise<LinkResult> {
  const hash = hashToken(token);
  const row = TOKEN.test(token) ? await lockLinkToken(tx, hash) : undefined;
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.used_at) return { ok: false, reason: 'used' };
  const now = new Date(clock.now());
  if (row.expires_at.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  if (!row.is_active) return { ok: false, reason: 'deactivated' };
  await useLinkToken(tx, hash, now);
  const other = await findLinkByTelegramUser(tx, account.telegramUserId) ?? await findLinkByChat(tx, account.chatId);
  if (other && other !== row.user_id) await deleteLink(tx, other, row.user_id, audit);
  await linkTelegram(tx, row.user_id, account, now, audit);
  return { ok: true, full_name: row.full_name, role: row.role };
}

/**
 * Unlinks `ref` ('me', or a user an ADMIN names); nothing to unlink is no error. With the
 * bot on, the chat is told (from the outbox, like every message).
 */
export async function unlinkUser(db: Tx, actor: Actor, ref: string, config: Config, audit: Audit): Promise<void> {
  let userId = actor.id;
  if (ref !== 'me') {
    userId = (await findUser(db, actor, ref)).id;
    if (!mayManageUsers(actor)) fail('forbidden', 'only an ADMIN may unlink another user\'s Telegram');
  }
  const gone = await deleteLink(db, userId, actor.id, audit);
  if (gone && config.TELEGRAM_BOT_TOKEN) {
    const text = userId === actor.id ? 'This chat was unlinked from ServiceFlow.' : 'An administrator unlinked this chat from ServiceFlow.';
    await insertMessages(db, [{ chat_id: Number(gone.chat_id), method: 'sendMessage', params: { chat_id: Number(gone.chat_id), parse_mode: 'HTML', ...plain(text) } }]);
  }
}

/** Telegram answered 403 for this chat (the user blocked the bot): unlink its user, drop what is queued for it. */
export async function unlinkBlockedChat(db: Tx, chatId: string, reason: string): Promise<void> {
  const userId = await findLinkByChat(db, chatId);
  if (userId) await deleteLink(db, userId, null, [null, null, 'telegram']);
  await failChatMessages(db, chatId, reason);
}
