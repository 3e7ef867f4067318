// A Bot API server for tests, on node:http and port 0, speaking Telegram's JSON
// (https://core.telegram.org/bots/api): `{ ok: true, result }`, or `{ ok: false,
// error_code, description, parameters?: { retry_after } }`. It keeps updates until a
// getUpdates asks for a later offset (that confirms them), long-polls up to `timeout`,
// honours `limit`, ends an older getUpdates with 409 when a second one arrives, parses HTML
// parse mode as strictly as Telegram documents it (unknown tags, unescaped <, > or &, and
// texts over 4096 characters are 400s), and lets a test inject messages, button presses
// and failures (429 with retry_after, 403, 5xx, a dropped connection).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUser { id: number; is_bot: false; first_name: string; username?: string }
export interface Sent {
  chat_id: number; message_id: number; html: string; text: string;
  reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] };
  reply_to?: number; edits: number;
}
export interface Call { method: string; params: Record<string, any>; at: number; outcome: 'ok' | number | 'dropped'; error?: string }
export type Failure = { error_code: number; description: string; retry_after?: number } | 'drop';

const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'tg-spoiler', 'span', 'blockquote']);
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Telegram's HTML parse mode: the text a reader sees, or why Telegram refuses it. */
export function parseHtml(html: string): { text: string } | { error: string } {
  let text = '';
  const open: string[] = [];
  for (let i = 0; i < html.length;) {
    const c = html[i];
    if (c === '<') {
      const end = html.indexOf('>', i);
      if (end === -1) return { error: `Can't parse entities: can't find end of the tag starting at byte offset ${i}` };
      const inner = html.slice(i + 1, end);
      const closing = inner.startsWith('/');
      const name = /^\/?([a-zA-Z-]+)/.exec(inner)?.[1]?.toLowerCase();
      if (!name || !TAGS.has(name)) return { error: `Can't parse entities: unsupported start tag "${inner}" at byte offset ${i}` };
      if (closing) {
        if (open.pop() !== name) return { error: `Can't parse entities: unmatched end tag at byte offset ${i}, expected "</${open.at(-1)}>", found "</${name}>"` };
      } else {
        open.push(name);
      }
      i = end + 1;
    } else if (c === '&') {
      const m = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/.exec(html.slice(i, i + 12));
      if (!m) return { error: `Can't parse entities: character '&' is reserved and must be escaped at byte offset ${i}` };
      const body = m[1];
      text += NAMED[body] ?? String.fromCodePoint(body.startsWith('#x') ? parseInt(body.slice(2), 16) : Number(body.slice(1)));
      i += m[0].length;
    } else if (c === '>') {
      return { error: `Can't parse entities: character '>' is reserved and must be escaped at byte offset ${i}` };
    } else {
      text += c;
      i++;
    }
  }
  if (open.length) return { error: `Can't parse entities: can't find end tag corresponding to start tag "${open.at(-1)}"` };
  return { text };
}

class ApiFailure extends Error {
  constructor(readonly code: number, readonly description: string, readonly retryAfter?: number) { super(description); }
}
const bad = (description: string) => new ApiFailure(400, `Bad Request: ${description}`);

export interface FakeBotApi {
  /** TELEGRAM_API_BASE for the server under test. */
  base: string;
  token: string;
  username: string;
  calls: Call[];
  /** The largest number of getUpdates that were waiting at one moment (one poller: 1). */
  maxConcurrentPolls: number;
  conflicts: number;
  user(id: number, username?: string, firstName?: string): FakeUser;
  /** A user writes to the bot in their private chat; returns the update id. */
  message(from: FakeUser, text: string, opts?: { replyTo?: number; chatType?: 'private' | 'group' }): number;
  /** A user presses a button of one of the bot's messages. */
  press(from: FakeUser, message: Sent, data: string): { updateId: number; queryId: string };
  /** The user blocks the bot: sends to their chat are 403, and a my_chat_member update says so. */
  block(user: FakeUser, notify?: boolean): void;
  /** The next `times` calls of `method` fail so. */
  failNext(method: string, failure: Failure, times?: number): void;
  /** Every call of `method` for which `when` says so fails so, until clearFailures(). */
  failWhen(method: string, when: (params: Record<string, any>) => Failure | undefined): void;
  /** Forgets the failures not yet used. */
  clearFailures(): void;
  /** What the bot's messages in this chat look like now (edits applied), oldest first. */
  chat(chatId: number): Sent[];
  /** The answers given to button presses, by query id. */
  answers: Map<string, string | undefined>;
  /** Updates not yet confirmed by a later offset. */
  pending(): number;
  close(): Promise<void>;
}

