// The notification one hearer gets of one event (src/telegram/audience.ts decides who).
import type { EventRow } from '../db/events.ts';
import type { Hearer } from './audience.ts';
import { cut, escapeHtml as e } from './html.ts';
import { type RequestDoc, said, type Said } from './messages.ts';

const STATUS: Record<string, string> = { NEW: 'NEW', IN_PROGRESS: 'IN PROGRESS', DONE: 'DONE', CANCELED: 'CANCELED' };
const METRIC: Record<string, string> = { first_response: 'first response', resolution: 'resolution' };
const FIELDS: Record<string, string> = { title: 'the title', description: 'the description', priority: 'the priority' };

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function notice(event: Pick<EventRow, 'type' | 'actor_name' | 'data'>, hearer: Hearer, publicUrl?: string): Said {
  const data = event.data as Record<string, any>;
  const r = data.request as RequestDoc;
  const who = e(event.actor_name ?? 'ServiceFlow');
  const changes = (data.changes ?? {}) as Record<string, [any, any]>;
  const you = hearer.actor.id;
  const reply = 'Reply to this message to comment.';
  switch (event.type) {
    case 'request.created':
      return said(`<b>New request</b> from ${who}`, r, hearer.actor, publicUrl);
    case 'request.team_changed':
      return hearer.why === 'worker'
        ? said(`<b>New for your team:</b> ${who} moved it to ${e(r.team?.name ?? 'the general pool')}`, r, hearer.actor, publicUrl)
        : said(`${who} moved it to ${r.team ? `team ${e(r.team.name)}` : 'the general pool'}`, r, hearer.actor, publicUrl);
    case 'request.status_changed': {
      const [from, to] = changes.status ?? [r.status, r.status];
      const taken = to === 'IN_PROGRESS' && r.assignee?.id === you ? ' — it is yours' : '';
      return said(`${who} moved it from ${STATUS[from]} to <b>${STATUS[to]}</b>${taken}`, r, hearer.actor, publicUrl);
    }
    case 'request.assigned': {
      const to = r.assignee?.id === you ? 'to <b>you</b>' : r.assignee ? `to ${e(r.assignee.full_name)}` : 'to nobody';
      return said(`${who} assigned it ${to}`, r, hearer.actor, publicUrl);
    }
    case 'request.updated': {
      const fields = Object.keys(changes).map((f) => FIELDS[f] ?? f).join(', ');
      return said(`${who} changed ${e(fields)}`, r, hearer.actor, publicUrl);
    }
    case 'comment.created': {
      const c = data.comment;
      const kind = c.internal ? 'wrote an internal note' : 'commented';
      return said(`<b>${e(c.author.full_name)}</b> ${kind}:\n${e(cut(c.body, 2500))}`, r, hearer.actor, publicUrl, reply);
    }
    case 'attachment.created': {
      const a = data.attachment;
      const internal = a.internal ? ' (internal)' : '';
      return said(`<b>${e(a.uploaded_by?.full_name ?? event.actor_name ?? 'Someone')}</b> attached ${e(cut(String(a.filename), 200))}${internal}`, r, hearer.actor, publicUrl, reply);
    }
    case 'sla.warning':
    case 'sla.breached': {
      const what = event.type === 'sla.warning' ? 'SLA warning' : 'SLA breached';
      return said(`<b>${what}:</b> ${METRIC[data.metric] ?? e(String(data.metric))} due ${e(when(String(data.due_at)))}`, r, hearer.actor, publicUrl);
    }
    default:
      throw new Error(`no notice for ${event.type}`);
  }
}
