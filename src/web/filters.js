// List views' filters, kept in the URL hash (#/requests?status=NEW,IN_PROGRESS&priority=HIGH),
// so a view can be bookmarked and survives a reload; the counts per view; the sort orders
// this server knows (detected once); the teams and staff the filters offer.
import { api, field, h, isStaff, PRIORITIES, select, state, STATUSES, statusText } from './core.js';

// ---- the hash: #/name/arg?key=value
export function route() {
  const [path, query = ''] = location.hash.slice(1).split('?');
  const [name, ...rest] = path.replace(/^\//, '').split('/');
  return { name: name || 'requests', args: rest.map(decodeURIComponent), params: new URLSearchParams(query) };
}
/** Rewrites the hash's parameters without a new render or a history entry. */
export function writeParams(params) {
  const path = location.hash.slice(1).split('?')[0] || '/requests';
  const qs = params.toString().replace(/%2C/gi, ',');
  history.replaceState(null, '', `#${path}${qs ? `?${qs}` : ''}`);
}

// ---- sort orders: GET /requests answers 400 for a sort it does not know
export const SORTS = [['-created', 'Newest first'], ['created', 'Oldest first'], ['-priority', 'Priority, urgent first'], ['due', 'Due time (SLA)']];
let sortProbe = null;
/** The sort values this server accepts, asked once per page load (one tiny list call each). */
export function supportedSorts() {
  sortProbe ||= Promise.all(SORTS.slice(1).map(([s]) => api('GET', `/requests?sort=${s}&limit=1`).then(() => s, () => null)))
    .then((ok) => new Set(['-created', ...ok.filter(Boolean)]));
  return sortProbe;
}

// ---- counts per view (GET /requests/counts), refreshed on live events
let counts = null;
export const getCounts = () => counts;
export async function loadCounts() {
  try { counts = (await api('GET', '/requests/counts')).data; } catch { counts = null; }
  return counts;
}
/** The queue of a team tab: a team id, "mine" (all my teams), "none" (the general pool), or everything. */
export function queueCount(c, team) {
  if (!c) return null;
  const rows = c.teams;
  if (!team) return c.queue;
  if (team === 'none') return rows.find((r) => r.team === null)?.queue ?? 0;
  const mine = new Set((state.me.teams || []).map((t) => t.id));
  return rows.filter((r) => r.team && (team === 'mine' ? mine.has(r.team.id) : r.team.id === team)).reduce((n, r) => n + r.queue, 0);
}
export const countBadge = (n) => (n === null || n === undefined ? '' : h('span', { class: 'count' }, String(n)));

// ---- teams and staff, fetched once per sign-in (team.* events clear the teams)
let teams = null;
let staff = null;
export function forgetTeams() { teams = null; }
export function forgetDirectory() { teams = null; staff = null; }
export async function listTeams() {
  teams ||= api('GET', '/teams?limit=100').then((r) => r.data.items, () => []);
  return teams;
}
/** Active agents and admins, for an ADMIN's assignee choices (GET /users is theirs alone). */
export async function listStaff() {
  if (state.me?.role !== 'ADMIN') return [];
  staff ||= Promise.all(['AGENT', 'ADMIN'].map((role) => api('GET', `/users?role=${role}&is_active=true&limit=100`).then((r) => r.data.items, () => [])))
    .then(([a, b]) => [...a, ...b].sort((x, y) => x.full_name.localeCompare(y.full_name)));
  return staff;
}

// ---- the filter controls
export const OPEN = 'NEW,IN_PROGRESS';

/**
 * The filter form of a list view. `params` are the hash's; `defaults` apply while the hash
 * does not name a filter (My work: open requests). `onChange(apiQuery)` runs on every change.
 * Returns { form, query() } where query() is the API's query string for the current values.
 */
export async function filterForm({ params, defaults = {}, show, onChange }) {
  const [sorts, teamList, people] = await Promise.all([supportedSorts(), show.includes('team') ? listTeams() : [], show.includes('assignee') ? listStaff() : []]);
  const value = (k) => (params.has(k) ? params.get(k) : defaults[k] ?? '');
  const controls = [];

  const statuses = new Set(value('status').split(',').filter((s) => STATUSES.includes(s)));
  const boxes = STATUSES.map((s) => h('input', { type: 'checkbox', value: s, checked: statuses.has(s) }));
  if (show.includes('status')) {
    controls.push(h('fieldset', { class: 'statuses' }, h('legend', {}, 'Status'),
      boxes.map((b) => h('label', { class: 'check' }, b, statusText(b.value)))));
  }
  const priority = select([['', 'Any'], ...PRIORITIES.map((p) => [p, p])], value('priority'));
  if (show.includes('priority')) controls.push(field('Priority', priority));

  const assigneeOptions = [['', 'Anyone'], ...(isStaff() ? [['me', 'Me']] : []), ['none', 'Nobody'], ...people.map((u) => [u.id, u.full_name])];
  const a = value('assignee_id');
  if (a && !assigneeOptions.some(([v]) => v === a)) assigneeOptions.push([a, 'The person in the link']);
  const assignee = select(assigneeOptions, a);
  if (show.includes('assignee') && isStaff()) controls.push(field('Assignee', assignee));

  const t = value('team_id');
  const teamOptions = [['', 'Any team'], ...(state.me.role === 'AGENT' ? [['mine', 'All my teams']] : []), ['none', 'General pool'], ...teamList.map((x) => [x.id, x.name])];
  if (t && !teamOptions.some(([v]) => v === t)) teamOptions.push([t, 'The team in the link']);
  const team = select(teamOptions, t);
  if (show.includes('team') && isStaff()) controls.push(field('Team', team));

  const sortOptions = SORTS.filter(([s]) => sorts.has(s));
  const sort = select(sortOptions, sorts.has(value('sort')) ? value('sort') : '-created');
  if (show.includes('sort') && sortOptions.length > 1) controls.push(field('Sort', sort));

  const q = h('input', { type: 'search', value: value('q'), placeholder: 'Words in title or description', 'aria-keyshortcuts': '/' });
  if (show.includes('q')) controls.push(field('Search', q));

  /** The values of the shown filters (the hash keeps what differs from the defaults; the API gets every filter that is on). */
  function current() {
    const all = {
      status: () => boxes.filter((b) => b.checked).map((b) => b.value).join(','), priority: () => priority.value,
      assignee_id: () => assignee.value, team_id: () => team.value,
      sort: () => (sort.value === '-created' || !sorts.has(sort.value) ? '' : sort.value), q: () => q.value.trim(),
    };
    const shown = (k) => show.includes(k === 'assignee_id' ? 'assignee' : k === 'team_id' ? 'team' : k) && (isStaff() || !['assignee_id', 'team_id'].includes(k));
    return Object.fromEntries(Object.entries(all).filter(([k]) => shown(k)).map(([k, f]) => [k, f()]));
  }
  function apply() {
    const c = current();
    const hash = new URLSearchParams([...params].filter(([k]) => !(k in c)));
    const apiQuery = new URLSearchParams();
    for (const [k, v] of Object.entries(c)) {
      if (v !== (defaults[k] ?? '')) hash.set(k, v);
      if (v) apiQuery.set(k, v);
    }
    writeParams(hash);
    onChange(apiQuery);
  }
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filters', onsubmit: (e) => { e.preventDefault(); apply(); } },
    controls, show.includes('q') ? h('div', { class: 'apply' }, h('button', { type: 'submit' }, 'Apply')) : '');
  form.addEventListener('change', (e) => { if (e.target !== q) apply(); });
  const initial = new URLSearchParams(Object.entries(current()).filter(([, v]) => v));
  return { form, query: () => initial };
}
