// A request's history in words, with names instead of ids: "Alan Agent took it",
// "Ada Admin changed priority HIGH → URGENT". Ids resolve through what the page knows (the
// request, the history's own actors, comment authors, an admin's list of staff); anyone
// else is "someone".
import { h, when } from './core.js';

const quoted = (s) => `“${s}”`;

/** One audit entry of a request as a sentence. `names`, `teams`: Map id → name. */
export function sentence(e, names, teams) {
  const who = e.actor?.full_name || 'Someone';
  const actor = e.actor?.id;
  const ch = e.changes || {};
  const name = (id) => (id === actor ? 'themself' : names.get(id) || 'someone');
  const team = (id) => (id === null ? 'the general pool' : teams.get(id) || 'another team');
  switch (e.action) {
    case 'request.created': {
      const into = ch.team_id?.[1] ? ` for ${team(ch.team_id[1])}` : '';
      const priority = ch.priority && ch.priority[1] !== 'NORMAL' ? ` with priority ${ch.priority[1]}` : '';
      return `${who} filed it${into}${priority}`;
    }
    case 'request.status_changed': {
      const to = ch.status?.[1];
      const assignee = ch.assignee_id?.[1];
      if (to === 'IN_PROGRESS') {
        if (!ch.assignee_id) return `${who} started work on it`;
        return assignee === actor ? `${who} took it` : `${who} started it and assigned it to ${name(assignee)}`;
      }
      if (to === 'DONE') return `${who} marked it done`;
      if (to === 'CANCELED') return `${who} canceled it`;
      return `${who} moved it to ${String(to).replace('_', ' ')}`;
    }
    case 'request.assigned': {
      const [from, to] = ch.assignee_id || [];
      if (to === actor) return `${who} took it`;
      if (to === null || to === undefined) return from === actor ? `${who} let go of it` : `${who} unassigned ${name(from)}`;
      return `${who} assigned it to ${name(to)}`;
    }
    case 'request.updated': {
      const parts = [];
      if (ch.title) parts.push(`the title ${quoted(ch.title[0])} → ${quoted(ch.title[1])}`);
      if (ch.priority) parts.push(`priority ${ch.priority[0]} → ${ch.priority[1]}`);
      if (ch.description) parts.push('the description');
      return `${who} changed ${parts.join(', ') || 'nothing'}`;
    }
    case 'request.team_changed': {
      const moved = ch.team_id ? `${who} moved it from ${team(ch.team_id[0])} to ${team(ch.team_id[1])}` : `${who} kept it in ${team(null)}`;
      if (!ch.assignee_id) return moved;
      const [from, to] = ch.assignee_id;
      return to === null ? `${moved}; ${names.get(from) || 'the assignee'} is no longer assigned` : `${moved} and assigned it to ${name(to)}`;
    }
    case 'comment.added':
      return ch.internal?.[1] ? `${who} wrote an internal note` : `${who} commented`;
    case 'attachment.added':
      return `${who} attached ${ch.filename?.[1] ? quoted(ch.filename[1]) : 'a file'}${ch.internal?.[1] ? ' (internal)' : ''}`;
    default:
      return `${who}: ${e.action}`;
  }
}

/** The history as a list, oldest first; learns the actors' names as it goes. */
export function historyList(items, names, teams) {
  if (!items.length) return h('p', { class: 'meta' }, 'Nothing yet.');
  for (const e of items) if (e.actor) names.set(e.actor.id, e.actor.full_name);
  return h('ol', { class: 'history' }, items.map((e) => h('li', {}, h('span', {}, sentence(e, names, teams)), ' ', h('span', { class: 'meta' }, when(e.created_at)))));
}
