// ServiceFlow's console: plain ES module, no framework, no network beyond this server.
// Every action button on a request comes from its allowed_transitions; the server decides.

const state = { key: sessionStorage.getItem('sf-key'), me: null };
const main = document.getElementById('main');

// ---- tiny DOM helpers
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}
const field = (label, input) => { const id = `f-${Math.random().toString(36).slice(2, 8)}`; input.id = id; return h('div', {}, h('label', { for: id }, label), input); };
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const statusBadge = (s) => h('span', { class: `status ${s}` }, s.replace('_', ' '));
const flash = (text, kind = 'notice') => { const f = document.getElementById('flash'); f.replaceChildren(text ? h('div', { class: kind }, text) : ''); };

// ---- the API
class ApiError extends Error { constructor(status, problem) { super(problem?.detail || `HTTP ${status}`); this.status = status; this.problem = problem; } }
async function api(method, path, body, headers = {}) {
  const res = await fetch(path, {
    method,
    headers: { 'X-API-Key': state.key || '', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  return { data, etag: res.headers.get('ETag') };
}
const errorBox = (err) => h('div', { class: 'error', role: 'alert' }, err.message);

// ---- routing
// A function, so the views below are defined by the time it runs.
const routes = () => ({
  requests: viewRequests, queue: viewQueue, mine: viewMyWork, new: viewNew, request: viewRequest, users: viewUsers, audit: viewAudit,
  webhooks: viewWebhooks, webhook: viewWebhook,
});
function navLinks() {
  const role = state.me?.role;
  const links = [['requests', role === 'EMPLOYEE' ? 'My requests' : 'All requests'], ['new', 'New request']];
  if (role === 'AGENT' || role === 'ADMIN') links.splice(1, 0, ['queue', 'Queue'], ['mine', 'My work']);
  if (role === 'ADMIN') links.push(['users', 'Users'], ['audit', 'Audit log'], ['webhooks', 'Webhooks']);
  const current = location.hash.slice(2).split('/')[0] || 'requests';
  document.getElementById('nav').replaceChildren(...(state.me ? links.map(([id, text]) => h('a', { href: `#/${id}`, 'aria-current': current === id ? 'page' : false }, text)) : []));
}
async function render() {
  flash('');
  if (!state.me) return viewSignIn();
  navLinks();
  const [name, ...rest] = location.hash.slice(2).split('/');
  const view = routes()[name] || viewRequests;
  main.replaceChildren(h('p', { class: 'meta' }, 'Loading…'));
  try {
    await view(...rest.map(decodeURIComponent));
  } catch (err) {
    if (err.status === 401) return signOut('Your key is no longer valid. Sign in again.');
    main.replaceChildren(errorBox(err));
  }
  main.focus();
}
window.addEventListener('hashchange', render);

// ---- sign in / out
function showWho() {
  const who = document.getElementById('who');
  who.replaceChildren(...(state.me ? [h('span', {}, `${state.me.full_name} · `, h('strong', {}, state.me.role)), h('button', { type: 'button', onclick: () => signOut() }, 'Sign out')] : []));
}
function signOut(message) {
  sessionStorage.removeItem('sf-key');
  state.key = null; state.me = null;
  showWho(); navLinks(); viewSignIn(); if (message) flash(message, 'error');
}
function viewSignIn() {
  const key = h('input', { type: 'password', autocomplete: 'off', required: true, placeholder: 'sfk_…' });
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    state.key = key.value.trim();
    try {
      state.me = (await api('GET', '/users/me')).data;
      sessionStorage.setItem('sf-key', state.key);
      showWho();
      location.hash = '#/requests';
      render();
    } catch (err) {
      state.key = null;
      form.querySelector('.error')?.remove();
      form.append(errorBox(err));
    }
  } }, field('Your API key', key), h('p', { class: 'meta' }, 'The key stays in this browser tab only (session storage) and is forgotten when you sign out.'), h('button', { class: 'primary', type: 'submit' }, 'Sign in'));
  main.replaceChildren(h('h1', {}, 'Sign in'), form);
  key.focus();
}

