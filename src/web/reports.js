// The dashboard (GET /reports/summary) and the CSV download (GET /requests.csv), as a
// module of the console: app.js hands over its DOM and API helpers. Charts are inline SVG
// drawn from the figures, each with a table of the same numbers one toggle away.

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

const day = (d) => d.toISOString().slice(0, 10);

/**
 * A bar chart of series over labels: grouped bars, a legend, and the numbers as a table
 * behind a toggle (the chart's text alternative). `series`: [{ name, cls, values }].
 */
function barChart(ui, title, labels, series) {
  const { h } = ui;
  const max = Math.max(1, ...series.flatMap((x) => x.values));
  const W = 640; const H = 220; const pad = 28;
  const groupW = (W - pad * 2) / Math.max(1, labels.length);
  const barW = Math.max(2, (groupW * 0.8) / series.length);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${title}: chart; the table below has the numbers`, class: 'chart' },
    s('title', {}, title),
    s('line', { x1: pad, y1: H - pad, x2: W - pad, y2: H - pad, class: 'axis' }),
    s('text', { x: 2, y: 12, class: 'tick' }, String(max)));
  labels.forEach((label, i) => {
    series.forEach((ser, j) => {
      const v = ser.values[i];
      const bh = ((H - pad * 2) * v) / max;
      const x = pad + i * groupW + groupW * 0.1 + j * barW;
      svg.append(s('rect', { x, y: H - pad - bh, width: barW - 1, height: bh, class: `bar ${ser.cls}` }, s('title', {}, `${label} · ${ser.name}: ${v}`)));
    });
    if (labels.length <= 16 || i % Math.ceil(labels.length / 8) === 0) {
      svg.append(s('text', { x: pad + i * groupW + groupW / 2, y: H - 8, 'text-anchor': 'middle', class: 'tick' }, label));
    }
  });
  const table = h('table', { hidden: true }, h('caption', {}, title),
    h('thead', {}, h('tr', {}, h('th', {}, ''), ...series.map((x) => h('th', {}, x.name)))),
    h('tbody', {}, labels.map((label, i) => h('tr', {}, h('th', {}, label), ...series.map((x) => h('td', {}, String(x.values[i])))))));
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false', onclick: () => {
    table.hidden = !table.hidden;
    toggle.setAttribute('aria-expanded', String(!table.hidden));
    toggle.textContent = table.hidden ? 'Show the numbers' : 'Hide the numbers';
  } }, 'Show the numbers');
  const legend = h('p', { class: 'legend' }, ...series.map((x) => h('span', { class: `key ${x.cls}` }, x.name)));
  return h('section', { class: 'card report' }, h('h2', {}, title), legend, svg, h('div', { class: 'actions' }, toggle), table);
}

/** Fetches the CSV of these list filters with the key and saves it. */
export async function downloadCsv(ui, params) {
  const res = await fetch(`/requests.csv${params.size ? `?${params}` : ''}`, { headers: { 'X-API-Key': ui.state.key || '' } });
  if (!res.ok) throw new Error((await res.json().catch(() => null))?.detail || `HTTP ${res.status}`);
  const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '')?.[1] || 'requests.csv';
  const url = URL.createObjectURL(await res.blob());
  const a = ui.h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A "Download CSV" button for a list's filters (URLSearchParams, or a function giving them). */
export function csvButton(ui, params) {
  return ui.h('button', { type: 'button', onclick: () => downloadCsv(ui, typeof params === 'function' ? params() : params).catch((e) => ui.flash(e.message, 'error')) }, 'Download CSV');
}

const minutes = (m) => (m === null || m === undefined ? '—' : m < 120 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`);

/** #/reports — agents and admins. */
export async function viewReports(ui) {
  const { h, api, field, main, errorBox } = ui;
  const now = new Date();
  const from = h('input', { type: 'date', value: day(new Date(now.getTime() - 30 * 86_400_000)), required: true });
  const to = h('input', { type: 'date', value: day(new Date(now.getTime() + 86_400_000)), required: true });
  const team = h('select', {}, h('option', { value: '' }, 'All I may see'), h('option', { value: 'none' }, 'General pool'));
  try {
    const { data } = await api('GET', '/teams?limit=100');
    for (const t of data.items) team.append(h('option', { value: t.id }, t.name));
  } catch { /* teams are optional here */ }
  const out = h('div', { 'aria-live': 'polite' });
  const params = () => {
    const p = new URLSearchParams({ from: from.value, to: to.value });
    if (team.value) p.set('team_id', team.value);
    return p;
  };
  const csvParams = () => {
    const p = new URLSearchParams({ created_after: from.value, created_before: to.value });
    if (team.value) p.set('team_id', team.value);
    return p;
  };
  async function run() {
    out.replaceChildren(h('p', { class: 'meta' }, 'Loading…'));
    try {
      const { data: r } = await api('GET', `/reports/summary?${params()}`);
      const figure = (label, value) => h('div', { class: 'figure' }, h('strong', {}, String(value)), h('span', { class: 'meta' }, label));
      out.replaceChildren(
        h('div', { class: 'figures' },
          figure('created', r.created), figure('resolved', r.resolved), figure('canceled', r.canceled),
          figure('open: new', r.open.NEW), figure('open: in progress', r.open.IN_PROGRESS)),
        barChart(ui, 'Created and resolved per day', r.by_day.map((d) => d.date.slice(5)), [
          { name: 'created', cls: 's1', values: r.by_day.map((d) => d.created) },
          { name: 'resolved', cls: 's2', values: r.by_day.map((d) => d.resolved) }]),
        barChart(ui, 'By team', r.by_team.map((t) => t.name ?? 'General pool'), [
          { name: 'created', cls: 's1', values: r.by_team.map((t) => t.created) },
          { name: 'resolved', cls: 's2', values: r.by_team.map((t) => t.resolved) },
          { name: 'open now', cls: 's3', values: r.by_team.map((t) => t.open) }]),
        barChart(ui, 'Created by priority', ['LOW', 'NORMAL', 'HIGH', 'URGENT'], [
          { name: 'created', cls: 's1', values: ['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((p) => r.by_priority[p]) }]),
        h('section', { class: 'card report' }, h('h2', {}, 'Response and resolution times'),
          h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'median'), h('th', {}, '90th percentile'), h('th', {}, 'within SLA'))),
            h('tbody', {}, [['First response', r.first_response], ['Resolution', r.resolution]].map(([name, m]) =>
              h('tr', {}, h('th', {}, name), h('td', {}, minutes(m.median_minutes)), h('td', {}, minutes(m.p90_minutes)),
                h('td', {}, m.sla_met_percent === null ? '—' : `${m.sla_met_percent}%`)))))),
        barChart(ui, 'Agent workload', r.agents.map((a) => a.full_name), [
          { name: 'open now', cls: 's3', values: r.agents.map((a) => a.open) },
          { name: 'resolved', cls: 's2', values: r.agents.map((a) => a.resolved) }]));
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  }
  const form = h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); run(); } },
    field('From', from), field('To (not included)', to), field('Team', team),
    h('div', {}, h('button', { type: 'submit' }, 'Apply')), h('div', {}, csvButton(ui, csvParams)));
  main.replaceChildren(h('h1', {}, 'Dashboard'), form, out);
  await run();
}