export async function startFakeBotApi(opts: { username?: string; botId?: number } = {}): Promise<FakeBotApi> {
  const botId = opts.botId ?? 7000000001;
  const token = `${botId}:TEST-token_${Math.random().toString(36).slice(2).padEnd(12, 'x')}abcdefgh`;
  const bot = { id: botId, is_bot: true, first_name: 'ServiceFlow', username: opts.username ?? 'serviceflow_test_bot' };
  let nextUpdate = 500_000_000 + Math.floor(Math.random() * 1000);
  let nextMessage = 1;
  let nextQuery = 1;
  let updates: { update_id: number; [k: string]: unknown }[] = [];
  const chats = new Map<number, Sent[]>();
  const blocked = new Set<number>();
  const failures = new Map<string, Failure[]>();
  const conditions = new Map<string, (params: Record<string, any>) => Failure | undefined>();
  const waiting = new Set<{ wake: () => void; end: (status: number, body: unknown) => void }>();
  const answers = new Map<string, string | undefined>();
  const queries = new Set<string>();
  const sockets = new Set<import('node:net').Socket>();

  const push = (u: Record<string, unknown>) => {
    const update_id = nextUpdate++;
    updates.push({ update_id, ...u });
    // Updates pushed in one tick are answered together, as Telegram batches them.
    for (const w of waiting) setImmediate(w.wake);
    return update_id;
  };
  const privateChat = (u: FakeUser) => ({ id: u.id, type: 'private', first_name: u.first_name, ...(u.username ? { username: u.username } : {}) });
  const asMessage = (s: Sent) => ({
    message_id: s.message_id, from: bot, chat: { id: s.chat_id, type: 'private' }, date: Math.floor(Date.now() / 1000), text: s.text,
    ...(s.reply_markup?.inline_keyboard.length ? { reply_markup: s.reply_markup } : {}),
  });

  function checkText(html: unknown, markup: any): string {
    if (typeof html !== 'string' || html.trim() === '') throw bad('message text is empty');
    const parsed = parseHtml(html);
    if ('error' in parsed) throw bad(parsed.error);
    if (parsed.text.length > 4096) throw bad('message is too long');
    for (const row of markup?.inline_keyboard ?? []) {
      for (const b of row) if (typeof b.callback_data !== 'string' || Buffer.byteLength(b.callback_data) > 64 || !b.text) throw bad('BUTTON_DATA_INVALID');
    }
    return parsed.text;
  }

  const methods: Record<string, (p: Record<string, any>, req: http.IncomingMessage, res: http.ServerResponse) => unknown> = {
    getMe: () => bot,
    sendMessage(p) {
      const chatId = Number(p.chat_id);
      if (blocked.has(chatId)) throw new ApiFailure(403, 'Forbidden: bot was blocked by the user');
      if (p.parse_mode !== 'HTML') throw bad('the fake speaks HTML parse mode only');
      const text = checkText(p.text, p.reply_markup);
      const s: Sent = { chat_id: chatId, message_id: nextMessage++, html: p.text, text, reply_markup: p.reply_markup, reply_to: p.reply_parameters?.message_id, edits: 0 };
      chats.set(chatId, [...(chats.get(chatId) ?? []), s]);
      return asMessage(s);
    },
    editMessageText(p) {
      const chatId = Number(p.chat_id);
      if (blocked.has(chatId)) throw new ApiFailure(403, 'Forbidden: bot was blocked by the user');
      const s = chats.get(chatId)?.find((m) => m.message_id === Number(p.message_id));
      if (!s) throw bad('message to edit not found');
      const text = checkText(p.text, p.reply_markup);
      const markup = p.reply_markup?.inline_keyboard?.length ? p.reply_markup : undefined;
      if (s.html === p.text && JSON.stringify(s.reply_markup ?? null) === JSON.stringify(markup ?? null)) {
        throw bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
      }
      Object.assign(s, { html: p.text, text, reply_markup: markup, edits: s.edits + 1 });
      return asMessage(s);
    },
    answerCallbackQuery(p) {
      const id = String(p.callback_query_id);
      if (!queries.has(id) || answers.has(id)) throw bad('query is too old and response timeout expired or query ID is invalid');
      if (p.text !== undefined && String(p.text).length > 200) throw bad('MESSAGE_TOO_LONG');
      answers.set(id, p.text);
      return true;
    },
    getUpdates(p, req, res) {
      const offset = Number(p.offset ?? 0);
      const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100)));
      const timeout = Math.max(0, Number(p.timeout ?? 0));
      if (offset > 0) updates = updates.filter((u) => u.update_id >= offset);
      // Telegram lets one getUpdates run: a second one ends the first with 409.
      for (const w of waiting) {
        fake.conflicts++;
        w.end(409, { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
      }
      const ready = () => updates.slice(0, limit);
      if (ready().length || timeout === 0) return ready();
      return new Promise((resolve) => {
        let done = false;
        const w = {
          wake: () => { if (done) return; finish(); resolve(ready()); },
          end: (status: number, body: unknown) => { if (done) return; finish(); reply(res, status, body); resolve(undefined); },
        };
        const timer = setTimeout(w.wake, timeout * 1000);
        const gone = () => { finish(); resolve(undefined); };
        const finish = () => { done = true; clearTimeout(timer); waiting.delete(w); req.socket.off('close', gone); };
        req.socket.once('close', gone);
        waiting.add(w);
        fake.maxConcurrentPolls = Math.max(fake.maxConcurrentPolls, waiting.size);
      });
    },
  };

  function reply(res: http.ServerResponse, status: number, body: unknown) {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const m = /^\/bot([^/]+)\/([A-Za-z]+)(\?.*)?$/.exec(req.url ?? '');
    if (!m || m[1] !== token) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = m[2];
    const params: Record<string, any> = { ...Object.fromEntries(new URLSearchParams(m[3] ?? '')), ...(raw ? JSON.parse(raw) : {}) };
    const call: Call = { method, params, at: Date.now(), outcome: 'ok' };
    fake.calls.push(call);
    const failure = conditions.get(method)?.(params) ?? failures.get(method)?.shift();
    if (failure === 'drop') {
      call.outcome = 'dropped';
      return req.socket.destroy();
    }
    if (failure) {
      call.outcome = failure.error_code;
      return reply(res, failure.error_code, {
        ok: false, error_code: failure.error_code, description: failure.description,
        ...(failure.retry_after ? { parameters: { retry_after: failure.retry_after } } : {}),
      });
    }
    const handler = methods[method];
    if (!handler) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    try {
      const result = await handler(params, req, res);
      if (result !== undefined) reply(res, 200, { ok: true, result });
    } catch (err) {
      if (!(err instanceof ApiFailure)) throw err;
      call.outcome = err.code;
      call.error = err.description;
      reply(res, err.code, { ok: false, error_code: err.code, description: err.description });
    }
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const fake: FakeBotApi = {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    username: bot.username,
    calls: [],
    maxConcurrentPolls: 0,
    conflicts: 0,
    answers,
    user: (id, username, firstName) => ({ id, is_bot: false, first_name: firstName ?? `User${id}`, ...(username ? { username } : {}) }),
    message(from, text, o = {}) {
      const chat = o.chatType === 'group' ? { id: -from.id, type: 'group', title: 'A group' } : privateChat(from);
      const replied = o.replyTo === undefined ? undefined : chats.get(from.id)?.find((s) => s.message_id === o.replyTo);
      return push({
        message: {
          message_id: nextMessage++, from, chat, date: Math.floor(Date.now() / 1000), text,
          ...(replied ? { reply_to_message: asMessage(replied) } : {}),
        },
      });
    },
    press(from, message, data) {
      const queryId = `q${nextQuery++}${Math.random().toString(36).slice(2, 8)}`;
      queries.add(queryId);
      const updateId = push({ callback_query: { id: queryId, from, message: asMessage(message), chat_instance: String(from.id), data } });
      return { updateId, queryId };
    },
    block(user, notify = false) {
      blocked.add(user.id);
      if (notify) push({ my_chat_member: { chat: privateChat(user), from: user, date: Math.floor(Date.now() / 1000), old_chat_member: { status: 'member', user: bot }, new_chat_member: { status: 'kicked', user: bot } } });
    },
    failNext(method, failure, times = 1) {
      failures.set(method, [...(failures.get(method) ?? []), ...Array(times).fill(failure)]);
    },
    failWhen: (method, when) => { conditions.set(method, when); },
    clearFailures: () => { failures.clear(); conditions.clear(); },
    chat: (chatId) => chats.get(chatId) ?? [],
    pending: () => updates.length,
    async close() {
      for (const w of waiting) w.wake();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
