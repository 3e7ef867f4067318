// ServiceFlow's console: plain ES modules, no framework, no network beyond this server.
// Every action on a request comes from its allowed_transitions and the API's rules; the
// server decides, and its answer (or its error) is shown. Live events (live.js) update the
// open list and the open request in place, never touching what the user is typing.
import {
  api, confirmDialog, errorBox, field, flash, flashNext, flashPending, h, isStaff, newPage, pagedList, PRIORITIES, prose, root, select,
  showError, state, statusBadge, statusText, when,
} from './core.js';
import { attachmentCard, filePicker, revokeBlobs, uploadFiles } from './attachments.js';
import { countBadge, filterForm, forgetDirectory, getCounts, listStaff, listTeams, loadCounts, OPEN, queueCount, route } from './filters.js';
import { historyList } from './history.js';
import { installShortcuts } from './keys.js';
import { startLive } from './live.js';
import { csvButton, viewReports } from './reports.js';
import * as sla from './sla.js';
import { viewProfile } from './telegram.js';
import { assigneeCard, editor } from './request.js';
import { viewTeam, viewTeams } from './teams.js';

const mainEl = document.getElementById('main');
const debounce = (fn, ms) => { let t; return () => { clearTimeout(t); t = setTimeout(fn, ms); }; };
/** What the open view does with a live event, and with fresh counts; each render resets them. */
let onLive = null;
let onCounts = null;
let live = null;
/** What the console's older modules (reports.js) are handed: the helpers, and the element to draw into. */
const ui = () => ({ h, api, field, flash, errorBox, state, main: root() });

// ---- routing: #/name/arg?filters
// A function, so the views below are defined by the time it runs.
const routes = () => ({
  requests: viewRequests, open: viewOpen, queue: viewQueue, mine: viewMyWork, new: viewNew, request: viewRequest,
  teams: (id) => (id ? viewTeam(id) : viewTeams()), users: viewUsers, audit: viewAudit, reports: () => viewReports(ui()),
  profile: () => viewProfile(ui()),
  ...sla.views,
  webhooks: viewWebhooks, webhook: viewWebhook,
});
function navLinks() {
  const role = state.me?.role;
  const c = getCounts();
  const links = [['requests', role === 'EMPLOYEE' ? 'My requests' : 'All requests'], ['new', 'New request']];
  if (role === 'AGENT' || role === 'ADMIN') links.splice(0, 0, ['queue', 'Queue', c?.queue], ['mine', 'My work', c?.my_work], ['open', 'All open', c?.open]);
  if (role === 'AGENT' || role === 'ADMIN') links.push(['reports', 'Dashboard']);
  if (role === 'ADMIN') links.push(['teams', 'Teams'], ['users', 'Users'], ['audit', 'Audit log'], ['webhooks', 'Webhooks']);
  links.push(...sla.links(role));
  links.push(['profile', 'Profile']);
  const current = route().name;
  document.getElementById('nav').replaceChildren(...(state.me ? links.map(([id, text, n]) =>
    h('a', { href: `#/${id}`, 'aria-current': current === id ? 'page' : false }, text, countBadge(n))) : []));
}
async function render() {
  flashPending();
  onLive = null; onCounts = null;
  revokeBlobs();
  if (!state.me) return viewSignIn();
  navLinks();
  const { name, args } = route();
  const view = routes()[name] || viewRequests;
  const page = newPage();
  try {
    await view(...args);
  } catch (err) {
    if (err.status === 401) return; // the sf:unauthorized handler has signed out already
    page.replaceChildren(errorBox(err));
  }
  if (page === root() && !mainEl.contains(document.activeElement)) mainEl.focus();
}
/** Sets what the view drawing into `page` does with live events, unless the user has moved on. */
function listen(page, fn, counts = null) { if (page === root()) { onLive = fn; onCounts = counts; } }
window.addEventListener('hashchange', render);

