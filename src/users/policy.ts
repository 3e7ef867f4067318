// Every "who may" about users and keys (API.md, "Users and API keys").
import type { Role } from './keys.ts';
import type { Actor } from './keys.ts';
import type { UpdateUserInput } from './schemas.ts';

/** Creating, listing, changing users and other people's keys: ADMIN only. */
export const mayManageUsers = (actor: Actor) => actor.role === 'ADMIN';

/** An ADMIN sees everyone; anyone else only themself (others are 404, not 403). */
export const maySeeUser = (actor: Actor, userId: string) => actor.role === 'ADMIN' || actor.id === userId;

/** Does this change leave the user an active ADMIN no longer? (the last-admin guard cares) */
export function losesAdmin(before: { role: Role; is_active: boolean }, change: UpdateUserInput): boolean {
  const wasAdmin = before.role === 'ADMIN' && before.is_active;
  const isAdmin = (change.role ?? before.role) === 'ADMIN' && (change.is_active ?? before.is_active);
  return wasAdmin && !isAdmin;
}