// ---- request lists
function requestTable(items) {
  if (!items.length) return h('p', { class: 'meta' }, 'Nothing here.');
  return h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Request'), h('th', {}, 'Status'), h('th', { class: 'hide-sm' }, 'Priority'), h('th', { class: 'hide-sm' }, 'Assignee'), h('th', { class: 'hide-sm' }, 'Filed'))),
    h('tbody', {}, items.map((r) => h('tr', {},
      h('td', {}, h('a', { href: `#/request/${r.public_id}` }, `${r.public_id} · ${r.title}`)),
      h('td', {}, statusBadge(r.status)),
      h('td', { class: 'hide-sm' }, r.priority),
      h('td', { class: 'hide-sm' }, r.assignee?.full_name || '—'),
      h('td', { class: 'hide-sm' }, when(r.created_at))))));
}
/** A list that pages with next_cursor ("Load more"). */
async function pagedList(container, basePath, table) {
  let cursor = null;
  const more = h('button', { type: 'button' }, 'Load more');
  const rows = [];
  async function load() {
    const sep = basePath.includes('?') ? '&' : '?';
    const { data } = await api('GET', `${basePath}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    rows.push(...data.items);
    cursor = data.next_cursor;
    container.replaceChildren(table(rows), cursor ? h('div', { class: 'actions' }, more) : '');
  }
  more.addEventListener('click', () => load().catch((e) => container.append(errorBox(e))));
  await load();
}
async function listView(title, fixed, { filters = true } = {}) {
  const status = h('select', {}, h('option', { value: '' }, 'Any'), ...['NEW', 'IN_PROGRESS', 'DONE', 'CANCELED'].map((s) => h('option', { value: s }, s.replace('_', ' '))));
  const q = h('input', { type: 'search', placeholder: 'Words in title or description' });
  const results = h('div', { 'aria-live': 'polite' });
  const run = () => {
    const params = new URLSearchParams(fixed);
    if (status.value) params.set('status', status.value);
    if (q.value.trim()) params.set('q', q.value.trim());
    const qs = params.toString();
    return pagedList(results, `/requests${qs ? `?${qs}` : ''}`, requestTable).catch((e) => results.replaceChildren(errorBox(e)));
  };
  const form = h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); run(); } },
    filters ? field('Status', status) : '', filters ? field('Search', q) : '', filters ? h('div', {}, h('button', { type: 'submit' }, 'Apply')) : '');
  main.replaceChildren(h('h1', {}, title), form, results);
  await run();
}
const viewRequests = () => listView(state.me.role === 'EMPLOYEE' ? 'My requests' : 'All requests', '');
const viewQueue = () => listView('Queue: new and unassigned', 'status=NEW&assignee_id=none', { filters: false });
const viewMyWork = () => listView('My work', 'assignee_id=me');

function viewNew() {
  const title = h('input', { required: true, maxlength: 200 });
  const description = h('textarea', { maxlength: 10000 });
  const priority = h('select', {}, ...['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((p) => h('option', { value: p, selected: p === 'NORMAL' }, p)));
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const { data } = await api('POST', '/requests', { title: title.value, description: description.value, priority: priority.value });
      location.hash = `#/request/${data.public_id}`;
      flash(`Filed ${data.public_id}.`);
    } catch (err) { form.querySelector('.error')?.remove(); form.append(errorBox(err)); }
  } }, field('Title', title), field('Description', description), field('Priority', priority), h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'File request')));
  main.replaceChildren(h('h1', {}, 'New request'), form);
  title.focus();
}

