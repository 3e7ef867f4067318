// Users, roles and API keys: the pure rules and the input schemas.
import crypto from 'node:crypto';
import * as v from 'valibot';
import { email, PAGE_FIELDS, text } from './validation.ts';

export const ROLES = ['ADMIN', 'AGENT', 'EMPLOYEE'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor { id: string; full_name: string; role: Role }

/** `sfk_` + 43 url-safe base64 characters: 256 random bits. */
export function newApiKey(): string {
  return `sfk_${crypto.randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): Buffer {
  return crypto.createHash('sha256').update(key, 'utf8').digest();
}

/** Constant-time comparison of two secrets of any length. */
export function secretEquals(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export const CreateUserSchema = v.strictObject({
  email: email(),
  full_name: text(1, 200),
  role: v.optional(v.picklist(ROLES, 'must be one of ADMIN, AGENT, EMPLOYEE'), 'EMPLOYEE'),
});
export type CreateUserInput = v.InferOutput<typeof CreateUserSchema>;

export const UpdateUserSchema = v.strictObject({
  full_name: v.optional(text(1, 200)),
  role: v.optional(v.picklist(ROLES, 'must be one of ADMIN, AGENT, EMPLOYEE')),
  is_active: v.optional(v.boolean('must be true or false')),
});
export type UpdateUserInput = v.InferOutput<typeof UpdateUserSchema>;

export const ListUsersQuery = v.strictObject({
  role: v.optional(v.picklist(ROLES, 'must be one of ADMIN, AGENT, EMPLOYEE')),
  is_active: v.optional(v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform((s) => s === 'true'))),
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'must be at most 200 characters'))),
  ...PAGE_FIELDS,
});

/** Does this change leave the user an active ADMIN no longer? (the last-admin guard cares) */
export function losesAdmin(before: { role: Role; is_active: boolean }, change: UpdateUserInput): boolean {
  const wasAdmin = before.role === 'ADMIN' && before.is_active;
  const isAdmin = (change.role ?? before.role) === 'ADMIN' && (change.is_active ?? before.is_active);
  return wasAdmin && !isAdmin;
}
