// The request page's editing parts: the edit form (title, description, priority) and the
// assignee-and-team card. viewRequest (app.js) owns the request, its ETag and the way a
// change is sent; these read the request through `page.now()` and ask through it.
import { api, ApiError, field, flash, h, PRIORITIES, select, showError, state } from './core.js';

export const TERMINAL = ['DONE', 'CANCELED'];
/** Who may edit (API: the creator while NEW, the assignee AGENT, ADMIN); the API has the last word. */
const mayEdit = (r) => !TERMINAL.includes(r.status) && (state.me.role === 'ADMIN'
  || (state.me.role === 'AGENT' ? r.assignee?.id === state.me.id : r.created_by.id === state.me.id && r.status === 'NEW'));

/**
 * The Edit button, and the form it opens. The form keeps the user's text through live
 * updates; a save that loses a race (412) keeps what the user changed, takes the other
 * person's values for the rest, and asks to save again.
 * page: { now: () => ({ r, etag }), refresh: () => Promise<void>, ownChange(answer) } (the saved request, whose event this page then ignores)
 */
export function editor(page) {
  const el = h('div');
  let editing = null;
  const paint = () => {
    if (!editing) el.replaceChildren(mayEdit(page.now().r) ? h('div', { class: 'actions' }, h('button', { type: 'button', onclick: open }, 'Edit title, description or priority')) : '');
  };
  function open() {
    const { r, etag } = page.now();
    editing = { etag, title: r.title, description: r.description, priority: r.priority };
    const title = h('input', { required: true, maxlength: 200, value: r.title });
    const description = h('textarea', { maxlength: 10000 }, r.description);
    const priority = select(PRIORITIES.map((p) => [p, p]), r.priority);
    const close = () => { editing = null; paint(); };
    const form = h('form', { class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      const body = {};
      if (title.value !== editing.title) body.title = title.value;
      if (description.value !== editing.description) body.description = description.value;
      if (priority.value !== editing.priority) body.priority = priority.value;
      if (!Object.keys(body).length) return close();
      try {
        page.ownChange((await api('PATCH', `/requests/${r.public_id}`, body, { 'If-Match': editing.etag })).data);
        flash(`Saved ${r.public_id}.`);
        editing = null;
        await page.refresh();
      } catch (err) {
        if (err.status !== 412) return showError(form, err);
        await page.refresh();
        const now = page.now();
        for (const [k, input] of Object.entries({ title, description, priority })) if (input.value === editing[k]) input.value = now.r[k];
        Object.assign(editing, { etag: now.etag, title: now.r.title, description: now.r.description, priority: now.r.priority });
        showError(form, new ApiError(412, { detail: `Someone else changed ${r.public_id} while you were editing. Your text is kept here; check the request above, then save again.` }));
      }
    } }, h('h2', {}, 'Edit'), field('Title', title), field('Description', description), field('Priority', priority),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save changes'), h('button', { type: 'button', onclick: close }, 'Cancel editing')));
    el.replaceChildren(form);
    title.focus();
  }
  return { el, paint };
}

/**
 * Assignee and team: an ADMIN picks anyone eligible (the team's members and admins); an
 * AGENT assigns themself or lets go; staff move the request to another team. A choice the
 * user has started but not sent survives repaints.
 * page: { now: () => r, change(method, path, body, done), teams, people }
 */
export function assigneeCard(page) {
  const el = h('div', { class: 'card manage' });
  let dirty = false;
  let paints = 0;
  el.addEventListener('change', () => { dirty = true; });
  const send = (path, body, done) => page.change('PATCH', path, body, done);

  async function draw() {
    const mine = ++paints;
    const r = page.now();
    if (state.me.role === 'EMPLOYEE' || TERMINAL.includes(r.status)) { el.hidden = true; return; }
    const parts = [h('h2', {}, 'Assignee and team')];
    const me = state.me.id;
    if (state.me.role === 'ADMIN') {
      let eligible = page.people;
      if (r.team) {
        const members = await api('GET', `/teams/${r.team.id}/members?limit=100`).then((x) => x.data.items.map((u) => u.id), () => null);
        if (members) eligible = page.people.filter((u) => u.role === 'ADMIN' || members.includes(u.id));
      }
      const options = [['', 'Nobody'], ...eligible.map((u) => [u.id, u.full_name])];
      if (r.assignee && !options.some(([id]) => id === r.assignee.id)) options.push([r.assignee.id, r.assignee.full_name]);
      const who = select(options, r.assignee?.id || '');
      parts.push(h('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        const label = who.selectedOptions[0].textContent;
        send(`/requests/${r.public_id}/assignee`, { assignee_id: who.value || null }, who.value ? `${r.public_id} is assigned to ${label}.` : `${r.public_id} is unassigned.`);
      } }, field('Assign to', who), h('button', { type: 'submit' }, 'Assign')));
    } else {
      const row = h('div', { class: 'actions' });
      if (!r.assignee) row.append(h('button', { type: 'button', onclick: () => send(`/requests/${r.public_id}/assignee`, { assignee_id: me }, `${r.public_id} is yours now.`) }, 'Assign to me'));
      if (r.assignee?.id === me && r.status === 'NEW') row.append(h('button', { type: 'button', onclick: () => send(`/requests/${r.public_id}/assignee`, { assignee_id: null }, `You let go of ${r.public_id}.`) }, 'Let go'));
      if (row.childElementCount) parts.push(row);
    }
    const active = page.teams.filter((t) => t.is_active || t.id === r.team?.id);
    if (active.length) {
      const to = select([['', 'General pool'], ...active.map((t) => [t.id, t.name])], r.team?.id || '');
      parts.push(h('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        send(`/requests/${r.public_id}/team`, { team_id: to.value || null }, `${r.public_id} moved to ${to.selectedOptions[0].textContent}.`);
      } }, field('Move to team', to), h('button', { type: 'submit' }, 'Move')));
    }
    if (mine !== paints || dirty) return; // the user started a choice meanwhile, or a newer paint runs
    el.replaceChildren(...parts);
    el.hidden = parts.length === 1; // nothing this person may change here
  }
  return { el, paint: () => { if (!dirty) draw(); }, settle: () => { dirty = false; } };
}