// ---- the live stream
const refreshCounts = debounce(async () => { await loadCounts(); navLinks(); onCounts?.(); }, 250);
function liveEvent(e) {
  if (e.type.startsWith('team.') || e.type.startsWith('user.')) forgetDirectory();
  if (e.data?.request) refreshCounts();
  onLive?.(e);
}
function showLive(s) {
  const el = document.getElementById('live');
  if (!el) return;
  el.className = `live is-${s}`;
  el.textContent = { live: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…' }[s];
  el.title = s === 'live' ? 'Changes by others appear as they happen' : 'Trying to reach the server; changes will appear once it answers';
}

// ---- sign in / out
const KEY_GONE = 'Your key is no longer valid (it was rotated or your user deactivated). Sign in again with your new key.';
function showWho() {
  const who = document.getElementById('who');
  who.replaceChildren(...(state.me ? [h('span', { id: 'live', class: 'live is-connecting' }, 'Connecting…'),
    h('span', {}, `${state.me.full_name} · `, h('strong', {}, state.me.role)), h('button', { type: 'button', onclick: () => signOut() }, 'Sign out')] : []));
}
function startSession() {
  showWho();
  live?.stop();
  live = startLive({ key: state.key, onEvent: liveEvent, onState: showLive, onUnauthorized: () => signOut(KEY_GONE) });
  loadCounts().then(() => { navLinks(); onCounts?.(); });
}
function signOut(message) {
  live?.stop(); live = null;
  sessionStorage.removeItem('sf-key');
  state.key = null; state.me = null;
  forgetDirectory();
  onLive = null; onCounts = null;
  for (const d of document.querySelectorAll('dialog')) d.remove();
  showWho(); navLinks(); viewSignIn(); flash(message || '', 'error');
}
window.addEventListener('sf:unauthorized', () => { if (state.me) signOut(KEY_GONE); });
function viewSignIn() {
  const main = newPage();
  const key = h('input', { type: 'password', autocomplete: 'off', required: true, placeholder: 'sfk_…' });
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    state.key = key.value.trim();
    try {
      state.me = (await api('GET', '/users/me')).data;
      sessionStorage.setItem('sf-key', state.key);
      startSession();
      // Back where the user was (a bookmark, or the page a dead key left), else the list.
      if (!location.hash || location.hash === '#/') location.hash = '#/requests';
      else render();
    } catch (err) {
      state.key = null;
      showError(form, err);
    }
  } }, field('Your API key', key), h('p', { class: 'meta' }, 'The key stays in this browser tab only (session storage) and is forgotten when you sign out.'), h('button', { class: 'primary', type: 'submit' }, 'Sign in'));
  main.replaceChildren(h('h1', {}, 'Sign in'), form);
  key.focus();
}

