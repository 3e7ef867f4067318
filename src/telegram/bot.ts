// One Telegram update → the workflow operations HTTP uses (same rules, audit rows with
// user_agent 'telegram', events) → the Bot API calls that answer it. Runs inside the
// transaction that moves the poller's offset past the update (src/telegram/poller.ts), so
// its writes and its answers commit with the offset: a restart neither repeats nor loses it.
import type { Tx } from '../db/index.ts';
import type { RequestDoc as RequestListRow } from '../db/requests.ts';
import { findMessageRequest, findTelegramActor, type NewMessage, unlinkTelegram } from '../db/telegram.ts';
import type { Audit } from '../db/users.ts';
import { AppError, toAppError } from '../errors.ts';
import { addComment, changeStatus, createRequest, findRequest, listRequests } from '../requests/actions.ts';
import { isTerminal } from '../requests/lifecycle.ts';
import { CommentSchema, CreateRequestSchema } from '../requests/schemas.ts';
import type { Services } from '../services.ts';
import type { Actor } from '../users/keys.ts';
import { parse } from '../validation.ts';
import { linkByToken, unlinkBlockedChat } from './accounts.ts';
import type { TgCallbackQuery, TgMessage, TgUpdate } from './client.ts';
import { cut, escapeHtml as e } from './html.ts';
import { buttonFor, help, list, parseCallback, plain, type RequestDoc, said, type Said, type View } from './messages.ts';

interface Turn { services: Services; tx: Tx; audit: Audit; chatId: number }

const send = (t: Turn, s: Said, o: { requestId?: string; replyTo?: number } = {}): NewMessage => ({
  chat_id: t.chatId, method: 'sendMessage', request_id: o.requestId ?? null,
  params: {
    chat_id: t.chatId, parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...s,
    ...(o.replyTo ? { reply_parameters: { message_id: o.replyTo, allow_sending_without_reply: true } } : {}),
  },
});

/** The message redrawn; without buttons when the reader has no move left on it. */
const edit = (t: Turn, messageId: number, s: Said, requestId?: string): NewMessage => ({
  chat_id: t.chatId, method: 'editMessageText', request_id: requestId ?? null,
  params: {
    chat_id: t.chatId, message_id: messageId, parse_mode: 'HTML', link_preview_options: { is_disabled: true },
    text: s.text, reply_markup: s.reply_markup ?? { inline_keyboard: [] },
  },
});

const answer = (t: Turn, q: TgCallbackQuery, text: string): NewMessage => ({
  chat_id: t.chatId, method: 'answerCallbackQuery', params: { callback_query_id: q.id, text: cut(text, 200) },
});

const docOf = (r: { doc: string }) => JSON.parse(r.doc) as RequestDoc;

/** The Bot API calls that answer `update`. */
export async function handleUpdate(services: Services, tx: Tx, update: TgUpdate): Promise<NewMessage[]> {
  const audit: Audit = [`telegram:${update.update_id}`, null, 'telegram'];
  if (update.message) return onMessage({ services, tx, audit, chatId: update.message.chat.id }, update.message);
  if (update.callback_query) {
    const q = update.callback_query;
    return onCallback({ services, tx, audit, chatId: q.message?.chat.id ?? q.from.id }, q);
  }
  const member = update.my_chat_member;
  if (member?.chat.type === 'private' && member.new_chat_member.status === 'kicked') {
    await unlinkBlockedChat(tx, String(member.chat.id), 'the user blocked the bot');
  }
  return [];
}

/** The linked user behind a Telegram account, if they are active (a deactivated user's link is ignored). */
async function actorOf(t: Turn, telegramUserId: number): Promise<{ actor: Actor | null; deactivated: boolean }> {
  const row = await findTelegramActor(t.tx, telegramUserId);
  if (!row) return { actor: null, deactivated: false };
  if (!row.is_active) return { actor: null, deactivated: true };
  return { actor: { id: row.id, full_name: row.full_name, role: row.role, teams: row.teams }, deactivated: false };
}

const COMMAND = /^\/([a-z]+)(?:@\w+)?(?:[ \t]+|\n|$)([\s\S]*)$/i;

