// The console's SLA pieces (API.md, "SLA"): a due time and a badge (on track, warning,
// breached) on every request, the "Due soon" queue for agents and admins, and the admin's
// policy page. app.js calls in through a few hooks and hands over its helpers once
// (init), so this module keeps no copy of them. The server decides every state but
// "warning" (due_at and warning_at are in the request; the browser's clock says which
// side of warning_at it is), so a badge is never more than a page load old.

let ui; // app.js: { h, api, field, flash, errorBox, pagedList, requestTable, main }
export function init(helpers) { ui = helpers; }

const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];
const PRIORITIES = ['URGENT', 'HIGH', 'NORMAL', 'LOW'];
const METRICS = [['first_response', 'First response'], ['resolution', 'Resolution']];
const LABELS = { 'on-track': 'On track', warning: 'Warning', breached: 'Breached', met: 'Met', missed: 'Missed', stopped: 'Stopped' };
const RUNNING = ['breached', 'warning', 'on-track']; // worst first
const short = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

/** One clock now: running (on-track, warning, breached) or ended (met, missed, stopped). */
function clockState(c, open) {
  if (c.met_at) return c.breached ? 'missed' : 'met';
  if (!open) return c.breached ? 'missed' : 'stopped';
  if (c.breached || Date.now() >= Date.parse(c.due_at)) return 'breached';
  return Date.now() >= Date.parse(c.warning_at) ? 'warning' : 'on-track';
}
const clocks = (r) => METRICS.map(([key, label]) => ({ key, label, ...r.sla[key], state: clockState(r.sla[key], r.status === 'NEW' || r.status === 'IN_PROGRESS') }));
const pill = (state, text = LABELS[state]) => ui.h('span', { class: `sla ${state}` }, text);

/** The list cell: the worst running clock and the earliest running due time; else how it ended. */
export function badge(r) {
  if (!r.sla) return ui.h('span', { class: 'meta', title: 'No SLA for this priority' }, '—');
  const all = clocks(r);
  const running = all.filter((c) => RUNNING.includes(c.state));
  if (!running.length) return pill(all.some((c) => c.state === 'missed') ? 'missed' : all[1].state);
  const worst = RUNNING.find((s) => running.some((c) => c.state === s));
  const next = running.reduce((a, b) => (Date.parse(a.due_at) <= Date.parse(b.due_at) ? a : b));
  return ui.h('span', { class: 'sla-cell' }, pill(worst), ui.h('span', { class: 'meta sla-due' }, `${next.label} due ${short(next.due_at)}`));
}

/** The request page: both clocks with their due and met times. */
export function panel(r) {
  if (!r.sla) return ui.h('p', { class: 'meta' }, 'No SLA: this priority has no target.');
  return ui.h('div', { class: 'sla-panel', role: 'group', 'aria-label': 'SLA' }, clocks(r).map((c) => ui.h('div', {},
    ui.h('strong', {}, c.label), ' ', pill(c.state),
    ui.h('span', { class: 'meta' }, ` due ${short(c.due_at)}${c.met_at ? ` · met ${short(c.met_at)}` : ''}`))));
}

/** Extra navigation: the due-soon queue for agents and admins, the policy for admins. */
export function links(role) {
  if (role === 'ADMIN') return [['due', 'Due soon'], ['sla-policy', 'SLA policy']];
  return role === 'AGENT' ? [['due', 'Due soon']] : [];
}

/** Open requests, the earliest running due time first; optionally only those in warning or breached. */
async function viewDueSoon() {
  const state = ui.h('select', {}, ui.h('option', { value: '' }, 'Any'), ui.h('option', { value: 'warning' }, 'Warning'), ui.h('option', { value: 'breached' }, 'Breached'));
  const results = ui.h('div', { 'aria-live': 'polite' });
  const run = () => ui.pagedList(results, `/requests?sort=due&status=NEW,IN_PROGRESS${state.value ? `&sla=${state.value}` : ''}`, ui.requestTable)
    .catch((e) => results.replaceChildren(ui.errorBox(e)));
  const form = ui.h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); run(); } },
    ui.field('SLA state', state), ui.h('div', {}, ui.h('button', { type: 'submit' }, 'Apply')));
  ui.main.replaceChildren(ui.h('h1', {}, 'Due soon'), ui.h('p', { class: 'meta' }, 'Open requests, the one whose SLA runs out first at the top.'), form, results);
  await run();
}