// ---- request lists
const priorityBadge = (p) => h('span', { class: `prio ${p}` }, p);
function requestTable(items) {
  if (!items.length) return h('p', { class: 'meta' }, 'Nothing here.');
  return h('table', { class: 'requests cards' }, h('thead', {}, h('tr', {}, ['Request', 'Status', 'SLA', 'Priority', 'Team', 'Assignee', 'Filed'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, items.map((r) => h('tr', { 'data-id': r.public_id },
      h('td', { 'data-label': 'Request' }, h('a', { class: 'row-link', href: `#/request/${r.public_id}` }, `${r.public_id} · ${r.title}`),
        r.attachments_count && isStaff() ? h('span', { class: 'meta', title: 'attachments' }, ` · ${r.attachments_count} file${r.attachments_count > 1 ? 's' : ''}`) : ''),
      h('td', { 'data-label': 'Status' }, statusBadge(r.status)),
      h('td', { 'data-label': 'SLA' }, sla.badge(r)),
      h('td', { 'data-label': 'Priority' }, priorityBadge(r.priority)),
      h('td', { 'data-label': 'Team' }, r.team?.name || 'General pool'),
      h('td', { 'data-label': 'Assignee' }, r.assignee?.full_name || '—'),
      h('td', { 'data-label': 'Filed' }, when(r.created_at))))));
}
/**
 * A list of requests: `fixed` API filters, the filter form (its values in the hash), and
 * live refreshes that keep the form, the focused row and the loaded length.
 */
async function listView(title, fixed, { show = ['status', 'priority', 'assignee', 'team', 'sort', 'q'], defaults = {}, before = '' } = {}) {
  const main = root();
  const results = h('div');
  const summary = h('p', { class: 'meta', role: 'status' });
  let list = null;
  let path = '';
  let asked = 0;
  let asking = ''; // the filters asked for last, shown or not yet
  // Filters change faster than lists load: only the latest answer is shown.
  const load = async (q) => {
    const mine = ++asked;
    const qs = new URLSearchParams(fixed);
    for (const [k, v] of q) qs.set(k, v);
    const wanted = `/requests?${qs.toString().replace(/%2C/gi, ',')}`;
    asking = wanted;
    const box = h('div');
    const shown = await pagedList(box, wanted, requestTable);
    if (mine !== asked) return;
    list = shown; path = wanted;
    results.replaceChildren(box);
    summary.textContent = '';
  };
  const { form, query } = await filterForm({ params: route().params, defaults, show, onChange: (q) => load(q).catch((e) => results.replaceChildren(errorBox(e))) });
  // The CSV of what the list shows: the same filters (GET /requests.csv takes those of GET /requests).
  const csv = h('div', { class: 'actions' }, csvButton(ui(), () => new URLSearchParams(asking.split('?')[1] || '')));
  main.replaceChildren(h('h1', {}, title), before, form, csv, summary, results);
  await load(query());
  const refresh = debounce(async () => {
    if (!list) return;
    const seen = new Set(list.rows().map((r) => r.public_id));
    const focused = document.activeElement?.closest?.('tr[data-id]')?.dataset.id;
    const mine = path;
    await list.reload().catch(() => {});
    if (mine !== path) return;
    const fresh = list.rows().filter((r) => !seen.has(r.public_id));
    for (const r of fresh) results.querySelector(`tr[data-id="${r.public_id}"]`)?.classList.add('fresh');
    if (focused) results.querySelector(`tr[data-id="${focused}"] a.row-link`)?.focus();
    if (fresh.length) summary.textContent = `New here: ${fresh.map((r) => `${r.public_id} · ${r.title}`).join('; ')}`;
  }, 150);
  listen(main, (e) => { if (e.data?.request) refresh(); });
}
const viewRequests = () => listView(state.me.role === 'EMPLOYEE' ? 'My requests' : 'All requests', '');
const viewOpen = () => listView('All open requests', `status=${OPEN}`, { show: ['priority', 'assignee', 'team', 'sort', 'q'] });
const viewMyWork = () => listView('My work', 'assignee_id=me', { show: ['status', 'priority', 'team', 'sort', 'q'], defaults: { status: OPEN } });
/** The queue (NEW, unassigned): everything, all my teams, each team, or the general pool. */
async function viewQueue() {
  const team = route().params.get('team_id') || '';
  const teams = state.me.role === 'AGENT' ? state.me.teams : (await listTeams()).filter((t) => t.is_active);
  const tabs = [['', 'All'], ...(state.me.role === 'AGENT' ? [['mine', 'All my teams']] : []), ...teams.map((t) => [t.id, t.name]), ['none', 'General pool']];
  const nav = h('nav', { class: 'tabs', 'aria-label': 'Queues' });
  const paintTabs = () => nav.replaceChildren(...tabs.map(([id, name]) => h('a', { href: `#/queue${id ? `?team_id=${id}` : ''}`, 'aria-current': id === team ? 'page' : false },
    name, countBadge(queueCount(getCounts(), id)))));
  paintTabs();
  const name = tabs.find(([id]) => id === team)?.[1] || 'the link\'s team';
  const page = root();
  await listView(team ? `Queue: ${name}` : 'Queue: new and unassigned', `status=NEW&assignee_id=none${team ? `&team_id=${encodeURIComponent(team)}` : ''}`, { show: ['priority', 'sort', 'q'], before: nav });
  if (page === root()) { onCounts = paintTabs; paintTabs(); } // counts may have come while the list loaded
}

async function viewNew() {
  const main = root();
  const title = h('input', { required: true, maxlength: 200 });
  const description = h('textarea', { maxlength: 10000 });
  const priority = select(PRIORITIES.map((p) => [p, p]), 'NORMAL');
  const teams = (await listTeams()).filter((t) => t.is_active);
  const team = select([['', 'Not sure: the general pool'], ...teams.map((t) => [t.id, t.name])], '');
  const picker = filePicker();
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      const { data } = await api('POST', '/requests', { title: title.value, description: description.value, priority: priority.value, team_id: team.value || null });
      const failed = await uploadFiles(data.public_id, picker.files, false);
      const thanks = `Thank you: ${data.public_id} is filed${data.team ? ` with ${data.team.name}` : ''}. You will see every answer and change on this page.`;
      flashNext(failed ? `${thanks} ${failed}` : thanks, failed ? 'error' : 'notice');
      location.hash = `#/request/${data.public_id}`;
    } catch (err) { submit.disabled = false; showError(form, err); }
  } }, field('Title', title), field('Description', description), field('Priority', priority),
  teams.length ? field('Team', team) : '', teams.length ? h('p', { class: 'meta' }, 'Pick the desk that handles it (IT, HR, …); if you are not sure, leave it to the general pool and an agent will route it.') : '',
  picker.node, h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'File request')));
  main.replaceChildren(h('h1', {}, 'New request'), form);
  title.focus();
}