// ---- one request
const LABELS = { IN_PROGRESS: 'Take / start', DONE: 'Mark done', CANCELED: 'Cancel request' };
async function viewRequest(ref) {
  const { data: r, etag } = await api('GET', `/requests/${encodeURIComponent(ref)}`);
  const staff = state.me.role !== 'EMPLOYEE';
  const closing = h('textarea', { placeholder: 'Optional comment, visible to the requester' });
  const act = async (to) => {
    try {
      await api('PATCH', `/requests/${r.public_id}/status`, { status: to, ...(closing.value.trim() ? { comment: closing.value.trim() } : {}) }, { 'If-Match': etag });
      flash(`${r.public_id} is now ${to.replace('_', ' ')}.`);
    } catch (err) {
      // A lost race (412 stale ETag, or 409 because the request moved on) reloads what is true now.
      if (err.status === 412 || err.status === 409) flash(`Someone else changed ${r.public_id} meanwhile: ${err.message}. Showing it as it is now.`, 'error');
      else flash(err.message, 'error');
    }
    await viewRequest(ref);
  };
  const actions = r.allowed_transitions.map((to) => h('button', { type: 'button', class: to === 'CANCELED' ? 'danger' : 'primary', onclick: () => act(to) }, LABELS[to] || to));
  const comments = h('div', { class: 'stack' });
  const history = h('div');
  const body = h('textarea', { required: true, maxlength: 10000 });
  const internal = h('input', { type: 'checkbox' });
  const commentForm = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api('POST', `/requests/${r.public_id}/comments`, { body: body.value, internal: internal.checked });
      body.value = ''; internal.checked = false;
      await loadThread();
    } catch (err) { commentForm.querySelector('.error')?.remove(); commentForm.append(errorBox(err)); }
  } }, field('Add a comment', body), staff ? h('label', { class: 'check' }, internal, 'Internal note (agents and admins only)') : '', h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Comment')));
  async function loadThread() {
    await pagedList(comments, `/requests/${r.public_id}/comments`, (items) => h('div', {}, items.length ? items.map((c) => h('div', { class: `comment${c.internal ? ' internal' : ''}` },
      h('div', { class: 'meta' }, `${c.author.full_name} · ${when(c.created_at)}${c.internal ? ' · internal note' : ''}`), h('div', {}, c.body))) : h('p', { class: 'meta' }, 'No comments yet.')));
    await pagedList(history, `/requests/${r.public_id}/history`, (items) => h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Who'), h('th', {}, 'What'))),
      h('tbody', {}, items.map((e) => h('tr', {}, h('td', {}, when(e.created_at)), h('td', {}, e.actor?.full_name || '—'),
        h('td', {}, e.action, ' ', h('span', { class: 'meta' }, Object.entries(e.changes).filter(([k]) => k !== 'request_id').map(([k, [a, b]]) => `${k}: ${a ?? '∅'} → ${b ?? '∅'}`).join('; '))))))));
  }
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/requests' }, '← Back to the list')),
    h('h1', {}, `${r.public_id} · ${r.title}`),
    h('div', { class: 'card' },
      h('p', {}, statusBadge(r.status), ' ', h('span', { class: 'meta' }, `Priority ${r.priority} · filed by ${r.created_by.full_name} ${when(r.created_at)} · assignee ${r.assignee?.full_name || 'nobody'}${r.resolved_at ? ` · closed ${when(r.resolved_at)}` : ''}`)),
      h('p', { style: false }, r.description || h('span', { class: 'meta' }, 'No description.')),
      actions.length ? h('div', {}, r.allowed_transitions.some((t) => t !== 'IN_PROGRESS') ? field('Comment with the status change', closing) : '', h('div', { class: 'actions' }, actions)) : h('p', { class: 'meta' }, 'No status change is open to you.')),
    h('h2', {}, 'Comments'), comments, commentForm,
    h('h2', {}, 'History'), history);
  await loadThread();
}