const hoursText = (ranges) => ranges.map(([a, b]) => `${a}-${b}`).join(', ');
const parseHours = (text) => text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => s.split(/\s*[-–]\s*/));
const minutesOrNull = (input) => (input.value.trim() === '' ? null : Number(input.value));

/** The admin's policy page: every field of PUT /sla-policy; the server validates. */
async function viewPolicy() {
  const { data: p } = await ui.api('GET', '/sla-policy');
  const zones = ui.h('datalist', { id: 'sla-zones' }, ...(Intl.supportedValuesOf?.('timeZone') ?? []).map((z) => ui.h('option', { value: z })));
  const timezone = ui.h('input', { value: p.timezone, list: 'sla-zones', required: true, autocomplete: 'off' });
  const hours = DAYS.map(([key, name]) => [key, ui.h('input', { value: hoursText(p.business_hours[key]), placeholder: 'Closed', 'aria-label': `${name} hours` }), name]);
  const holidays = ui.h('textarea', { placeholder: 'One date per line, e.g. 2026-12-25' });
  holidays.value = p.holidays.join('\n');
  const warning = ui.h('input', { type: 'number', min: 1, max: 99, value: p.warning_percent, required: true });
  const targets = PRIORITIES.map((k) => [k,
    ui.h('input', { type: 'number', min: 1, value: p.targets[k]?.first_response_minutes ?? '', 'aria-label': `${k} first response minutes` }),
    ui.h('input', { type: 'number', min: 1, value: p.targets[k]?.resolution_minutes ?? '', 'aria-label': `${k} resolution minutes` })]);
  const form = ui.h('form', { class: 'card sla-policy', onsubmit: async (e) => {
    e.preventDefault();
    form.querySelector('.error')?.remove();
    const body = {
      timezone: timezone.value.trim(),
      business_hours: Object.fromEntries(hours.map(([key, input]) => [key, parseHours(input.value)])),
      holidays: holidays.value.split(/[\s,]+/).filter(Boolean),
      targets: Object.fromEntries(targets.map(([k, fr, res]) => [k, minutesOrNull(fr) === null && minutesOrNull(res) === null ? null
        : { first_response_minutes: minutesOrNull(fr), resolution_minutes: minutesOrNull(res) }])),
      warning_percent: Number(warning.value),
    };
    try {
      await ui.api('PUT', '/sla-policy', body);
      await viewPolicy();
      ui.flash('Saved. The policy applies to requests filed from now on; filed requests keep theirs.');
    } catch (err) { form.append(ui.errorBox(err)); }
  } },
  ui.field('Time zone', timezone), zones,
  ui.h('fieldset', {}, ui.h('legend', {}, 'Business hours (e.g. 09:00-12:00, 13:00-17:00; empty: closed)'),
    ...hours.map(([, input, name]) => ui.h('div', { class: 'sla-row' }, ui.h('span', { 'aria-hidden': 'true' }, name), input))),
  ui.field('Holidays', holidays),
  ui.h('fieldset', {}, ui.h('legend', {}, 'Targets in business minutes (empty: no SLA for that priority)'),
    ui.h('table', {}, ui.h('thead', {}, ui.h('tr', {}, ui.h('th', {}, 'Priority'), ui.h('th', {}, 'First response'), ui.h('th', {}, 'Resolution'))),
      ui.h('tbody', {}, targets.map(([k, fr, res]) => ui.h('tr', {}, ui.h('th', { scope: 'row' }, k), ui.h('td', {}, fr), ui.h('td', {}, res)))))),
  ui.field('Warning at (% of the business time)', warning),
  ui.h('div', { class: 'actions' }, ui.h('button', { class: 'primary', type: 'submit' }, 'Save policy')));
  ui.main.replaceChildren(ui.h('h1', {}, 'SLA policy'), ui.h('p', { class: 'meta' }, 'Due times count business minutes in the time zone, skipping holidays.'), form);
}

/** Routes for app.js: #/due and #/sla-policy. */
export const views = { due: viewDueSoon, 'sla-policy': viewPolicy };