// ---- one request
const LABELS = { IN_PROGRESS: 'Take / start', DONE: 'Mark done', CANCELED: 'Cancel request' };
/** Refusals that mean another change got there first. */
const RACES = ['status_is_terminal', 'status_already_set', 'invalid_status_transition'];
async function viewRequest(ref) {
  const main = root();
  let { data: r, etag } = await api('GET', `/requests/${encodeURIComponent(ref)}`);
  const staff = isStaff();
  const names = new Map([[state.me.id, state.me.full_name]]);
  const teamNames = new Map();
  const [teams, people] = await Promise.all([staff ? listTeams() : [], listStaff()]);
  for (const t of teams) teamNames.set(t.id, t.name);
  for (const u of people) names.set(u.id, u.full_name);

  const heading = h('h1');
  const details = h('div', { class: 'card' });
  const buttons = h('div', { class: 'actions' });
  const closing = h('textarea', { placeholder: 'Optional comment, visible to the requester' });
  const closingField = field('Comment with the status change', closing);
  const statusCard = h('div', { class: 'card' }, h('h2', {}, 'Status'), closingField, buttons);
  // The updated_at of this view's own changes, read from their answers: the event of such a
  // change is shown already (the refresh after it fetches that state or a newer one),
  // whether it comes before or after that refresh answers.
  const own = new Set();
  const ownChange = (answer) => { if (answer?.id === r.id && answer.updated_at) own.add(answer.updated_at); };
  const shown = (updatedAt) => updatedAt === r.updated_at || own.has(updatedAt);
  const edit = editor({ now: () => ({ r, etag }), refresh, ownChange });
  const manage = assigneeCard({ now: () => r, change, teams, people });
  const comments = h('div', { class: 'stack' });
  const history = h('div');
  const updated = h('p', { class: 'meta', role: 'status' });

  /**
   * Sends one change with If-Match. A refusal because the request moved on (412, or a status
   * that changed under us) shows the request as it is now; any other refusal is the API's
   * own words, beside the control that asked (`where`), after the request is shown afresh.
   */
  async function change(method, path, body, done, where = manage.el) {
    manage.settle();
    let refused = null;
    statusCard.querySelector(':scope > .error')?.remove();
    try {
      ownChange((await api(method, path, body, { 'If-Match': etag })).data);
      flash(done);
      if (body.comment) closing.value = '';
    } catch (err) {
      if (err.status === 412 || RACES.includes(err.problem?.code)) flash(`Someone else changed ${r.public_id} meanwhile: ${err.message}. Showing it as it is now.`, 'error');
      else { flash(''); refused = err; }
    }
    await refresh().catch(() => {});
    if (refused) showError(where, refused);
  }
  const act = (to) => change('PATCH', `/requests/${r.public_id}/status`, { status: to, ...(closing.value.trim() ? { comment: closing.value.trim() } : {}) }, `${r.public_id} is now ${statusText(to)}.`, statusCard);

  function paint() {
    names.set(r.created_by.id, r.created_by.full_name);
    if (r.assignee) names.set(r.assignee.id, r.assignee.full_name);
    if (r.team) teamNames.set(r.team.id, r.team.name);
    heading.textContent = `${r.public_id} · ${r.title}`;
    details.replaceChildren(
      h('p', {}, statusBadge(r.status), ' ', priorityBadge(r.priority), ' ', h('span', { class: 'meta' },
        `Priority ${r.priority} · ${r.team ? `team ${r.team.name}` : 'general pool'} · filed by ${r.created_by.full_name} `, when(r.created_at),
        ` · assignee ${r.assignee?.full_name || 'nobody'}`, r.resolved_at ? [' · closed ', when(r.resolved_at)] : '')),
      prose(r.description), sla.panel(r));
    buttons.replaceChildren(...(r.allowed_transitions.length
      ? r.allowed_transitions.map((to) => h('button', { type: 'button', class: to === 'CANCELED' ? 'danger' : 'primary', onclick: () => act(to) }, LABELS[to] || to))
      : [h('p', { class: 'meta' }, 'No status change is open to you.')]));
    closingField.hidden = !r.allowed_transitions.some((t) => t !== 'IN_PROGRESS');
    edit.paint();
    manage.paint();
  }

  const body = h('textarea', { maxlength: 10000 });
  const internal = h('input', { type: 'checkbox' });
  const picker = filePicker();
  const files = h('div');
  const commentForm = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    commentForm.querySelector(':scope > .error')?.remove();
    if (!body.value.trim() && !picker.files.length) return commentForm.append(errorBox(new Error('Write a comment or attach a file.')));
    try {
      if (body.value.trim()) await api('POST', `/requests/${r.public_id}/comments`, { body: body.value, internal: internal.checked });
      const failed = await uploadFiles(r.public_id, picker.files, internal.checked);
      body.value = ''; internal.checked = false; picker.clear();
      await loadThread();
      if (failed) flash(failed, 'error');
    } catch (err) { showError(commentForm, err); }
  } }, field('Add a comment', body), picker.node,
  staff ? h('div', {}, h('label', { class: 'check' }, internal, 'Internal note (agents and admins only)'), h('p', { class: 'meta' }, 'Files sent with an internal note are internal too.')) : '',
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Comment')));
  async function loadThread() {
    await pagedList(files, `/requests/${r.public_id}/attachments`, (items) => (items.length ? h('ul', { class: 'files' }, items.map(attachmentCard)) : h('p', { class: 'meta' }, 'No files yet.')));
    await pagedList(comments, `/requests/${r.public_id}/comments`, (items) => h('div', {}, items.length ? items.map((c) => {
      names.set(c.author.id, c.author.full_name);
      return h('article', { class: `comment${c.internal ? ' internal' : ''}` },
        h('div', { class: 'meta' }, `${c.author.full_name} · `, when(c.created_at), c.internal ? ' · internal note' : ''), prose(c.body, ''));
    }) : h('p', { class: 'meta' }, 'No comments yet.')));
    await pagedList(history, `/requests/${r.public_id}/history`, (items) => historyList(items, names, teamNames));
  }
  async function refresh() {
    const res = await api('GET', `/requests/${r.id}`);
    r = res.data; etag = res.etag;
    paint();
    await loadThread();
  }

  paint();
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/requests' }, '← Back to the list')),
    heading, details, updated, edit.el, statusCard, manage.el,
    h('h2', {}, 'Files'), files,
    h('h2', {}, 'Comments'), comments, commentForm,
    h('h2', {}, 'History'), history);
  await loadThread();
  // Another person's change or comment shows here as it happens; the forms keep their text.
  // The event of a change this view already shows (its own, or one it has fetched since):
  // fetching and painting it again would wipe what the user sees now, such as the refusal
  // of the next thing they tried, or race their move to another page. Checked when the
  // event comes and again when the refresh would start, by when the answer of an own
  // change whose event came first is in.
  let always = false; // an event without a request's updated_at (a comment, a file) came
  let newest = null;
  const again = debounce(() => {
    const skip = !always && newest !== null && shown(newest);
    always = false; newest = null;
    if (!skip) refresh().catch(() => {});
  }, 150);
  listen(main, (e) => {
    if (e.data?.request?.id !== r.id) return;
    const updatedAt = e.type.startsWith('request.') ? e.data.request.updated_at : null;
    if (updatedAt !== null && shown(updatedAt)) return;
    if (e.actor && e.actor.id !== state.me.id) updated.replaceChildren(`Updated by ${e.actor.full_name} `, when(e.created_at), '.');
    if (updatedAt === null) always = true; else newest = updatedAt;
    again();
  });
}

