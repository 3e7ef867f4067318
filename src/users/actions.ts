// The user operations every way in calls: (db, actor, ref, input, audit) → rows. No HTTP
// here. A new key is returned once, with the user; only its hash is stored.
import type { Sql, Tx } from '../db/index.ts';
import {
  type Audit, countOtherActiveAdmins, getUser, insertUser, listUsers as selectUsers, lockAdmins, rotateApiKey,
  updateUser as writeUser, type UserRow,
} from '../db/users.ts';
import { AppError, fail } from '../errors.ts';
import { idOf } from '../validation.ts';
import { type Actor, freshKey } from './keys.ts';
import { losesAdmin, mayManageUsers, maySeeUser } from './policy.ts';
import type { CreateUserInput, ListUsersInput, UpdateUserInput } from './schemas.ts';

export interface WithKey { user: UserRow; key: string }

const requireAdmin = (actor: Actor) => {
  if (!mayManageUsers(actor)) fail('forbidden', 'only an ADMIN may do this');
};

/** The user behind `ref`, if the actor may see them; anyone else learns nothing (404). */
export async function findUser(db: Tx, actor: Actor, ref: string): Promise<UserRow> {
  const id = idOf(ref);
  const user = id && maySeeUser(actor, id) ? await getUser(db, id) : undefined;
  if (!user) throw new AppError('not_found', 'no such user');
  return user;
}

/**
 * The first ADMIN, whatever role was asked (API.md, "bootstrap"); the caller has checked
 * the bootstrap key. Two at once create one: the admins lock serialises them.
 */
export async function bootstrapAdmin(db: Sql, input: CreateUserInput, audit: Audit): Promise<WithKey> {
  const { key, keyHash, last4 } = freshKey();
  const user = await db.begin(async (tx) => {
    await lockAdmins(tx);
    return insertUser(tx, { ...input, role: 'ADMIN', keyHash, last4 }, null, 'user.bootstrapped', audit, true);
  });
  if (!user) fail('bootstrap_closed', 'an active ADMIN exists already; ask them for an account');
  return { user: user!, key };
}

export async function createUser(db: Tx, actor: Actor, input: CreateUserInput, audit: Audit): Promise<WithKey> {
  requireAdmin(actor);
  const { key, keyHash, last4 } = freshKey();
  return { user: (await insertUser(db, { ...input, keyHash, last4 }, actor.id, 'user.created', audit))!, key };
}

export async function listUsers(db: Tx, actor: Actor, q: ListUsersInput, page: { limit: number; after: string | null }) {
  requireAdmin(actor);
  const pattern = q.q ? `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return selectUsers(db, { role: q.role ?? null, is_active: q.is_active ?? null, pattern, ...page });
}

/** The last active ADMIN can be neither demoted nor deactivated (409 last_admin). */
export async function updateUser(db: Sql, actor: Actor, ref: string, input: UpdateUserInput, audit: Audit): Promise<UserRow> {
  const { id } = await findUser(db, actor, ref);
  requireAdmin(actor);
  return db.begin(async (tx) => {
    if (input.role !== undefined || input.is_active !== undefined) await lockAdmins(tx);
    const before = await getUser(tx, id);
    if (losesAdmin(before!, input) && (await countOtherActiveAdmins(tx, id)) === 0) {
      fail('last_admin', 'this is the last active ADMIN; make another user ADMIN first');
    }
    return (await writeUser(tx, id, input, actor.id, audit))!;
  });
}

/** A new key for `ref` ('me', or a user an ADMIN names); the old one stops working when this commits. */
export async function rotateKey(db: Tx, actor: Actor, ref: string, audit: Audit): Promise<{ userId: string; key: string; last4: string }> {
  let userId = actor.id;
  if (ref !== 'me') {
    userId = (await findUser(db, actor, ref)).id;
    requireAdmin(actor);
  }
  const { key, keyHash, last4 } = freshKey();
  const row = await rotateApiKey(db, userId, keyHash, last4, actor.id, audit);
  if (!row) throw new AppError('not_found', 'no such user');
  return { userId, key, last4: row.api_key_last4 };
}
