// A Bot API client over fetch (https://core.telegram.org/bots/api): JSON in, `{ ok,
// result }` or `{ ok: false, error_code, description, parameters }` out. Failures are
// TelegramErrors sorted by what the caller should do about them (retryDelay). The token is
// part of every URL, so no URL ever goes into an error or a log line.

export interface TgUser { id: number; is_bot: boolean; first_name: string; last_name?: string; username?: string }
export interface TgChat { id: number; type: 'private' | 'group' | 'supergroup' | 'channel' }
export interface TgMessage {
  message_id: number; from?: TgUser; chat: TgChat; date: number; text?: string; reply_to_message?: TgMessage;
}
export interface TgCallbackQuery { id: string; from: TgUser; message?: TgMessage; data?: string }
export interface TgChatMemberUpdated { chat: TgChat; from: TgUser; new_chat_member: { status: string } }
export interface TgUpdate {
  update_id: number; message?: TgMessage; callback_query?: TgCallbackQuery; my_chat_member?: TgChatMemberUpdated;
}
export interface InlineButton { text: string; callback_data: string }
export interface InlineKeyboard { inline_keyboard: InlineButton[][] }

/**
 * What went wrong, as far as a caller cares: wait `retryAfter` seconds (rate_limited), the
 * user blocked the bot (forbidden), try again later (server, network, conflict), or give
 * up (bad_request, unauthorized: a wrong token).
 */
export type Failure = 'rate_limited' | 'forbidden' | 'unauthorized' | 'conflict' | 'bad_request' | 'server' | 'network';

export class TelegramError extends Error {
  constructor(readonly failure: Failure, message: string, readonly status?: number, readonly retryAfter?: number) {
    super(message);
  }
}

/** How long to wait before trying again after `err` (the attempt-th failure in a row), or null: do not. */
export function retryDelay(err: unknown, attempt: number, capMs = 300_000): number | null {
  if (!(err instanceof TelegramError)) return null;
  if (err.failure === 'rate_limited') return (err.retryAfter ?? 1) * 1000;
  if (err.failure === 'server' || err.failure === 'network' || err.failure === 'conflict') {
    const base = Math.min(capMs, 1000 * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.9 + Math.random() * 0.2)); // ±10% so instances do not retry in step
  }
  return null;
}

export interface CallOptions { signal?: AbortSignal; timeoutMs?: number }

export interface BotApi {
  call<T>(method: string, params: Record<string, unknown>, opts?: CallOptions): Promise<T>;
  getMe(opts?: CallOptions): Promise<TgUser>;
  getUpdates(p: { offset: number; timeout: number; limit: number; allowed_updates: string[] }, opts?: CallOptions): Promise<TgUpdate[]>;
  sendMessage(p: SendMessage, opts?: CallOptions): Promise<TgMessage>;
  /** A message the bot sent (true for an inline message). */
  editMessageText(p: EditMessageText, opts?: CallOptions): Promise<TgMessage | true>;
  answerCallbackQuery(p: AnswerCallbackQuery, opts?: CallOptions): Promise<true>;
}

export interface SendMessage {
  chat_id: number; text: string; parse_mode?: 'HTML'; reply_markup?: InlineKeyboard;
  reply_parameters?: { message_id: number; allow_sending_without_reply?: boolean };
  link_preview_options?: { is_disabled: boolean };
}
export interface EditMessageText {
  chat_id: number; message_id: number; text: string; parse_mode?: 'HTML'; reply_markup?: InlineKeyboard;
  link_preview_options?: { is_disabled: boolean };
}
export interface AnswerCallbackQuery { callback_query_id: string; text?: string; show_alert?: boolean }

/** The Bot API methods the outbox may hold (telegram_messages_method_valid). */
export const OUTBOX_METHODS = ['sendMessage', 'editMessageText', 'answerCallbackQuery'] as const;
export type OutboxMethod = (typeof OUTBOX_METHODS)[number];

const FAILURES: Record<number, Failure> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'unauthorized', 409: 'conflict', 429: 'rate_limited' };

export function createBotApi(token: string, base: string): BotApi {
  const scrub = (s: string) => s.split(token).join('<token>');

  async function call<T>(method: string, params: Record<string, unknown>, opts: CallOptions = {}): Promise<T> {
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000), ...(opts.signal ? [opts.signal] : [])];
    let res: Response;
    let body: { ok?: boolean; result?: T; error_code?: number; description?: string; parameters?: { retry_after?: number } };
    try {
      res = await fetch(`${base}/bot${token}/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(params),
        signal: AbortSignal.any(signals),
      });
      body = await res.json();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new TelegramError('network', `${method}: ${scrub(e.cause?.code ?? e.name ?? 'error')} ${scrub(e.message)}`);
    }
    if (res.ok && body?.ok) return body.result as T;
    const status = body?.error_code ?? res.status;
    const failure = FAILURES[status] ?? (status >= 500 ? 'server' : 'bad_request');
    const retryAfter = body?.parameters?.retry_after;
    throw new TelegramError(failure, `${method}: ${status} ${scrub(String(body?.description ?? res.statusText))}`, status, retryAfter);
  }

  return {
    call,
    getMe: (opts) => call<TgUser>('getMe', {}, opts),
    // The request waits up to `timeout` seconds for an update: give it that and some more.
    getUpdates: (p, opts) => call<TgUpdate[]>('getUpdates', p, { ...opts, timeoutMs: (p.timeout + 15) * 1000 }),
    sendMessage: (p, opts) => call<TgMessage>('sendMessage', { ...p }, opts),
    editMessageText: (p, opts) => call<TgMessage | true>('editMessageText', { ...p }, opts),
    answerCallbackQuery: (p, opts) => call<true>('answerCallbackQuery', { ...p }, opts),
  };
}
