// One typed function per statement in sql/queries/telegram.
import type { Role } from '../users/keys.ts';
import { one, query, type Tx } from './index.ts';
import type { Audit } from './users.ts';

export interface LinkToken { user_id: string; expires_at: Date; used_at: Date | null; full_name: string; role: Role; is_active: boolean }
export interface TelegramActor { id: string; full_name: string; role: Role; is_active: boolean; teams: string[] }
export interface Recipient { id: string; full_name: string; role: Role; teams: string[]; chat_id: string }
/** A Bot API call waiting in the outbox. */
export interface QueuedMessage { id: string; chat_id: string; method: string; params: Record<string, unknown>; attempts: number; created_at: Date }
/** A Bot API call to queue: `event_id` for a notification (once per event and chat), `request_id` for replies to find. */
export interface NewMessage { chat_id: number; method: string; params: Record<string, unknown>; event_id?: string | null; request_id?: string | null }

export const insertLinkToken = (db: Tx, userId: string, hash: Buffer, createdAt: Date, expiresAt: Date) =>
  query(db, 'telegram/insert_link_token', [userId, hash, createdAt, expiresAt]);

export const lockLinkToken = (db: Tx, hash: Buffer) => one<LinkToken>(db, 'telegram/lock_link_token', [hash]);

export const useLinkToken = (db: Tx, hash: Buffer, at: Date) => query(db, 'telegram/use_link_token', [hash, at]);

export const linkTelegram = (db: Tx, userId: string, t: { telegramUserId: number; chatId: number; username: string | null }, at: Date, audit: Audit) =>
  query(db, 'telegram/link_telegram', [userId, t.telegramUserId, t.chatId, t.username, at, ...audit]);

/** The link removed (its chat), or undefined when there was none. */
export const unlinkTelegram = (db: Tx, userId: string, actorId: string | null, audit: Audit) =>
  one<{ user_id: string; chat_id: string }>(db, 'telegram/unlink_telegram', [userId, actorId, ...audit]);

export const findLinkByTelegramUser = async (db: Tx, telegramUserId: number) =>
  (await one<{ user_id: string }>(db, 'telegram/find_link_by_telegram_user', [telegramUserId]))?.user_id;

export const findLinkByChat = async (db: Tx, chatId: string | number) =>
  (await one<{ user_id: string }>(db, 'telegram/find_link_by_chat', [chatId]))?.user_id;

export const findTelegramActor = (db: Tx, telegramUserId: number) =>
  one<TelegramActor>(db, 'telegram/find_telegram_actor', [telegramUserId]);

export const listRecipients = (db: Tx) => query<Recipient>(db, 'telegram/list_recipients');

export const getBot = (db: Tx) => one<{ bot_id: string | null; username: string | null; update_offset: string }>(db, 'telegram/get_bot');

export const setBot = async (db: Tx, botId: number, username: string) =>
  (await one<{ update_offset: string }>(db, 'telegram/set_bot', [botId, username]))!.update_offset;

/** The offset to poll from when `holder` holds the lease now, else undefined. */
export const acquireLease = async (db: Tx, holder: string, ms: number) =>
  (await one<{ update_offset: string }>(db, 'telegram/acquire_lease', [holder, ms]))?.update_offset;

export const releaseLease = (db: Tx, holder: string) => query(db, 'telegram/release_lease', [holder]);

/** True when `holder` may handle update `updateId` (and the offset now points past it). */
export const advanceOffset = async (db: Tx, holder: string, updateId: number) =>
  (await query(db, 'telegram/advance_offset', [holder, updateId])).length > 0;

export const lockNotifier = (db: Tx) => one<{ after_xid: string; after_seq: string }>(db, 'telegram/lock_notifier');

export const advanceNotifier = (db: Tx, xid: string, seq: string) => query(db, 'telegram/advance_notifier', [xid, seq]);

export const insertMessages = (db: Tx, messages: NewMessage[]) =>
  messages.length ? query(db, 'telegram/insert_messages', [JSON.stringify(messages)]) : Promise.resolve([]);

export const claimMessages = async (db: Tx, limit: number) =>
  (await query<QueuedMessage>(db, 'telegram/claim_messages', [limit])).sort((a, b) => Number(a.id) - Number(b.id));

export const markMessageSent = (db: Tx, id: string, messageId: number | null) => query(db, 'telegram/mark_message_sent', [id, messageId]);

export const retryMessage = (db: Tx, id: string, inMs: number, error: string) => query(db, 'telegram/retry_message', [id, Math.round(inMs), error]);

export const failMessage = (db: Tx, id: string, error: string) => query(db, 'telegram/fail_message', [id, error]);

export const releaseMessages = (db: Tx, ids: string[]) => (ids.length ? query(db, 'telegram/release_messages', [ids]) : Promise.resolve([]));

export const pauseSending = (db: Tx, seconds: number) => query(db, 'telegram/pause_sending', [seconds]);

export const failChatMessages = (db: Tx, chatId: string, error: string) => query(db, 'telegram/fail_chat_messages', [chatId, error]);

export const findMessageRequest = async (db: Tx, chatId: number, messageId: number) =>
  (await one<{ request_id: string }>(db, 'telegram/find_message_request', [chatId, messageId]))?.request_id;

export const purgeMessages = (db: Tx, days: number) => query(db, 'telegram/purge_messages', [days]);