async function onMessage(t: Turn, m: TgMessage): Promise<NewMessage[]> {
  const from = m.from;
  if (!from || from.is_bot) return [];
  const text = m.text?.trim() ?? '';
  const command = COMMAND.exec(text);
  const name = command?.[1].toLowerCase();
  const rest = command?.[2].trim() ?? '';
  if (m.chat.type !== 'private') return command ? [send(t, plain('Talk to me in a private chat, please.'))] : [];
  if (name === 'start' && rest) return start(t, m, rest);
  const { actor, deactivated } = await actorOf(t, from.id);
  if (name === 'help' || name === 'start') {
    const hello = actor && name === 'start' ? `You are linked as <b>${e(actor.full_name)}</b> (${actor.role}).\n\n` : '';
    return [send(t, { text: hello + help(actor) })];
  }
  if (deactivated) return [send(t, plain('Your ServiceFlow account is deactivated, so this chat is not linked to anything.'))];
  if (!actor) return [send(t, { text: help(null) })];
  if (!text) return [send(t, plain('I read text only. /help lists what I can do.'))];
  if (name === 'stop') return stop(t, actor);
  if (name === 'new') return fileRequest(t, actor, rest, m.message_id);
  if (name === 'my') return [send(t, await myList(t, actor))];
  if (name === 'queue') return [send(t, await queueList(t, actor))];
  if (!command && m.reply_to_message) return comment(t, actor, m, text);
  return [send(t, plain('I did not understand that. /help lists what I can do.'))];
}

async function start(t: Turn, m: TgMessage, token: string): Promise<NewMessage[]> {
  const account = { telegramUserId: m.from!.id, chatId: m.chat.id, username: m.from!.username ?? null };
  const linked = await linkByToken(t.tx, token, account, t.services.clock, t.audit);
  if (linked.ok) {
    const hello = `Linked: you are <b>${e(linked.full_name)}</b> (${linked.role}) in ServiceFlow. You will hear about your requests here.\n\n`;
    return [send(t, { text: hello + help({ id: '', full_name: linked.full_name, role: linked.role, teams: [] }) })];
  }
  const why = {
    unknown: 'This link is not valid.',
    used: 'This link was used already.',
    expired: 'This link has expired (links last 15 minutes).',
    deactivated: 'This ServiceFlow account is deactivated.',
  }[linked.reason];
  return [send(t, plain(`${why} Nothing was linked. Make a new link in ServiceFlow: Profile → Link Telegram.`))];
}

async function stop(t: Turn, actor: Actor): Promise<NewMessage[]> {
  await unlinkTelegram(t.tx, actor.id, actor.id, t.audit);
  return [send(t, plain('Unlinked: this chat hears nothing more from ServiceFlow. Link it again from your profile.'))];
}

/** `/new <title>`, the lines after it the description. */
async function fileRequest(t: Turn, actor: Actor, rest: string, messageId: number): Promise<NewMessage[]> {
  if (!rest) return [send(t, { text: 'Write the title after /new, for example:\n<code>/new The printer on floor 2 is jammed</code>\nLines after the first become the description.' })];
  const [title, ...lines] = rest.split('\n');
  let input;
  try {
    input = parse(CreateRequestSchema, { title, description: lines.join('\n').trim() });
  } catch (err) {
    return [send(t, plain(`Not filed: ${(err as AppError).message}`), { replyTo: messageId })];
  }
  const r = await createRequest(t.tx, actor, input, t.audit);
  t.services.metrics.requestCreated();
  return [send(t, said(`<b>Filed ${r.public_id}.</b> You will hear here when it moves.`, docOf(r), actor), { requestId: r.id, replyTo: messageId })];
}

/** A reply to one of the bot's messages about a request: a public comment on it. */
async function comment(t: Turn, actor: Actor, m: TgMessage, body: string): Promise<NewMessage[]> {
  const requestId = await findMessageRequest(t.tx, t.chatId, m.reply_to_message!.message_id);
  if (!requestId) return [send(t, plain('Reply to a message about a request to comment on it. /help lists what I can do.'))];
  try {
    const r = await findRequest(t.tx, actor, requestId);
    await addComment(t.tx, actor, r, parse(CommentSchema, { body }), t.audit);
    return [send(t, { text: `Comment added to <b>${r.public_id}</b>.` }, { requestId: r.id, replyTo: m.message_id })];
  } catch (err) {
    const code = toAppError(err).code;
    if (code === 'not_found') return [send(t, plain('You can no longer see that request.'), { replyTo: m.message_id })];
    if (code === 'validation_failed' || code === 'forbidden') return [send(t, plain(`Not added: ${(err as Error).message}`), { replyTo: m.message_id })];
    throw err;
  }
}

