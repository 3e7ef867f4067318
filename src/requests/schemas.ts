// The input of every request operation, as valibot schemas and their inferred types.
import * as v from 'valibot';
import { longText, PAGE_FIELDS, text, timestamp, uuid } from '../validation.ts';
import { PRIORITIES, STATUSES } from './lifecycle.ts';

const priority = v.picklist(PRIORITIES, 'must be one of LOW, NORMAL, HIGH, URGENT');

export const CreateRequestSchema = v.strictObject({
  title: text(1, 200),
  description: v.optional(longText(0, 10_000), ''),
  priority: v.optional(priority, 'NORMAL'),
  team_id: v.optional(v.nullable(uuid('must be a team id (UUID) or null')), null),
});
export type CreateRequestInput = v.InferOutput<typeof CreateRequestSchema>;

export const UpdateRequestSchema = v.strictObject({
  title: v.optional(text(1, 200)),
  description: v.optional(longText(0, 10_000)),
  priority: v.optional(priority),
});
export type UpdateRequestInput = v.InferOutput<typeof UpdateRequestSchema>;

export const ChangeStatusSchema = v.strictObject({
  status: v.picklist(STATUSES, 'must be one of NEW, IN_PROGRESS, DONE, CANCELED'),
  assignee_id: v.optional(v.nullable(uuid('must be a user id (UUID) or null'))),
  comment: v.optional(longText(1, 10_000)),
});
export type ChangeStatusInput = v.InferOutput<typeof ChangeStatusSchema>;

export const AssignSchema = v.strictObject({
  assignee_id: v.nullable(uuid('must be a user id (UUID) or null')),
});
export type AssignInput = v.InferOutput<typeof AssignSchema>;

export const ChangeTeamSchema = v.strictObject({
  team_id: v.nullable(uuid('must be a team id (UUID) or null')),
  assignee_id: v.optional(v.nullable(uuid('must be a user id (UUID) or null'))),
});
export type ChangeTeamInput = v.InferOutput<typeof ChangeTeamSchema>;

export const CommentSchema = v.strictObject({
  body: longText(1, 10_000),
  internal: v.optional(v.boolean('must be true or false'), false),
});
export type CommentInput = v.InferOutput<typeof CommentSchema>;

export const ListRequestsQuery = v.strictObject({
  status: v.optional(v.pipe(
    v.string(),
    v.transform((s) => s.split(',').map((x) => x.trim())),
    v.array(v.picklist(STATUSES, 'must be a comma list of NEW, IN_PROGRESS, DONE, CANCELED')),
  )),
  priority: v.optional(priority),
  assignee_id: v.optional(v.union([v.picklist(['me', 'none']), uuid()], 'must be a UUID, me or none')),
  created_by: v.optional(v.union([v.literal('me'), uuid()], 'must be a UUID or me')),
  team_id: v.optional(v.union([v.picklist(['mine', 'none']), uuid()], 'must be a UUID, mine or none')),
  q: v.optional(v.pipe(v.string(), v.trim(), v.check((s) => s.length >= 1 && s.length <= 200, 'must be 1..200 characters'))),
  created_after: v.optional(timestamp()),
  created_before: v.optional(timestamp()),
  sla: v.optional(v.picklist(['breached', 'warning'], 'must be breached or warning')),
  sort: v.optional(v.picklist(['-created', 'created', '-priority', 'due'], 'must be -created, created, -priority or due'), '-created'),
  ...PAGE_FIELDS,
});
export type ListRequestsInput = v.InferOutput<typeof ListRequestsQuery>;
