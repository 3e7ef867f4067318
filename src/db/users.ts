// One typed function per statement in sql/queries/users and sql/queries/roles.
import { one, query, type Tx } from './index.ts';
import type { Actor, Role } from '../users/keys.ts';

export interface UserRow {
  id: string; email: string; full_name: string; role: Role; is_active: boolean;
  api_key_last4: string; teams: { id: string; name: string }[]; created_at: Date; updated_at: Date;
  /** user_telegram(), sql/migrations/0007_telegram.sql */
  telegram: { linked: boolean; username: string | null; linked_at: string | null };
}
export type Audit = readonly [requestId: string | null, ip: string | null, userAgent: string | null];

export const findActorByKeyHash = (db: Tx, hash: Buffer) =>
  one<Actor>(db, 'users/find_actor_by_key_hash', [hash]);

export const insertUser = (db: Tx, u: { email: string; full_name: string; role: Role; keyHash: Buffer; last4: string },
  actorId: string | null, action: 'user.created' | 'user.bootstrapped', audit: Audit, onlyIfNoAdmin = false) =>
  one<UserRow>(db, 'users/insert_user', [u.email, u.full_name, u.role, u.keyHash, u.last4, actorId, action, ...audit, onlyIfNoAdmin]);

export const getUser = (db: Tx, id: string) => one<UserRow>(db, 'users/get_user', [id]);

export const getUserByEmail = (db: Tx, email: string) => one<UserRow>(db, 'users/get_user_by_email', [email]);

export const listUsers = (db: Tx, f: { role: Role | null; is_active: boolean | null; pattern: string | null; after: string | null; limit: number }) =>
  query<UserRow & { seq: string }>(db, 'users/list_users', [f.role, f.is_active, f.pattern, f.after, f.limit], true);

export const updateUser = (db: Tx, id: string, f: { full_name?: string; role?: Role; is_active?: boolean }, actorId: string, audit: Audit) =>
  one<UserRow>(db, 'users/update_user', [id, f.full_name ?? null, f.role ?? null, f.is_active ?? null, actorId, ...audit]);

export const rotateApiKey = (db: Tx, id: string, keyHash: Buffer, last4: string, actorId: string | null, audit: Audit) =>
  one<{ id: string; api_key_last4: string }>(db, 'users/rotate_api_key', [id, keyHash, last4, actorId, ...audit]);

export const countOtherActiveAdmins = async (db: Tx, id: string) =>
  (await one<{ n: number }>(db, 'users/count_other_active_admins', [id]))!.n;

export const lockAdmins = (db: Tx) => query(db, 'users/lock_admins');

export const listRoles = (db: Tx) => query<{ code: Role; description: string }>(db, 'roles/list_roles');

export const getAssignee = (db: Tx, id: string, teamId: string | null) =>
  one<{ id: string; role: Role; is_active: boolean; in_team: boolean }>(db, 'users/get_assignee', [id, teamId]);
