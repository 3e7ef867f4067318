// The team operations every way in calls: (db, actor, ref, input, audit) → rows. No HTTP.
import type { Tx } from '../db/index.ts';
import {
  addTeamMember, countOpenWork, getTeam, insertTeam, listTeamMembers, listTeams as selectTeams, removeTeamMember,
  type TeamDoc, updateTeam as writeTeam,
} from '../db/teams.ts';
import { type Audit, getUser } from '../db/users.ts';
import { AppError, fail } from '../errors.ts';
import type { Actor } from '../users/keys.ts';
import { idOf } from '../validation.ts';
import { mayBeMember, mayManageTeams, maySeeMembers, maySeeTeam } from './policy.ts';
import type { CreateTeamInput, ListTeamsInput, UpdateTeamInput } from './schemas.ts';

type Page = { limit: number; after: string | null };

const requireAdmin = (actor: Actor) => {
  if (!mayManageTeams(actor)) fail('forbidden', 'only an ADMIN may change teams');
};

/** The team behind `ref`, if the actor may see it (404 otherwise). */
export async function findTeam(db: Tx, actor: Actor, ref: string): Promise<TeamDoc> {
  const id = idOf(ref);
  const team = id ? await getTeam(db, id) : undefined;
  if (!team || !maySeeTeam(actor, team)) throw new AppError('not_found', 'no such team');
  return team;
}

/** Active teams for everyone; an ADMIN sees all, and may filter by is_active. */
export function listTeams(db: Tx, actor: Actor, q: ListTeamsInput, page: Page) {
  const isActive = mayManageTeams(actor) ? q.is_active ?? null : true;
  return selectTeams(db, { is_active: isActive, ...page });
}

export async function createTeam(db: Tx, actor: Actor, input: CreateTeamInput, audit: Audit): Promise<TeamDoc> {
  requireAdmin(actor);
  return insertTeam(db, input, actor.id, audit);
}

export async function updateTeam(db: Tx, actor: Actor, ref: string, input: UpdateTeamInput, audit: Audit): Promise<TeamDoc> {
  const { id } = await findTeam(db, actor, ref);
  requireAdmin(actor);
  return (await writeTeam(db, id, input, actor.id, audit))!;
}

export async function teamMembers(db: Tx, actor: Actor, ref: string, page: Page) {
  const { id } = await findTeam(db, actor, ref);
  if (!maySeeMembers(actor, id)) fail('forbidden', 'only an ADMIN or a member sees who is in a team');
  return listTeamMembers(db, id, page);
}

/** A membership change's team (404 if unseen), then the ADMIN check, then its user (404). */
async function teamAndUser(db: Tx, actor: Actor, ref: string, userRef: string) {
  const { id } = await findTeam(db, actor, ref);
  requireAdmin(actor);
  const userId = idOf(userRef);
  const user = userId ? await getUser(db, userId) : undefined;
  if (!user) throw new AppError('not_found', 'no such user');
  return { id, user };
}

/** Idempotent: adding a member twice changes nothing the second time. */
export async function addMember(db: Tx, actor: Actor, ref: string, userRef: string, audit: Audit): Promise<{ teamId: string; userId: string }> {
  const { id, user } = await teamAndUser(db, actor, ref, userRef);
  if (!mayBeMember(user)) fail('validation_failed', 'a member must be an active AGENT or ADMIN', [{ path: 'user_id', message: 'must be an active AGENT or ADMIN' }]);
  await addTeamMember(db, id, user.id, actor.id, audit);
  return { teamId: id, userId: user.id };
}

/** Idempotent like addMember; refused while the member is the assignee of an open request of this team (and not an ADMIN). */
export async function removeMember(db: Tx, actor: Actor, ref: string, userRef: string, audit: Audit): Promise<{ teamId: string; userId: string }> {
  const { id, user } = await teamAndUser(db, actor, ref, userRef);
  if (user.role !== 'ADMIN' && (await countOpenWork(db, id, user.id)) > 0) {
    fail('member_has_open_requests', 'the member is the assignee of open requests of this team; reassign them first');
  }
  await removeTeamMember(db, id, user.id, actor.id, audit); // not a member: nothing to do, as PUT twice
  return { teamId: id, userId: user.id };
}
