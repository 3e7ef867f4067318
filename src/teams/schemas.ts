// The input of every team operation, as valibot schemas and their inferred types.
import * as v from 'valibot';
import { longText, PAGE_FIELDS, text } from '../validation.ts';

export const CreateTeamSchema = v.strictObject({
  name: text(1, 100),
  description: v.optional(longText(0, 2000), ''),
});
export type CreateTeamInput = v.InferOutput<typeof CreateTeamSchema>;

export const UpdateTeamSchema = v.strictObject({
  name: v.optional(text(1, 100)),
  description: v.optional(longText(0, 2000)),
  is_active: v.optional(v.boolean('must be true or false')),
});
export type UpdateTeamInput = v.InferOutput<typeof UpdateTeamSchema>;

export const ListTeamsQuery = v.strictObject({
  is_active: v.optional(v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform((s) => s === 'true'))),
  ...PAGE_FIELDS,
});
export type ListTeamsInput = v.InferOutput<typeof ListTeamsQuery>;
