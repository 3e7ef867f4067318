// What every part of the console shares: the session, DOM helpers, the API client, times,
// messages and confirmations. No view lives here.

export const state = { key: sessionStorage.getItem('sf-key'), me: null };
export const STATUSES = ['NEW', 'IN_PROGRESS', 'DONE', 'CANCELED'];
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];
export const isStaff = () => state.me && state.me.role !== 'EMPLOYEE';
/**
 * The element the current view draws into, inside <main>. Each render makes a new one, so a
 * view still loading when the user moves on draws into a detached element, never over the
 * next view. A view takes it once, first thing: `const main = root();`.
 */
let page = null;
export const root = () => page;
export function newPage() {
  page = h('div', { class: 'page' }, h('p', { class: 'meta' }, 'Loading…'));
  document.getElementById('main').replaceChildren(page);
  return page;
}

// ---- DOM
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}
let ids = 0;
export const uid = (prefix = 'f') => `${prefix}-${++ids}`;
export const field = (label, input) => { input.id ||= uid(); return h('div', {}, h('label', { for: input.id }, label), input); };
export const statusText = (s) => s.replace('_', ' ');
export const statusBadge = (s) => h('span', { class: `status ${s}` }, statusText(s));
/** User text with its line breaks kept (CSS white-space: pre-wrap). */
export const prose = (text, empty = 'No description.') => (text ? h('div', { class: 'prose' }, text) : h('p', { class: 'meta' }, empty));
export const select = (options, value, attrs = {}) =>
  h('select', attrs, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));

// ---- times: relative in the text, exact on hover (and for screen readers in datetime)
const exact = (d) => d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export function relative(iso, now = Date.now()) {
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 45) return 'just now';
  const [n, unit] = s < 3600 ? [Math.round(s / 60), 'minute'] : s < 86_400 ? [Math.round(s / 3600), 'hour'] : s < 30 * 86_400 ? [Math.round(s / 86_400), 'day'] : [0, ''];
  if (!unit) return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}
export const when = (iso) => (iso ? h('time', { datetime: iso, title: exact(new Date(iso)) }, relative(iso)) : '—');
/** Keeps "3 minutes ago" true while the page stays open. */
setInterval(() => { for (const t of document.querySelectorAll('time[datetime]')) t.textContent = relative(t.getAttribute('datetime')); }, 30_000);

// ---- the API
export class ApiError extends Error {
  constructor(status, problem) { super(problem?.detail || `HTTP ${status}`); this.status = status; this.problem = problem; }
}
/** Any 401 while signed in means the key died (rotated, user deactivated): app.js signs out. */
export const unauthorized = () => window.dispatchEvent(new CustomEvent('sf:unauthorized'));
export async function api(method, path, body, headers = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { 'X-API-Key': state.key || '', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, { detail: 'The server cannot be reached. Check your connection and try again.' });
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && state.me) unauthorized();
  if (!res.ok) throw new ApiError(res.status, data);
  return { data, etag: res.headers.get('ETag') };
}
/** The problem's detail, and each invalid field with its message. */
export const errorBox = (err) => h('div', { class: 'error', role: 'alert' },
  h('p', {}, err.message),
  err.problem?.errors?.length ? h('ul', {}, err.problem.errors.map((e) => h('li', {}, `${e.path}: ${e.message}`))) : '');
/** Shows an error at the end of `where`, replacing the previous one. */
export function showError(where, err) { where.querySelector(':scope > .error')?.remove(); where.append(errorBox(err)); }

// ---- messages: flash() shows one now; flashNext() one that survives the next page render
let pending = null;
export function flash(text, kind = 'notice') {
  const f = document.getElementById('flash');
  f.replaceChildren(text ? h('div', { class: kind }, text) : '');
}
export const flashNext = (text, kind = 'notice') => { pending = [text, kind]; };
export function flashPending() { const p = pending; pending = null; flash(...(p || [''])); }

/** A list that pages with next_cursor ("Load more"); reload() fetches again what is shown. */
export async function pagedList(container, basePath, table) {
  let cursor = null;
  let rows = [];
  const more = h('button', { type: 'button' }, 'Load more');
  const sep = basePath.includes('?') ? (basePath.endsWith('?') ? '' : '&') : '?';
  async function load(reset) {
    const limit = reset ? Math.min(100, Math.max(50, rows.length)) : 50;
    const { data } = await api('GET', `${basePath}${sep}limit=${limit}${!reset && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    rows = reset ? data.items : [...rows, ...data.items];
    cursor = data.next_cursor;
    container.replaceChildren(table(rows), cursor ? h('div', { class: 'actions' }, more) : '');
  }
  more.addEventListener('click', () => load(false).catch((e) => showError(container, e)));
  await load(true);
  return { reload: () => load(true), rows: () => rows };
}

// ---- confirmations: a modal <dialog>, so focus stays in it and Escape cancels
export function confirmDialog({ title, message, confirm = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': titleId },
      h('form', { method: 'dialog' },
        h('h2', { id: titleId }, title),
        message ? h('p', {}, message) : '',
        h('div', { class: 'actions' },
          h('button', { value: 'cancel', type: 'submit' }, 'Cancel'),
          h('button', { value: 'ok', type: 'submit', class: danger ? 'danger' : 'primary' }, confirm))));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue === 'ok'); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
