// Handlers for users, API keys and roles.
import { countOtherActiveAdmins, getUser, insertUser, listRoles, listUsers, lockAdmins, rotateApiKey, updateUser, type UserRow } from '../db/users.ts';
import { AppError, fail } from '../errors.ts';
import { type Actor, CreateUserSchema, hashApiKey, ListUsersQuery, losesAdmin, newApiKey, secretEquals, UpdateUserSchema } from '../users.ts';
import { idOf, parse } from '../validation.ts';
import { actorOf, auditMeta, type Ctx, header, json, noBody, noQuery, page, pageArgs, queryObject } from './context.ts';
import { idempotent } from './idempotency.ts';

export const userView = (u: UserRow) => ({
  id: u.id, email: u.email, full_name: u.full_name, role: u.role, is_active: u.is_active,
  api_key_last4: u.api_key_last4, created_at: u.created_at, updated_at: u.updated_at,
});

const requireAdmin = (actor: Actor) => {
  if (actor.role !== 'ADMIN') fail('forbidden', 'only an ADMIN may do this');
};

function freshKey() {
  const key = newApiKey();
  return { key, keyHash: hashApiKey(key), last4: key.slice(-4) };
}

/** The user, if the caller may see them: an ADMIN sees everyone, anyone else only themself. */
async function findUser(ctx: Ctx, ref: string): Promise<UserRow> {
  const actor = actorOf(ctx);
  const id = idOf(ref);
  const visible = actor.role === 'ADMIN' || actor.id === id;
  const user = visible && id ? await getUser(ctx.services.db, id) : undefined;
  if (!user) throw new AppError('not_found', 'no such user');
  return user;
}

/** The bootstrap key check of API.md: set, matching (in constant time), and no admin yet. */
function checkBootstrapKey(ctx: Ctx): void {
  const expected = ctx.services.config.ADMIN_BOOTSTRAP_KEY;
  if (!expected) fail('bootstrap_closed', 'bootstrap is disabled on this server (ADMIN_BOOTSTRAP_KEY is unset)');
  if (!secretEquals(header(ctx, 'x-bootstrap-key') ?? '', expected!)) fail('invalid_bootstrap_key', 'the bootstrap key is not valid');
}

/** POST /users — an ADMIN creates a user; without a key, X-Bootstrap-Key creates the first ADMIN. */
export async function createUser(ctx: Ctx) {
  const input = parse(CreateUserSchema, ctx.body);
  const bootstrap = ctx.actor === null;
  if (bootstrap) checkBootstrapKey(ctx);
  else requireAdmin(ctx.actor!);
  const { key, keyHash, last4 } = freshKey();
  const created = (user: UserRow) => json(201, { ...userView(user), api_key: key }, { Location: `/users/${user.id}` });
  if (bootstrap) {
    const user = await ctx.services.db.begin(async (tx) => {
      await lockAdmins(tx);
      return insertUser(tx, { ...input, role: 'ADMIN', keyHash, last4 }, null, 'user.bootstrapped', auditMeta(ctx), true);
    });
    if (!user) fail('bootstrap_closed', 'an active ADMIN exists already; ask them for an account');
    return created(user!);
  }
  // A replay shows the user without the key: the raw key is never stored, not even here.
  return idempotent(ctx, { stored: (res) => ({ ...res, body: { ...(res.body as object), api_key: undefined } }) },
    async (tx) => created((await insertUser(tx, { ...input, keyHash, last4 }, ctx.actor!.id, 'user.created', auditMeta(ctx)))!));
}

/** GET /users */
export async function listUsersHandler(ctx: Ctx) {
  requireAdmin(actorOf(ctx));
  const q = parse(ListUsersQuery, queryObject(ctx), 'invalid_query');
  const { limit, after } = pageArgs(q);
  const pattern = q.q ? `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await listUsers(ctx.services.db, { role: q.role ?? null, is_active: q.is_active ?? null, pattern, after, limit: limit + 1 });
  return json(200, page(rows, limit, userView));
}

/** GET /users/me */
export async function getMe(ctx: Ctx) {
  noQuery(ctx);
  return json(200, userView(await findUser(ctx, actorOf(ctx).id)));
}

/** GET /users/:id — an ADMIN, or the user themself; anyone else learns nothing (404). */
export async function getUserHandler(ctx: Ctx) {
  noQuery(ctx);
  return json(200, userView(await findUser(ctx, ctx.params.id)));
}

/** PATCH /users/:id — the last active ADMIN can be neither demoted nor deactivated. */
export async function updateUserHandler(ctx: Ctx) {
  const actor = actorOf(ctx);
  const input = parse(UpdateUserSchema, ctx.body);
  const { id } = await findUser(ctx, ctx.params.id);
  requireAdmin(actor);
  const user = await ctx.services.db.begin(async (tx) => {
    if (input.role !== undefined || input.is_active !== undefined) await lockAdmins(tx);
    const before = await getUser(tx, id);
    if (losesAdmin(before!, input) && (await countOtherActiveAdmins(tx, id)) === 0) {
      fail('last_admin', 'this is the last active ADMIN; make another user ADMIN first');
    }
    return updateUser(tx, id, input, actor.id, auditMeta(ctx));
  });
  ctx.services.forgetUser(id);
  return json(200, userView(user!));
}

async function rotate(ctx: Ctx, userId: string) {
  const { key, keyHash, last4 } = freshKey();
  const row = await rotateApiKey(ctx.services.db, userId, keyHash, last4, actorOf(ctx).id, auditMeta(ctx));
  if (!row) throw new AppError('not_found', 'no such user');
  ctx.services.forgetUser(userId);
  return json(200, { api_key: key, api_key_last4: row.api_key_last4 });
}

/** POST /users/me/api-key/rotate */
export async function rotateMyKey(ctx: Ctx) {
  noBody(ctx);
  return rotate(ctx, actorOf(ctx).id);
}

/** POST /users/:id/api-key/rotate */
export async function rotateUserKey(ctx: Ctx) {
  noBody(ctx);
  const { id } = await findUser(ctx, ctx.params.id);
  requireAdmin(actorOf(ctx));
  return rotate(ctx, id);
}

/** GET /roles */
export async function listRolesHandler(ctx: Ctx) {
  noQuery(ctx);
  return json(200, { items: await listRoles(ctx.services.db) });
}