// ---- admin: users
const ROLES = ['ADMIN', 'AGENT', 'EMPLOYEE'];
async function viewUsers() {
  const main = root();
  const role = select([['', 'Any'], ...ROLES.map((x) => [x, x])], '');
  const active = select([['', 'Any'], ['true', 'Active'], ['false', 'Deactivated']], '');
  const q = h('input', { type: 'search', placeholder: 'Name or email' });
  const results = h('div');
  const newKey = h('div', { 'aria-live': 'polite' });
  const showKey = (who, key) => {
    const copy = h('button', { type: 'button', onclick: async () => { await navigator.clipboard?.writeText(key).catch(() => {}); copy.textContent = 'Copied'; } }, 'Copy key');
    newKey.replaceChildren(h('div', { class: 'notice' }, h('p', {}, `The API key of ${who}, shown this once:`), h('p', { class: 'key' }, key), copy));
  };
  const run = () => {
    const params = new URLSearchParams();
    if (role.value) params.set('role', role.value);
    if (active.value) params.set('is_active', active.value);
    if (q.value.trim()) params.set('q', q.value.trim());
    return pagedList(results, `/users${params.size ? `?${params}` : ''}`, (items) => h('table', { class: 'cards users' },
      h('thead', {}, h('tr', {}, ['Name', 'Email', 'Role', 'Status', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.map((u) => {
        const roleSel = select(ROLES.map((x) => [x, x]), u.role, { 'aria-label': `Role of ${u.full_name}` });
        const change = async (body, done) => {
          try { await api('PATCH', `/users/${u.id}`, body); forgetDirectory(); flash(done); await run(); } catch (err) { flash(err.message, 'error'); await run(); }
        };
        roleSel.addEventListener('change', async () => {
          const ok = await confirmDialog({ title: `Make ${u.full_name} ${roleSel.value}?`, message: `${u.full_name} is ${u.role} now; the new role changes what they may see and do at once.`, confirm: 'Change role' });
          if (ok) change({ role: roleSel.value }, `${u.full_name} is now ${roleSel.value}.`);
          else roleSel.value = u.role;
        });
        const toggle = async () => {
          if (u.is_active && !(await confirmDialog({ title: `Deactivate ${u.full_name}?`, message: 'Their key stops working at once and they are signed out everywhere. You can activate them again later.', confirm: 'Deactivate', danger: true }))) return;
          change({ is_active: !u.is_active }, `${u.full_name} is ${u.is_active ? 'deactivated' : 'active again'}.`);
        };
        const rotate = async () => {
          if (!(await confirmDialog({ title: `Rotate the key of ${u.full_name}?`, message: 'Their current key stops working at once; the new key is shown here once, for you to hand over.', confirm: 'Rotate key', danger: true }))) return;
          try { showKey(u.full_name, (await api('POST', `/users/${u.id}/api-key/rotate`)).data.api_key); } catch (err) { flash(err.message, 'error'); }
        };
        return h('tr', {}, h('td', { 'data-label': 'Name' }, u.full_name), h('td', { 'data-label': 'Email', class: 'wrap' }, u.email),
          h('td', { 'data-label': 'Role' }, roleSel), h('td', { 'data-label': 'Status' }, u.is_active ? 'Active' : 'Deactivated'),
          h('td', { 'data-label': 'Actions' }, h('div', { class: 'actions' },
            h('button', { type: 'button', class: u.is_active ? 'danger' : '', onclick: toggle }, u.is_active ? 'Deactivate' : 'Activate'),
            h('button', { type: 'button', onclick: rotate }, 'Rotate key'))));
      })))).catch((e) => results.replaceChildren(errorBox(e)));
  };
  const email = h('input', { type: 'email', required: true });
  const fullName = h('input', { required: true, maxlength: 200 });
  const newRole = select(['EMPLOYEE', 'AGENT', 'ADMIN'].map((x) => [x, x]), 'EMPLOYEE');
  const create = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const { data } = await api('POST', '/users', { email: email.value, full_name: fullName.value, role: newRole.value });
      showKey(data.full_name, data.api_key);
      email.value = ''; fullName.value = '';
      forgetDirectory();
      await run();
    } catch (err) { showError(create, err); }
  } }, h('h2', {}, 'Create a user'), field('Email', email), field('Full name', fullName), field('Role', newRole), h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Create user')));
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter users', onsubmit: (e) => { e.preventDefault(); run(); } }, field('Role', role), field('Status', active), field('Search', q), h('div', { class: 'apply' }, h('button', { type: 'submit' }, 'Apply')));
  main.replaceChildren(h('h1', {}, 'Users'), newKey, create, filters, results);
  await run();
}