// ---- admin: users
async function viewUsers() {
  const role = h('select', {}, h('option', { value: '' }, 'Any'), ...['ADMIN', 'AGENT', 'EMPLOYEE'].map((x) => h('option', { value: x }, x)));
  const active = h('select', {}, h('option', { value: '' }, 'Any'), h('option', { value: 'true' }, 'Active'), h('option', { value: 'false' }, 'Deactivated'));
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
    return pagedList(results, `/users${params.size ? `?${params}` : ''}`, (items) => h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', { class: 'hide-sm' }, 'Email'), h('th', {}, 'Role'), h('th', {}, 'Status'), h('th', {}, 'Actions'))),
      h('tbody', {}, items.map((u) => {
        const roleSel = h('select', { 'aria-label': `Role of ${u.full_name}` }, ...['ADMIN', 'AGENT', 'EMPLOYEE'].map((x) => h('option', { value: x, selected: x === u.role }, x)));
        const change = async (body, done) => {
          try { await api('PATCH', `/users/${u.id}`, body); flash(done); await run(); } catch (err) { flash(err.message, 'error'); }
        };
        roleSel.addEventListener('change', () => change({ role: roleSel.value }, `${u.full_name} is now ${roleSel.value}.`));
        return h('tr', {}, h('td', {}, u.full_name), h('td', { class: 'hide-sm' }, u.email), h('td', {}, roleSel), h('td', {}, u.is_active ? 'Active' : 'Deactivated'),
          h('td', {}, h('div', { class: 'actions' },
            h('button', { type: 'button', class: u.is_active ? 'danger' : '', onclick: () => change({ is_active: !u.is_active }, `${u.full_name} is ${u.is_active ? 'deactivated' : 'active again'}.`) }, u.is_active ? 'Deactivate' : 'Activate'),
            h('button', { type: 'button', onclick: async () => {
              try { showKey(u.full_name, (await api('POST', `/users/${u.id}/api-key/rotate`)).data.api_key); } catch (err) { flash(err.message, 'error'); }
            } }, 'Rotate key'))));
      })))).catch((e) => results.replaceChildren(errorBox(e)));
  };
  const email = h('input', { type: 'email', required: true });
  const fullName = h('input', { required: true, maxlength: 200 });
  const newRole = h('select', {}, ...['EMPLOYEE', 'AGENT', 'ADMIN'].map((x) => h('option', { value: x }, x)));
  const create = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const { data } = await api('POST', '/users', { email: email.value, full_name: fullName.value, role: newRole.value });
      showKey(data.full_name, data.api_key);
      email.value = ''; fullName.value = '';
      await run();
    } catch (err) { create.querySelector('.error')?.remove(); create.append(errorBox(err)); }
  } }, h('h2', {}, 'Create a user'), field('Email', email), field('Full name', fullName), field('Role', newRole), h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Create user')));
  const filters = h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); run(); } }, field('Role', role), field('Status', active), field('Search', q), h('div', {}, h('button', { type: 'submit' }, 'Apply')));
  main.replaceChildren(h('h1', {}, 'Users'), newKey, create, filters, results);
  await run();
}

