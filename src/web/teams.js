// Admin pages for teams (#/teams, #/teams/<id>): create, rename, deactivate, add and remove
// members. Every change asks the API and shows its answer; deactivating asks first.
import { api, confirmDialog, errorBox, field, flash, flashNext, h, pagedList, root, showError } from './core.js';
import { forgetDirectory, listStaff } from './filters.js';

const cards = (table) => { table.classList.add('cards'); return table; };

export async function viewTeams() {
  const main = root();
  const name = h('input', { required: true, maxlength: 100 });
  const description = h('textarea', { maxlength: 2000 });
  const results = h('div');
  const run = () => pagedList(results, '/teams', (items) => (items.length ? cards(h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Team'), h('th', {}, 'Description'), h('th', {}, 'Members'), h('th', {}, 'Status'))),
    h('tbody', {}, items.map((t) => h('tr', {},
      h('td', { 'data-label': 'Team' }, h('a', { href: `#/teams/${t.id}` }, t.name)),
      h('td', { 'data-label': 'Description', class: 'prose' }, t.description || '—'),
      h('td', { 'data-label': 'Members' }, String(t.members_count)),
      h('td', { 'data-label': 'Status' }, t.is_active ? 'Active' : 'Deactivated')))))) : h('p', { class: 'meta' }, 'No teams yet: every request is in the general pool.')))
    .catch((e) => results.replaceChildren(errorBox(e)));
  const create = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const { data } = await api('POST', '/teams', { name: name.value, description: description.value });
      forgetDirectory();
      flashNext(`Team ${data.name} created. Add its agents below.`);
      location.hash = `#/teams/${data.id}`;
    } catch (err) { showError(create, err); }
  } }, h('h2', {}, 'Create a team'), field('Name', name), field('Description', description),
  h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Create team')));
  main.replaceChildren(h('h1', {}, 'Teams'), results, create);
  await run();
}

export async function viewTeam(id) {
  const main = root();
  const { data: team } = await api('GET', `/teams/${encodeURIComponent(id)}`);
  const name = h('input', { required: true, maxlength: 100, value: team.name });
  const description = h('textarea', { maxlength: 2000 }, team.description);
  const save = async (body, done) => {
    try {
      await api('PATCH', `/teams/${team.id}`, body);
      forgetDirectory();
      flash(done);
      await viewTeam(team.id);
    } catch (err) { flash(err.message, 'error'); }
  };
  const edit = h('form', { class: 'card', onsubmit: (e) => { e.preventDefault(); save({ name: name.value, description: description.value }, `Saved ${name.value}.`); } },
    h('h2', {}, 'Name and description'), field('Team name', name), field('Team description', description),
    h('div', { class: 'actions' },
      h('button', { class: 'primary', type: 'submit' }, 'Save'),
      h('button', { type: 'button', class: team.is_active ? 'danger' : '', onclick: async () => {
        if (team.is_active && !(await confirmDialog({ title: `Deactivate ${team.name}?`, message: 'Nobody can file new requests into it; its requests stay as they are.', confirm: 'Deactivate', danger: true }))) return;
        save({ is_active: !team.is_active }, `${team.name} is ${team.is_active ? 'deactivated' : 'active again'}.`);
      } }, team.is_active ? 'Deactivate team' : 'Activate team')));

  const members = h('div');
  let shown = [];
  const candidates = h('select');
  const addForm = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    if (!candidates.value) return;
    const who = candidates.selectedOptions[0].dataset.name;
    try {
      await api('PUT', `/teams/${team.id}/members/${candidates.value}`);
      forgetDirectory();
      flash(`${who} is now in ${team.name}.`);
      await loadMembers();
    } catch (err) { showError(addForm, err); }
  } }, h('h2', {}, 'Add a member'), field('Agent', candidates), h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Add member')));

  async function loadMembers() {
    const list = await pagedList(members, `/teams/${team.id}/members`, (items) => (items.length ? cards(h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Member'), h('th', {}, 'Role'), h('th', {}, 'Actions'))),
      h('tbody', {}, items.map((u) => h('tr', {},
        h('td', { 'data-label': 'Member' }, u.full_name, h('div', { class: 'meta' }, u.email)),
        h('td', { 'data-label': 'Role' }, u.role),
        h('td', { 'data-label': 'Actions' }, h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!(await confirmDialog({ title: `Remove ${u.full_name} from ${team.name}?`, message: 'They stop seeing the team\'s requests.', confirm: 'Remove', danger: true }))) return;
          try {
            await api('DELETE', `/teams/${team.id}/members/${u.id}`);
            forgetDirectory();
            flash(`${u.full_name} left ${team.name}.`);
            await loadMembers();
          } catch (err) { flash(err.message, 'error'); }
        } }, `Remove ${u.full_name}`))))))) : h('p', { class: 'meta' }, 'No members yet.')));
    shown = list.rows().map((u) => u.id);
    const staff = (await listStaff()).filter((u) => !shown.includes(u.id));
    candidates.replaceChildren(...(staff.length ? staff.map((u) => h('option', { value: u.id, 'data-name': u.full_name }, `${u.full_name} (${u.role})`)) : [h('option', { value: '' }, 'Every active agent is a member')]));
  }

  main.replaceChildren(
    h('p', {}, h('a', { href: '#/teams' }, '← All teams')),
    h('h1', {}, team.name, team.is_active ? '' : h('span', { class: 'meta' }, ' (deactivated)')),
    edit, h('h2', {}, 'Members'), members, addForm);
  await loadMembers();
}