// ---- admin: audit log
const changeList = (changes) => h('ul', { class: 'changes' }, Object.entries(changes).map(([k, [a, b]]) => h('li', {}, h('strong', {}, k), `: ${a ?? '∅'} → ${b ?? '∅'}`)));
async function viewAudit() {
  const main = root();
  const entity = select([['', 'Any'], ...['request', 'user', 'comment', 'team', 'attachment', 'webhook', 'sla_policy'].map((x) => [x, x])], '');
  const action = h('input', { placeholder: 'e.g. request.status_changed' });
  const since = h('input', { type: 'datetime-local' });
  const results = h('div');
  const run = () => {
    const params = new URLSearchParams();
    if (entity.value) params.set('entity_type', entity.value);
    if (action.value.trim()) params.set('action', action.value.trim());
    if (since.value) params.set('since', new Date(since.value).toISOString());
    return pagedList(results, `/audit-logs${params.size ? `?${params}` : ''}`, (items) => h('table', { class: 'cards' },
      h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'Changes'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.map((e) => h('tr', {}, h('td', { 'data-label': 'When' }, when(e.created_at)), h('td', { 'data-label': 'Who' }, e.actor?.full_name || '—'),
        h('td', { 'data-label': 'Action' }, `${e.action} (${e.entity_type})`), h('td', { 'data-label': 'Changes', class: 'wrap' }, changeList(e.changes)))))))
      .catch((e) => results.replaceChildren(errorBox(e)));
  };
  main.replaceChildren(h('h1', {}, 'Audit log'), h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log', onsubmit: (e) => { e.preventDefault(); run(); } },
    field('Entity', entity), field('Action', action), field('Since', since), h('div', { class: 'apply' }, h('button', { type: 'submit' }, 'Apply'))), results);
  await run();
}

