// What the bot says, in Telegram's HTML: request cards, notifications, lists and help, with
// their Take and Done buttons. Every text a person wrote (titles, descriptions, names,
// comments, file names) is escaped here; nothing else builds HTML.
import type { Actor } from '../users/keys.ts';
import { mayMove } from '../requests/policy.ts';
import type { Status } from '../requests/lifecycle.ts';
import type { InlineButton, InlineKeyboard } from './client.ts';
import { CALLBACK_DATA_BYTES, cut, escapeHtml as e, fitHtml } from './html.ts';

/** A request as events and PostgreSQL's request_json show it (as an ADMIN sees it). */
export interface RequestDoc {
  id: string; public_id: string; title: string; description: string; priority: string; status: Status;
  team: { id: string; name: string } | null; created_by: { id: string; full_name: string };
  assignee: { id: string; full_name: string } | null;
}

/** What a message says and which buttons it has. */
export interface Said { text: string; reply_markup?: InlineKeyboard }

export const factsOf = (r: RequestDoc) => ({ status: r.status, created_by: r.created_by.id, assignee_id: r.assignee?.id ?? null, team_id: r.team?.id ?? null });

const STATUS: Record<Status, string> = { NEW: 'NEW', IN_PROGRESS: 'IN PROGRESS', DONE: 'DONE', CANCELED: 'CANCELED' };

/** Which list a button sits in, so the message can be redrawn after it is pressed. */
export type View = 'card' | 'queue' | 'mine';
export type Action = 'take' | 'done';
const ACTION_CODE: Record<Action, string> = { take: 't', done: 'd' };
const VIEW_CODE: Record<View, string> = { card: '', queue: ':q', mine: ':m' };
const CALLBACK = /^([td]):(REQ-[1-9]\d{0,17})(?::([qm]))?$/;

/** A button's callback_data: the action and the request's public id, never a key. */
export function callbackData(action: Action, publicId: string, view: View): string {
  const data = `${ACTION_CODE[action]}:${publicId}${VIEW_CODE[view]}`;
  if (Buffer.byteLength(data) > CALLBACK_DATA_BYTES) throw new Error(`callback_data over ${CALLBACK_DATA_BYTES} bytes: ${data}`);
  return data;
}

export function parseCallback(data: string | undefined): { action: Action; publicId: string; view: View } | null {
  const m = CALLBACK.exec(data ?? '');
  if (!m) return null;
  return { action: m[1] === 't' ? 'take' : 'done', publicId: m[2], view: m[3] === 'q' ? 'queue' : m[3] === 'm' ? 'mine' : 'card' };
}

/** The move this person may make on this request now, as a button: Take a new one, Done their own in progress. */
export function buttonFor(actor: Actor, r: RequestDoc, view: View): InlineButton | null {
  const facts = factsOf(r);
  if (r.status === 'NEW' && actor.role !== 'EMPLOYEE' && mayMove(actor, facts, 'IN_PROGRESS', actor.id)) {
    return { text: view === 'card' ? 'Take' : `Take ${r.public_id}`, callback_data: callbackData('take', r.public_id, view) };
  }
  if (r.status === 'IN_PROGRESS' && facts.assignee_id === actor.id && mayMove(actor, facts, 'DONE')) {
    return { text: view === 'card' ? 'Done' : `Done ${r.public_id}`, callback_data: callbackData('done', r.public_id, view) };
  }
  return null;
}

const keyboard = (buttons: (InlineButton | null)[]): InlineKeyboard | undefined => {
  const rows = buttons.filter((b): b is InlineButton => b !== null).map((b) => [b]);
  return rows.length ? { inline_keyboard: rows } : undefined;
};

const link = (publicUrl: string | undefined, r: RequestDoc) =>
  publicUrl ? `<a href="${e(`${publicUrl}/#/request/${r.public_id}`)}">Open in ServiceFlow</a>` : '';

/** A request in a few lines: id, status, title, who, and the start of its description. */
export function card(r: RequestDoc, publicUrl?: string, descriptionChars = 600): string {
  const who = [r.team ? `Team ${e(r.team.name)}` : 'General pool', `filed by ${e(r.created_by.full_name)}`,
    r.assignee ? `assignee ${e(r.assignee.full_name)}` : 'unassigned'].join(' · ');
  return [
    `<b>${r.public_id}</b> · ${STATUS[r.status]} · ${r.priority}`,
    `<b>${e(cut(r.title, 200))}</b>`,
    who,
    r.description ? `\n${e(cut(r.description, descriptionChars))}` : '',
    link(publicUrl, r),
  ].filter(Boolean).join('\n');
}

/** A message of a headline and a request's card, within Telegram's limit, with the reader's button. */
export function said(headline: string, r: RequestDoc, reader: Actor, publicUrl?: string, footer = ''): Said {
  return {
    text: fitHtml(`${headline}\n\n${card(r, publicUrl)}${footer ? `\n\n<i>${footer}</i>` : ''}`),
    reply_markup: keyboard([buttonFor(reader, r, 'card')]),
  };
}

/** A list of requests, one line each, with a button per request the reader may move now. */
export function list(title: string, rows: RequestDoc[], reader: Actor, view: View, more: boolean, empty: string): Said {
  if (!rows.length) return { text: `<b>${e(title)}</b>\n\n${e(empty)}` };
  const lines = rows.map((r) => `<b>${r.public_id}</b> · ${STATUS[r.status]} · ${r.priority}${r.team ? ` · ${e(r.team.name)}` : ''}\n${e(cut(r.title, 120))}`);
  return {
    text: fitHtml([`<b>${e(title)}</b>`, '', lines.join('\n\n'), more ? '\n<i>More in the web console.</i>' : ''].join('\n')),
    reply_markup: keyboard(rows.map((r) => buttonFor(reader, r, view))),
  };
}

export const plain = (text: string): Said => ({ text: fitHtml(e(text)) });

export function help(reader: Actor | null): string {
  const lines = [
    '<b>ServiceFlow bot</b>',
    '',
    '/new <i>title</i> — file a request (lines after the first are its description)',
    '/my — your open requests',
  ];
  if (reader && reader.role !== 'EMPLOYEE') lines.push('/queue — new requests you may take');
  lines.push('/stop — unlink this chat', '/help — this list', '',
    'Reply to a notification to comment on its request.');
  if (!reader) lines.push('', 'This chat is not linked yet: in ServiceFlow open <b>Profile</b> → <b>Link Telegram</b>.');
  return lines.join('\n');
}
