// HTTP handlers for users, API keys and roles: parse, call src/users/actions.ts, shape
// the answer. Named after their route, like every handler (src/http/requests.ts).
import { listRoles, type UserRow } from '../db/users.ts';
import { bootstrapAdmin, createUser, findUser, listUsers, rotateKey, updateUser, type WithKey } from '../users/actions.ts';
import { CreateUserSchema, ListUsersQuery, UpdateUserSchema } from '../users/schemas.ts';
import { parse } from '../validation.ts';
import { actorOf, auditMeta, type Ctx, json, noBody, noQuery, page, pageArgs, queryObject, type Res } from './context.ts';
import { idempotent } from './idempotency.ts';

export const userView = (u: UserRow) => ({
  id: u.id, email: u.email, full_name: u.full_name, role: u.role, is_active: u.is_active,
  api_key_last4: u.api_key_last4, teams: u.teams, telegram: u.telegram, created_at: u.created_at, updated_at: u.updated_at,
});

const created = ({ user, key }: WithKey): Res => json(201, { ...userView(user), api_key: key }, { Location: `/users/${user.id}` });

/** POST /users — an ADMIN creates a user; a bootstrap call (its key checked by the server) the first ADMIN. */
export async function postUsers(ctx: Ctx) {
  const input = parse(CreateUserSchema, ctx.body);
  if (ctx.bootstrap) return created(await bootstrapAdmin(ctx.services.db, input, auditMeta(ctx)));
  const actor = actorOf(ctx);
  // A replay shows the user without the key: the raw key is never stored, not even here.
  return idempotent(ctx, { stored: (res) => ({ ...res, body: { ...(res.body as object), api_key: undefined } }) },
    async (tx) => created(await createUser(tx, actor, input, auditMeta(ctx))));
}

/** GET /users */
export async function getUsers(ctx: Ctx) {
  const actor = actorOf(ctx);
  const q = parse(ListUsersQuery, queryObject(ctx), 'invalid_query');
  const { limit, after } = pageArgs(q);
  const rows = await listUsers(ctx.services.db, actor, q, { after, limit: limit + 1 });
  return json(200, page(rows, limit, userView));
}

/** GET /users/me */
export async function getUsersMe(ctx: Ctx) {
  noQuery(ctx);
  const actor = actorOf(ctx);
  return json(200, userView(await findUser(ctx.services.db, actor, actor.id)));
}

/** GET /users/:id — an ADMIN, or the user themself. */
export async function getUser(ctx: Ctx) {
  noQuery(ctx);
  return json(200, userView(await findUser(ctx.services.db, actorOf(ctx), ctx.params.id)));
}

/** PATCH /users/:id */
export async function patchUser(ctx: Ctx) {
  const input = parse(UpdateUserSchema, ctx.body);
  const user = await updateUser(ctx.services.db, actorOf(ctx), ctx.params.id, input, auditMeta(ctx));
  ctx.services.forgetUser(user.id);
  return json(200, userView(user));
}

async function rotate(ctx: Ctx, ref: string) {
  noBody(ctx);
  const { userId, key, last4 } = await rotateKey(ctx.services.db, actorOf(ctx), ref, auditMeta(ctx));
  ctx.services.forgetUser(userId);
  return json(200, { api_key: key, api_key_last4: last4 });
}

/** POST /users/me/api-key/rotate */
export const postUsersMeApiKeyRotate = (ctx: Ctx) => rotate(ctx, 'me');

/** POST /users/:id/api-key/rotate */
export const postUserApiKeyRotate = (ctx: Ctx) => rotate(ctx, ctx.params.id);

/** GET /roles */
export async function getRoles(ctx: Ctx) {
  noQuery(ctx);
  return json(200, { items: await listRoles(ctx.services.db) });
}