// ---- admin: webhooks
const EVENT_TYPES = ['request.created', 'request.updated', 'request.status_changed', 'request.assigned', 'request.team_changed',
  'comment.created', 'attachment.created', 'sla.warning', 'sla.breached', 'user.created', 'user.updated', 'user.api_key_rotated',
  'team.created', 'team.updated', 'team.member_added', 'team.member_removed'];
/** A secret shown this once, with a copy button, in `box`. */
function showSecret(box, text, secret) {
  const copy = h('button', { type: 'button', onclick: async () => { await navigator.clipboard?.writeText(secret).catch(() => {}); copy.textContent = 'Copied'; } }, 'Copy secret');
  box.replaceChildren(h('div', { class: 'notice' }, h('p', {}, text), h('p', { class: 'key' }, secret), copy));
  copy.focus();
}
async function viewWebhooks() {
  const main = root();
  const secretBox = h('div', { 'aria-live': 'polite' });
  const results = h('div');
  const url = h('input', { type: 'url', required: true, placeholder: 'https://hooks.example.com/serviceflow' });
  const description = h('input', { maxlength: 500 });
  const team = h('input', { placeholder: 'Optional: only this team\'s requests (team id)' });
  const all = h('input', { type: 'checkbox', checked: true });
  const boxes = EVENT_TYPES.map((t) => h('input', { type: 'checkbox', value: t }));
  const pick = h('fieldset', { class: 'types', disabled: true }, h('legend', {}, 'Event types'), boxes.map((b) => h('label', { class: 'check' }, b, b.value)));
  all.addEventListener('change', () => { pick.disabled = all.checked; });
  const act = async (fn, done) => { try { await fn(); if (done) flash(done); await run(); } catch (err) { flash(err.message, 'error'); } };
  const run = () => pagedList(results, '/webhooks', (items) => items.length ? h('table', { class: 'cards' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Endpoint'), h('th', { class: 'hide-sm' }, 'Events'), h('th', {}, 'Status'), h('th', {}, 'Actions'))),
    h('tbody', {}, items.map((w) => h('tr', {},
      h('td', { class: 'url' }, h('a', { href: `#/webhook/${w.id}` }, w.url), w.description ? h('div', { class: 'meta' }, w.description) : ''),
      h('td', { class: 'hide-sm meta' }, w.events.join(', '), w.team_id ? ` (team ${w.team_id})` : ''),
      h('td', {}, w.is_active ? 'Active' : 'Disabled', w.disabled_reason ? h('div', { class: 'meta' }, w.disabled_reason) : ''),
      h('td', {}, h('div', { class: 'actions' },
        h('button', { type: 'button', class: w.is_active ? 'danger' : '', onclick: () => act(() => api('PATCH', `/webhooks/${w.id}`, { is_active: !w.is_active }), `${w.url} is ${w.is_active ? 'disabled' : 'enabled'}.`) }, w.is_active ? 'Disable' : 'Enable'),
        // A disabled endpoint is sent nothing (409 webhook_inactive): enable it to ping it.
        h('button', { type: 'button', disabled: !w.is_active, title: w.is_active ? null : 'Enable the endpoint to ping it', onclick: () => act(() => api('POST', `/webhooks/${w.id}/ping`), `A ping is on its way to ${w.url}.`) }, 'Ping'),
        h('button', { type: 'button', onclick: async () => {
          try { showSecret(secretBox, `The new secret of ${w.url}, shown this once (the old one keeps signing for 24 hours):`, (await api('POST', `/webhooks/${w.id}/secret/rotate`)).data.secret); } catch (err) { flash(err.message, 'error'); }
        } }, 'Rotate secret'))))))) : h('p', { class: 'meta' }, 'No endpoints yet.')).catch((e) => results.replaceChildren(errorBox(e)));
  const create = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    create.querySelector('.error')?.remove();
    const events = all.checked ? ['*'] : boxes.filter((b) => b.checked).map((b) => b.value);
    try {
      const { data } = await api('POST', '/webhooks', { url: url.value.trim(), description: description.value, events, ...(team.value.trim() ? { team_id: team.value.trim() } : {}) });
      showSecret(secretBox, `The signing secret of ${data.url}, shown this once:`, data.secret);
      url.value = ''; description.value = ''; team.value = '';
      await run();
    } catch (err) { create.append(errorBox(err)); }
  } }, h('h2', {}, 'Add an endpoint'), field('URL', url), field('Description', description), field('Team', team),
  h('label', { class: 'check' }, all, 'All events'), pick, h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Create endpoint')));
  main.replaceChildren(h('h1', {}, 'Webhooks'), secretBox, create, h('h2', {}, 'Endpoints'), results);
  await run();
}
async function viewWebhook(id) {
  const main = root();
  const { data: w } = await api('GET', `/webhooks/${encodeURIComponent(id)}`);
  const status = h('select', {}, h('option', { value: '' }, 'Any'), ...['pending', 'succeeded', 'failed'].map((x) => h('option', { value: x }, x)));
  const results = h('div', { 'aria-live': 'polite' });
  const attempts = (d) => {
    const list = h('div', { class: 'meta' }, 'Loading…');
    const more = h('details', { ontoggle: async () => {
      if (!more.open) return;
      try {
        const { data } = await api('GET', `/webhooks/${w.id}/deliveries/${d.id}`);
        list.replaceChildren(...(data.attempts.length ? data.attempts.map((a) => h('div', { class: 'comment' }, `${when(a.at)} · ${a.response_status ?? 'no answer'} · ${a.duration_ms} ms`, a.error ? ` · ${a.error}` : '', a.response_excerpt ? h('pre', {}, a.response_excerpt) : '')) : ['No attempt yet.']));
      } catch (err) { list.replaceChildren(errorBox(err)); }
    } }, h('summary', {}, `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`), list);
    return more;
  };
  const run = () => pagedList(results, `/webhooks/${w.id}/deliveries${status.value ? `?status=${status.value}` : ''}`, (items) => items.length ? h('table', { class: 'cards' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Event'), h('th', {}, 'Status'), h('th', { class: 'hide-sm' }, 'Last attempt'), h('th', {}, 'Attempts'), h('th', {}, ''))),
    h('tbody', {}, items.map((d) => h('tr', {},
      h('td', {}, d.event_type, h('div', { class: 'meta' }, when(d.created_at))),
      h('td', {}, d.status, d.next_attempt_at ? h('div', { class: 'meta' }, `next ${when(d.next_attempt_at)}`) : ''),
      h('td', { class: 'hide-sm meta' }, d.last_attempt ? `${d.last_attempt.response_status ?? 'no answer'}${d.last_attempt.error ? ` · ${d.last_attempt.error}` : ''}` : '—'),
      h('td', {}, attempts(d)),
      h('td', {}, h('button', { type: 'button', disabled: !w.is_active, title: w.is_active ? null : 'Enable the endpoint to redeliver', onclick: async () => {
        try { await api('POST', `/webhooks/${w.id}/deliveries/${d.id}/redeliver`); flash(`${d.event_type} will be delivered again now.`); await run(); } catch (err) { flash(err.message, 'error'); }
      } }, 'Redeliver')))))) : h('p', { class: 'meta' }, 'No deliveries.')).catch((e) => results.replaceChildren(errorBox(e)));
  main.replaceChildren(h('p', {}, h('a', { href: '#/webhooks' }, '← Back to webhooks')), h('h1', { class: 'url' }, `Deliveries to ${w.url}`),
    h('p', { class: 'meta' }, `${w.is_active ? 'Active' : `Disabled${w.disabled_reason ? `: ${w.disabled_reason}` : ''}`} · ${w.events.join(', ')} · secret …${w.secret_last4}`),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); run(); } }, field('Status', status), h('div', {}, h('button', { type: 'submit' }, 'Apply'))), results);
  await run();
}

// ---- start
// sla.js draws into the current page, whichever it is when a view opens.
sla.init({ h, api, field, flash, errorBox, pagedList, requestTable, get main() { return root(); } });
installShortcuts();
(async () => {
  if (state.key) {
    try { state.me = (await api('GET', '/users/me')).data; } catch { sessionStorage.removeItem('sf-key'); state.key = null; state.me = null; }
  }
  if (state.me) startSession(); else showWho();
  render();
})();
