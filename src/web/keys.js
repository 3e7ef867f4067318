// Keyboard shortcuts: / search, n new request, j / k next and previous request in a list,
// Enter opens it (the row's link has the focus), ? lists them. None fires while the user
// types in a field, nor with Ctrl, Alt or Meta held (the browser's own shortcuts).
import { h, state } from './core.js';

export const SHORTCUTS = [['/', 'Search the list'], ['n', 'New request'], ['j', 'Next request in the list'], ['k', 'Previous request in the list'], ['Enter', 'Open the selected request'], ['?', 'Show these shortcuts']];

const NOT_TEXT = new Set(['checkbox', 'radio', 'button', 'submit', 'reset']);
const typing = (el) => el instanceof HTMLElement && (el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName)
  // An open dialog only: right after Escape closes one, the focus stays on its button until
  // the next frame (the test of issue 19's keyboard saw a `/` land there and do nothing).
  || (el.tagName === 'INPUT' && !NOT_TEXT.has(el.type)) || el.closest('dialog[open]') !== null);
const rowLinks = () => [...document.querySelectorAll('#main table.requests tbody a.row-link')];

function move(step) {
  const links = rowLinks();
  if (!links.length) return;
  const at = links.indexOf(document.activeElement);
  const next = links[at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step))];
  for (const l of links) l.closest('tr').classList.toggle('selected', l === next);
  next.focus();
}

function showShortcuts() {
  if (document.querySelector('dialog.shortcuts')) return;
  const dialog = h('dialog', { class: 'shortcuts', 'aria-labelledby': 'shortcuts-title' },
    h('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'),
    h('dl', {}, SHORTCUTS.map(([k, what]) => [h('dt', {}, h('kbd', {}, k)), h('dd', {}, what)])),
    h('form', { method: 'dialog' }, h('button', { type: 'submit', class: 'primary' }, 'Close')));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function focusSearch() {
  const search = document.querySelector('#main input[type="search"]');
  if (search) { search.focus(); search.select(); return; }
  location.hash = '#/requests';
  // The list renders asynchronously: focus its search box once it exists.
  const wait = new MutationObserver(() => {
    const s = document.querySelector('#main input[type="search"]');
    if (s) { wait.disconnect(); s.focus(); }
  });
  wait.observe(document.getElementById('main'), { childList: true, subtree: true });
  setTimeout(() => wait.disconnect(), 5000);
}

export function installShortcuts() {
  document.addEventListener('keydown', (e) => {
    if (!state.me || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || typing(e.target)) return;
    const act = { '/': focusSearch, n: () => { location.hash = '#/new'; }, j: () => move(1), k: () => move(-1), '?': showShortcuts }[e.key];
    if (!act) return;
    e.preventDefault();
    act();
  });
}