const OPEN = ['NEW', 'IN_PROGRESS'] as ('NEW' | 'IN_PROGRESS')[];
const SHOWN = 10;

async function myList(t: Turn, actor: Actor): Promise<Said> {
  const page = { after: null, limit: SHOWN + 1 };
  const filed = await listRequests(t.tx, actor, { status: OPEN, created_by: 'me', sort: '-created' }, page);
  const assigned = actor.role === 'EMPLOYEE' ? [] : await listRequests(t.tx, actor, { status: OPEN, assignee_id: 'me', sort: '-created' }, page);
  const rows = new Map<string, RequestListRow>();
  for (const r of [...assigned, ...filed]) rows.set(r.seq, r);
  const all = [...rows.values()].sort((a, b) => Number(b.seq) - Number(a.seq));
  return list('Your open requests', all.slice(0, SHOWN).map(docOf), actor, 'mine', all.length > SHOWN || filed.length > SHOWN || assigned.length > SHOWN,
    'Nothing open. /new files a request.');
}

async function queueList(t: Turn, actor: Actor): Promise<Said> {
  if (actor.role === 'EMPLOYEE') return plain('Only agents have a queue. /my lists your requests.');
  const rows = (await listRequests(t.tx, actor, { status: ['NEW'], assignee_id: 'none', sort: '-created' }, { after: null, limit: 50 }))
    .map(docOf).filter((r) => buttonFor(actor, r, 'queue'));
  return list('Queue: new requests you may take', rows.slice(0, SHOWN), actor, 'queue', rows.length > SHOWN, 'The queue is empty.');
}

/** Take and Done: a status change through the workflow; the pressed message is redrawn as things now are. */
async function onCallback(t: Turn, q: TgCallbackQuery): Promise<NewMessage[]> {
  const { actor } = await actorOf(t, q.from.id);
  if (!actor) return [answer(t, q, 'This chat is not linked to an active ServiceFlow account.')];
  const pressed = parseCallback(q.data);
  if (!pressed) return [answer(t, q, 'This button no longer works.')];
  const to = pressed.action === 'take' ? 'IN_PROGRESS' : 'DONE';
  let said: string;
  let doc: RequestDoc;
  try {
    // On the pool, not in this transaction: a status change may retry in a transaction of its
    // own (src/requests/actions.ts). Done twice is refused by the status machine, so a
    // replayed update cannot move a request twice.
    const { request, from } = await changeStatus(t.services.db, actor, pressed.publicId, { status: to }, { audit: t.audit });
    t.services.metrics.transition(from, request.status);
    doc = docOf(request);
    said = pressed.action === 'take' ? `You took ${doc.public_id}.` : `${doc.public_id} is done.`;
  } catch (err) {
    const lost = toAppError(err);
    if (lost.code === 'database_unavailable' || lost.code === 'internal_error') throw err;
    try {
      doc = docOf(await findRequest(t.tx, actor, pressed.publicId));
    } catch {
      const gone = `${pressed.publicId}: you can no longer see this request.`;
      return [answer(t, q, gone), ...(q.message ? [edit(t, q.message.message_id, plain(gone))] : [])];
    }
    said = whyNot(pressed.action, doc, actor, lost.message);
  }
  const redrawn = q.message ? [edit(t, q.message.message_id, await redraw(t, actor, pressed.view, doc, said), doc.id)] : [];
  return [answer(t, q, said), ...redrawn];
}

/** What a lost race or a refused move tells the one who pressed. */
function whyNot(action: 'take' | 'done', r: RequestDoc, actor: Actor, refusal: string): string {
  if (r.assignee && r.assignee.id !== actor.id && action === 'take') return `Already taken by ${r.assignee.full_name}.`;
  if (r.assignee?.id === actor.id && r.status === 'IN_PROGRESS' && action === 'take') return `${r.public_id} is yours already.`;
  if (isTerminal(r.status)) return `${r.public_id} is ${r.status} already.`;
  return refusal;
}

async function redraw(t: Turn, actor: Actor, view: View, r: RequestDoc, headline: string): Promise<Said> {
  if (view === 'queue') return queueList(t, actor);
  if (view === 'mine') return myList(t, actor);
  return said(`<b>${e(headline)}</b>`, r, actor);
}
