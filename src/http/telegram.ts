// HTTP handlers for Telegram linking (API.md, "Telegram"): parse, call
// src/telegram/accounts.ts, shape the answer. Named after their route, like every handler.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { botUsername, createLinkToken, unlinkUser } from '../telegram/accounts.ts';
import { actorOf, auditMeta, type Ctx, json, noBody, type Res } from './context.ts';
import { staticFile } from './ops.ts';

const noContent: Res = { status: 204 };

/** POST /users/me/telegram-link — a one-time deep link to the bot; 409 telegram_not_configured while it is off. */
export async function postUsersMeTelegramLink(ctx: Ctx) {
  noBody(ctx);
  const actor = actorOf(ctx);
  const { db, config, clock } = ctx.services;
  const username = await botUsername(db, config);
  const { token, expiresAt } = await createLinkToken(db, actor, clock);
  return json(201, { url: `https://t.me/${username}?start=${token}`, expires_at: expiresAt.toISOString() });
}

/** DELETE /users/me/telegram */
export async function deleteUsersMeTelegram(ctx: Ctx) {
  noBody(ctx);
  const { db, config } = ctx.services;
  await unlinkUser(db, actorOf(ctx), 'me', config, auditMeta(ctx));
  return noContent;
}

/** DELETE /users/:id/telegram — ADMIN. */
export async function deleteUserTelegram(ctx: Ctx) {
  noBody(ctx);
  const { db, config } = ctx.services;
  await unlinkUser(db, actorOf(ctx), ctx.params.id, config, auditMeta(ctx));
  return noContent;
}

/** GET /ui/telegram.js — the console's Telegram module (src/web/telegram.js). */
export const getConsoleTelegramScript = staticFile(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'telegram.js'));