// ---- admin: audit log
async function viewAudit() {
  const entity = h('select', {}, h('option', { value: '' }, 'Any'), ...['request', 'user', 'comment', 'webhook'].map((x) => h('option', { value: x }, x)));
  const action = h('input', { placeholder: 'e.g. request.status_changed' });
  const since = h('input', { type: 'datetime-local' });
  const results = h('div');
  const run = () => {
    const params = new URLSearchParams();
    if (entity.value) params.set('entity_type', entity.value);
    if (action.value.trim()) params.set('action', action.value.trim());
    if (since.value) params.set('since', new Date(since.value).toISOString());
    return pagedList(results, `/audit-logs${params.size ? `?${params}` : ''}`, (items) => h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Who'), h('th', {}, 'Action'), h('th', { class: 'hide-sm' }, 'Changes'))),
      h('tbody', {}, items.map((e) => h('tr', {}, h('td', {}, when(e.created_at)), h('td', {}, e.actor?.full_name || '—'), h('td', {}, `${e.action} (${e.entity_type})`),
        h('td', { class: 'hide-sm meta' }, Object.entries(e.changes).map(([k, [a, b]]) => `${k}: ${a ?? '∅'} → ${b ?? '∅'}`).join('; ')))))))
      .catch((e) => results.replaceChildren(errorBox(e)));
  };
  main.replaceChildren(h('h1', {}, 'Audit log'), h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); run(); } },
    field('Entity', entity), field('Action', action), field('Since', since), h('div', {}, h('button', { type: 'submit' }, 'Apply'))), results);
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
  const run = () => pagedList(results, '/webhooks', (items) => items.length ? h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Endpoint'), h('th', { class: 'hide-sm' }, 'Events'), h('th', {}, 'Status'), h('th', {}, 'Actions'))),
    h('tbody', {}, items.map((w) => h('tr', {},
      h('td', { class: 'url' }, h('a', { href: `#/webhook/${w.id}` }, w.url), w.description ? h('div', { class: 'meta' }, w.description) : ''),
      h('td', { class: 'hide-sm meta' }, w.events.join(', '), w.team_id ? ` (team ${w.team_id})` : ''),
      h('td', {}, w.is_active ? 'Active' : 'Disabled', w.disabled_reason ? h('div', { class: 'meta' }, w.disabled_reason) : ''),
      h('td', {}, h('div', { class: 'actions' },
        h('button', { type: 'button', class: w.is_active ? 'danger' : '', onclick: () => act(() => api('PATCH', `/webhooks/${w.id}`, { is_active: !w.is_active }), `${w.url} is ${w.is_active ? 'disabled' : 'enabled'}.`) }, w.is_active ? 'Disable' : 'Enable'),
        h('button', { type: 'button', onclick: () => act(() => api('POST', `/webhooks/${w.id}/ping`), `A ping is on its way to ${w.url}.`) }, 'Ping'),
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
  const run = () => pagedList(results, `/webhooks/${w.id}/deliveries${status.value ? `?status=${status.value}` : ''}`, (items) => items.length ? h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Event'), h('th', {}, 'Status'), h('th', { class: 'hide-sm' }, 'Last attempt'), h('th', {}, 'Attempts'), h('th', {}, ''))),
    h('tbody', {}, items.map((d) => h('tr', {},
      h('td', {}, d.event_type, h('div', { class: 'meta' }, when(d.created_at))),
      h('td', {}, d.status, d.next_attempt_at ? h('div', { class: 'meta' }, `next ${when(d.next_attempt_at)}`) : ''),
      h('td', { class: 'hide-sm meta' }, d.last_attempt ? `${d.last_attempt.response_status ?? 'no answer'}${d.last_attempt.error ? ` · ${d.last_attempt.error}` : ''}` : '—'),
      h('td', {}, attempts(d)),
      h('td', {}, h('button', { type: 'button', onclick: async () => {
        try { await api('POST', `/webhooks/${w.id}/deliveries/${d.id}/redeliver`); flash(`${d.event_type} will be delivered again now.`); await run(); } catch (err) { flash(err.message, 'error'); }
      } }, 'Redeliver')))))) : h('p', { class: 'meta' }, 'No deliveries.')).catch((e) => results.replaceChildren(errorBox(e)));
  main.replaceChildren(h('p', {}, h('a', { href: '#/webhooks' }, '← Back to webhooks')), h('h1', { class: 'url' }, `Deliveries to ${w.url}`),
    h('p', { class: 'meta' }, `${w.is_active ? 'Active' : `Disabled${w.disabled_reason ? `: ${w.disabled_reason}` : ''}`} · ${w.events.join(', ')} · secret …${w.secret_last4}`),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); run(); } }, field('Status', status), h('div', {}, h('button', { type: 'submit' }, 'Apply'))), results);
  await run();
}

// ---- start
(async () => {
  if (state.key) {
    try { state.me = (await api('GET', '/users/me')).data; } catch { sessionStorage.removeItem('sf-key'); state.key = null; }
  }
  showWho();
  render();
})();
