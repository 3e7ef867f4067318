// The input of every user operation, as valibot schemas and their inferred types.
import * as v from 'valibot';
import { email, PAGE_FIELDS, text } from '../validation.ts';
import { ROLES } from './keys.ts';

const role = v.picklist(ROLES, 'must be one of ADMIN, AGENT, EMPLOYEE');

export const CreateUserSchema = v.strictObject({
  email: email(),
  full_name: text(1, 200),
  role: v.optional(role, 'EMPLOYEE'),
});
export type CreateUserInput = v.InferOutput<typeof CreateUserSchema>;

export const UpdateUserSchema = v.strictObject({
  full_name: v.optional(text(1, 200)),
  role: v.optional(role),
  is_active: v.optional(v.boolean('must be true or false')),
});
export type UpdateUserInput = v.InferOutput<typeof UpdateUserSchema>;

export const ListUsersQuery = v.strictObject({
  role: v.optional(role),
  is_active: v.optional(v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform((s) => s === 'true'))),
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'must be at most 200 characters'))),
  ...PAGE_FIELDS,
});
export type ListUsersInput = v.InferOutput<typeof ListUsersQuery>;
