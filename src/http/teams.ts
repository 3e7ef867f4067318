// HTTP handlers for teams and their members: parse, call src/teams/actions.ts, shape the
// answer. Named after their route, like every handler (src/http/requests.ts).
import { addMember, createTeam, findTeam, listTeams, removeMember, teamMembers, updateTeam } from '../teams/actions.ts';
import { CreateTeamSchema, ListTeamsQuery, UpdateTeamSchema } from '../teams/schemas.ts';
import { parse } from '../validation.ts';
import { actorOf, auditMeta, type Ctx, json, noBody, noQuery, page, pageArgs, pageQuery, queryObject, type Res } from './context.ts';
import { userView } from './users.ts';

const noContent: Res = { status: 204 };

/** GET /teams */
export async function getTeams(ctx: Ctx) {
  const actor = actorOf(ctx);
  const q = parse(ListTeamsQuery, queryObject(ctx), 'invalid_query');
  const { limit, after } = pageArgs(q);
  const rows = await listTeams(ctx.services.db, actor, q, { after, limit: limit + 1 });
  return json(200, page(rows, limit, (r) => r.doc));
}

/** POST /teams */
export async function postTeams(ctx: Ctx) {
  const input = parse(CreateTeamSchema, ctx.body);
  const team = await createTeam(ctx.services.db, actorOf(ctx), input, auditMeta(ctx));
  return json(201, team, { Location: `/teams/${team.id}` });
}

/** GET /teams/:id */
export async function getTeam(ctx: Ctx) {
  noQuery(ctx);
  return json(200, await findTeam(ctx.services.db, actorOf(ctx), ctx.params.id));
}

/** PATCH /teams/:id */
export async function patchTeam(ctx: Ctx) {
  const input = parse(UpdateTeamSchema, ctx.body);
  return json(200, await updateTeam(ctx.services.db, actorOf(ctx), ctx.params.id, input, auditMeta(ctx)));
}

/** GET /teams/:id/members */
export async function getTeamMembers(ctx: Ctx) {
  const { limit, after } = pageQuery(ctx);
  const rows = await teamMembers(ctx.services.db, actorOf(ctx), ctx.params.id, { after, limit: limit + 1 });
  return json(200, page(rows, limit, userView));
}

/** PUT /teams/:id/members/:user_id — idempotent. */
export async function putTeamMember(ctx: Ctx) {
  noBody(ctx);
  const { userId } = await addMember(ctx.services.db, actorOf(ctx), ctx.params.id, ctx.params.user_id, auditMeta(ctx));
  ctx.services.forgetUser(userId); // the member's teams are part of their cached authentication
  return noContent;
}

/** DELETE /teams/:id/members/:user_id */
export async function deleteTeamMember(ctx: Ctx) {
  noBody(ctx);
  const { userId } = await removeMember(ctx.services.db, actorOf(ctx), ctx.params.id, ctx.params.user_id, auditMeta(ctx));
  ctx.services.forgetUser(userId);
  return noContent;
}
