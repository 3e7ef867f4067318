// The input of every webhook operation, as valibot schemas and their inferred types.
import * as v from 'valibot';
import { EVENT_TYPES } from '../events.ts';
import { longText, PAGE_FIELDS, uuid } from '../validation.ts';

/** http or https, at most 2 000 characters, no user name or password (they would show in every listing). */
const url = () =>
  v.pipe(
    v.string('must be a string'),
    v.trim(),
    v.check((s) => s.length >= 1 && s.length <= 2000, 'must be 1..2000 characters'),
    v.check((s) => URL.canParse(s), 'must be an absolute URL'),
    v.check((s) => /^https?:$/.test(new URL(s).protocol), 'must be an http or https URL'),
    v.check((s) => !new URL(s).username && !new URL(s).password, 'must not carry a user name or password'),
    v.check((s) => new URL(s).hostname !== '', 'must name a host'),
    v.transform((s) => new URL(s).href),
  );

const events = () =>
  v.pipe(
    v.array(v.picklist(['*', ...EVENT_TYPES], `must list event types of the catalogue (${EVENT_TYPES.join(', ')}) or "*"`), 'must be an array of event types'),
    v.check((list) => list.length >= 1 && list.length <= EVENT_TYPES.length, 'must list at least one event type'),
    v.check((list) => !list.includes('*') || list.length === 1, '"*" (every type) stands alone'),
    v.check((list) => new Set(list).size === list.length, 'must not repeat a type'),
  );

const description = () => longText(0, 500);

export const CreateWebhookSchema = v.strictObject({
  url: url(),
  description: v.optional(description(), ''),
  events: events(),
  team_id: v.optional(v.nullable(uuid('must be a team id (UUID) or null')), null),
});
export type CreateWebhookInput = v.InferOutput<typeof CreateWebhookSchema>;

export const UpdateWebhookSchema = v.strictObject({
  url: v.optional(url()),
  description: v.optional(description()),
  events: v.optional(events()),
  team_id: v.optional(v.nullable(uuid('must be a team id (UUID) or null'))),
  is_active: v.optional(v.boolean('must be true or false')),
});
export type UpdateWebhookInput = v.InferOutput<typeof UpdateWebhookSchema>;

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const ListDeliveriesQuery = v.strictObject({
  status: v.optional(v.picklist(DELIVERY_STATUSES, 'must be pending, succeeded or failed')),
  ...PAGE_FIELDS,
});
export type ListDeliveriesInput = v.InferOutput<typeof ListDeliveriesQuery>;
